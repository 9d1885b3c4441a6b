//! `--profile two-factor` over HTTP with a manual clock: django-two-factor-auth 1.18.1's
//! wizards (`two_factor/views/core.py`) on django-otp 1.7.5's rules. The same flows against
//! the real library: crates/server/tests/two_factor/run.sh.

mod common;

use common::*;
use twofold_server::Profile;

const USER: &str = "alice@example.com";
const PASSWORD: &str = "correct-horse-battery";

struct Browser<'a> {
    srv: &'a Srv,
    csrf: String,
    last: String,
}

impl<'a> Browser<'a> {
    fn new(srv: &'a Srv) -> Self {
        Browser {
            srv,
            csrf: String::new(),
            last: String::new(),
        }
    }

    fn read(&mut self, body: String) {
        if let Some(i) = body.find(r#"name="csrfmiddlewaretoken" value=""#) {
            let rest = &body[i + 34..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
        self.last = body;
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let r = self.srv.http.get(self.srv.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let loc = location(&r);
        self.read(r.text().await.unwrap());
        (status, loc)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut body: Vec<(&str, &str)> = form.to_vec();
        let csrf = self.csrf.clone();
        body.push(("csrfmiddlewaretoken", &csrf));
        let r = self
            .srv
            .http
            .post(self.srv.url(path))
            .form(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let loc = location(&r);
        self.read(r.text().await.unwrap());
        (status, loc)
    }

    fn step(&self) -> String {
        let i = self
            .last
            .find("-current_step\" value=\"")
            .expect("a wizard page")
            + 22;
        self.last[i..i + self.last[i..].find('"').unwrap()].to_string()
    }

    fn has_error(&self, msg: &str) -> bool {
        self.last.contains(&format!("<li>{msg}</li>"))
    }

    async fn login(&mut self) -> (u16, String) {
        self.get("/account/login/").await;
        self.post(
            "/account/login/",
            &[
                ("login_view-current_step", "auth"),
                ("auth-username", USER),
                ("auth-password", PASSWORD),
            ],
        )
        .await
    }

    async fn token(&mut self, step: &str, token: &str) -> (u16, String) {
        let name = format!("{step}-otp_token");
        self.post(
            "/account/login/",
            &[("login_view-current_step", step), (&name, token)],
        )
        .await
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn two_factor() -> Srv {
    Srv::start_with(|c| c.apply_profile(Profile::TwoFactor)).await
}

/// Register, log in without 2FA, set up through the wizard (the secret read from the
/// otpauth link), and log in through the token step with the setup code (not spent).
async fn set_up(b: &mut Browser<'_>) -> String {
    b.get("/account/register/").await;
    let r = b
        .post(
            "/account/register/",
            &[
                ("username", USER),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r, (302, "/account/register/done/".into()));
    assert_eq!(b.login().await, (302, "/account/two_factor/".into()));
    b.get("/account/two_factor/setup/").await;
    assert_eq!(b.step(), "welcome");
    b.post(
        "/account/two_factor/setup/",
        &[("setup_view-current_step", "welcome")],
    )
    .await;
    assert_eq!(b.step(), "generator");
    let i = b.last.find("otpauth://totp/").unwrap();
    let uri = &b.last[i..i + b.last[i..].find('"').unwrap()];
    assert!(uri.contains("%3A%20alice%40example.com?secret="), "{uri}");
    assert!(
        uri.ends_with("&digits=6&amp;issuer=127.0.0.1%3A")
            || uri.contains("&amp;digits=6&amp;issuer=127.0.0.1%3A"),
        "{uri}"
    );
    let j = uri.find("secret=").unwrap() + 7;
    let secret = uri[j..j + 32].to_string();
    let code = b.srv.code(&secret);
    let r = b
        .post(
            "/account/two_factor/setup/",
            &[
                ("setup_view-current_step", "generator"),
                ("generator-token", &code),
            ],
        )
        .await;
    assert_eq!(r, (302, "/account/two_factor/setup/complete/".into()));
    assert_eq!(b.get("/account/two_factor/setup/complete/").await.0, 200);
    b.post("/account/logout/", &[]).await;
    b.login().await;
    assert_eq!(b.step(), "token");
    assert_eq!(
        b.token("token", &code).await,
        (302, "/account/two_factor/".into())
    );
    secret
}

#[tokio::test]
async fn wizard_guards_and_setup_code() {
    let srv = two_factor().await;
    let mut b = Browser::new(&srv);
    b.get("/account/login/").await;
    // 400 without the management form, 403 without the CSRF token.
    let r = b
        .post(
            "/account/login/",
            &[("auth-username", USER), ("auth-password", PASSWORD)],
        )
        .await;
    assert_eq!(r.0, 400);
    b.csrf = "forged".into();
    let r = b
        .post("/account/login/", &[("login_view-current_step", "auth")])
        .await;
    assert_eq!(r.0, 403);
    let mut b = Browser::new(&srv);
    set_up(&mut b).await;
    // The setup code logged in once; it is now spent (replay).
    assert_eq!(
        b.get("/account/two_factor/setup/").await,
        (302, "/account/two_factor/setup/complete/".into())
    );
}

/// Throttling on the token step: refused with django-otp's message, 1 s then 2 s, a correct
/// code included; then the backup step with its own device.
#[tokio::test]
async fn throttling_and_backup_step() {
    let srv = two_factor().await;
    let mut b = Browser::new(&srv);
    let secret = set_up(&mut b).await;
    b.get("/account/two_factor/backup/tokens/").await;
    assert!(b.last.contains("You don't have any backup codes yet."));
    assert_eq!(
        b.post("/account/two_factor/backup/tokens/", &[]).await,
        (302, "/account/two_factor/backup/tokens/".into())
    );
    b.get("/account/two_factor/backup/tokens/").await;
    let tokens: Vec<String> = b
        .last
        .split("<li>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .filter(|t| t.len() == 8 && t.bytes().all(|c| matches!(c, b'a'..=b'z' | b'2'..=b'7')))
        .collect();
    assert_eq!(tokens.len(), 10);
    b.post("/account/logout/", &[]).await;
    srv.clock.advance(30);
    b.login().await;
    assert_eq!(b.token("token", "000000").await.0, 200);
    assert!(b.has_error("Invalid token. Please make sure you have entered it correctly."));
    b.token("token", &srv.code(&secret)).await;
    assert!(b.has_error(
        "Verification temporarily disabled because of 1 failed attempt, please try again soon."
    ));
    srv.clock.advance(1);
    b.token("token", "000000").await;
    srv.clock.advance(1);
    b.token("token", &srv.code(&secret)).await;
    assert!(b.has_error(
        "Verification temporarily disabled because of 2 failed attempts, please try again soon."
    ));
    // The backup step is another device: not throttled.
    b.post("/account/login/", &[("wizard_goto_step", "backup")])
        .await;
    assert_eq!(b.step(), "backup");
    assert_eq!(
        b.token("backup", &tokens[0]).await,
        (302, "/account/two_factor/".into())
    );
    // Disable needs the box ticked.
    b.get("/account/two_factor/disable/").await;
    b.post("/account/two_factor/disable/", &[]).await;
    assert!(b.has_error("This field is required."));
    assert_eq!(
        b.post("/account/two_factor/disable/", &[("understand", "on")])
            .await,
        (302, "/account/two_factor/".into())
    );
    b.post("/account/logout/", &[]).await;
    assert_eq!(b.login().await, (302, "/account/two_factor/".into()));
}

/// TWO_FACTOR_LOGIN_TIMEOUT: a token step after the timeout goes back to the auth step.
#[tokio::test]
async fn login_timeout() {
    let srv = two_factor().await;
    let mut b = Browser::new(&srv);
    let secret = set_up(&mut b).await;
    b.post("/account/logout/", &[]).await;
    b.login().await;
    srv.clock.advance(601);
    b.token("token", &srv.code(&secret)).await;
    assert_eq!(b.step(), "auth");
    assert!(b.has_error("Your session has timed out. Please login again."));
}

/// The pages answer under --profile two-factor only.
#[tokio::test]
async fn pages_only_under_their_profile() {
    let srv = Srv::start_with(|c| c.apply_profile(Profile::DjangoOtp)).await;
    let r = srv
        .http
        .get(srv.url("/account/login/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
