//! `--profile allauth-2fa` over HTTP with a manual clock: django-allauth-2fa 0.12.0's pages
//! (`allauth_2fa/urls.py` at `/accounts/two-factor/`), its middleware (any other request
//! abandons a half-done login, `allauth_2fa/middleware.py`), 3 backup tokens
//! (`app_settings.py`), on django-otp's rules.

mod common;

use common::*;
use twofold_server::Profile;

const EMAIL: &str = "bob@example.com";
const PASSWORD: &str = "correct-horse-battery";

struct Browser<'a> {
    srv: &'a Srv,
    csrf: String,
    last: String,
}

impl<'a> Browser<'a> {
    async fn send(&mut self, req: reqwest::RequestBuilder) -> (u16, String) {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let loc = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = r.text().await.unwrap();
        if let Some(i) = body.find(r#"name="csrfmiddlewaretoken" value=""#) {
            let rest = &body[i + 34..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
        self.last = body;
        (status, loc)
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let req = self.srv.http.get(self.srv.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut body: Vec<(&str, &str)> = form.to_vec();
        let csrf = self.csrf.clone();
        body.push(("csrfmiddlewaretoken", &csrf));
        let req = self.srv.http.post(self.srv.url(path)).form(&body);
        self.send(req).await
    }

    fn secret(&self) -> String {
        let i = self.last.find(r#"id="totp-secret">"#).unwrap() + 17;
        self.last[i..i + 32].to_string()
    }

    fn tokens(&self) -> Vec<String> {
        self.last
            .split("<li>")
            .skip(1)
            .map(|s| s[..s.find('<').unwrap()].to_string())
            .filter(|t| t.len() == 8 && t.bytes().all(|c| matches!(c, b'a'..=b'z' | b'2'..=b'7')))
            .collect()
    }

    async fn login(&mut self) -> (u16, String) {
        self.get("/accounts/login/").await;
        self.post(
            "/accounts/login/",
            &[("login", EMAIL), ("password", PASSWORD)],
        )
        .await
    }
}

#[tokio::test]
async fn allauth_2fa_pages_and_middleware() {
    let srv = Srv::start_with(|c| c.apply_profile(Profile::Allauth2fa)).await;
    let mut b = Browser {
        srv: &srv,
        csrf: String::new(),
        last: String::new(),
    };
    b.get("/accounts/signup/").await;
    b.post(
        "/accounts/signup/",
        &[
            ("email", EMAIL),
            ("password1", PASSWORD),
            ("password2", PASSWORD),
        ],
    )
    .await;
    // Setup: every failed POST makes a new secret; a right code confirms the device.
    assert_eq!(b.get("/accounts/two-factor/setup/").await.0, 200);
    let first = b.secret();
    assert!(
        b.last.contains("otpauth://totp/127.0.0.1%3A"),
        "the label is 'host: user'"
    );
    b.post("/accounts/two-factor/setup/", &[("otp_token", "000000")])
        .await;
    let secret = b.secret();
    assert_ne!(first, secret, "a new device after a failed token");
    let setup_code = srv.code(&secret);
    assert_eq!(
        b.post("/accounts/two-factor/setup/", &[("otp_token", &setup_code)])
            .await,
        (302, "/accounts/two-factor/backup-tokens/".into())
    );
    b.get("/accounts/two-factor/backup-tokens/").await;
    assert!(b
        .last
        .contains("No tokens. Press the button below to generate some."));
    assert_eq!(
        b.post("/accounts/two-factor/backup-tokens/", &[]).await.0,
        200
    );
    let tokens = b.tokens();
    assert_eq!(tokens.len(), 3, "ALLAUTH_2FA_BACKUP_TOKENS_NUMBER");
    b.post("/accounts/logout/", &[]).await;
    // Login: to two-factor-authenticate; any other request (a POST too) abandons it.
    assert_eq!(
        b.login().await,
        (302, "/accounts/two-factor/authenticate/".into())
    );
    b.get("/accounts/two-factor/authenticate/").await;
    b.post("/accounts/signup/", &[]).await;
    assert_eq!(
        b.get("/accounts/two-factor/authenticate/").await,
        (302, "/accounts/login/".into()),
        "the half-done login was abandoned by a POST elsewhere"
    );
    b.login().await;
    b.get("/accounts/two-factor/authenticate/").await;
    // The setup code was spent by the device's own verify_token.
    b.post(
        "/accounts/two-factor/authenticate/",
        &[("otp_token", &setup_code)],
    )
    .await;
    assert!(b
        .last
        .contains("<li>Invalid token. Please make sure you have entered it correctly.</li>"));
    // match_token counted that failure on both devices: both throttled for 1 s, so even a
    // good backup token does not match at once.
    b.post(
        "/accounts/two-factor/authenticate/",
        &[("otp_token", &tokens[0])],
    )
    .await;
    assert!(b.last.contains("<li>Invalid token."));
    srv.clock.advance(1);
    // A backup token: match_token tries the static device after the TOTP one.
    assert_eq!(
        b.post(
            "/accounts/two-factor/authenticate/",
            &[("otp_token", &tokens[0])]
        )
        .await
        .0,
        302
    );
    // Remove: a token required.
    b.get("/accounts/two-factor/remove/").await;
    b.post("/accounts/two-factor/remove/", &[("otp_token", "")])
        .await;
    assert!(b.last.contains("<li>Please enter your OTP token.</li>"));
    srv.clock.advance(30);
    assert_eq!(
        b.post(
            "/accounts/two-factor/remove/",
            &[("otp_token", &srv.code(&secret))]
        )
        .await,
        (302, "/accounts/two-factor/setup/".into())
    );
    assert_eq!(
        b.get("/accounts/two-factor/backup-tokens/").await,
        (302, "/accounts/two-factor/setup/".into())
    );
}
