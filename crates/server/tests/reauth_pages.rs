//! Under `--profile allauth`, the HTML pages ask for a recent reauthentication before the
//! sensitive MFA pages, as django-allauth 65.22.1 does: `@reauthentication_required(app=
//! "allauth.mfa")` on TOTP activation (`mfa/totp/views.py`, `ActivateTOTPView`), deactivation
//! (`DeactivateTOTPView._dispatch`) and recovery-code generation (`mfa/recovery_codes/views.py`),
//! `raise_if_reauthentication_required` when viewing or downloading the codes
//! (`mfa/recovery_codes/internal/flows.py`, `view_recovery_codes`), answered by
//! `account/middleware.py` with a redirect to the first method of
//! `get_reauthentication_methods` (`/accounts/reauthenticate/`, password) with `?next=`, a POST
//! suspended and replayed after (`account/internal/flows/reauthentication.py`,
//! `suspend_request`/`resume_request`); a reauthentication counts for
//! `ACCOUNT_REAUTHENTICATION_TIMEOUT` (300 s, `did_recently_reauthenticate`), a login does not.

mod common;

use common::*;
use twofold_server::{Mode, Profile};

fn csrf(html: &str) -> String {
    let i = html
        .find("name=\"csrfmiddlewaretoken\" value=\"")
        .expect("csrf field")
        + 34;
    html[i..].split('"').next().unwrap().to_string()
}

/// GET: status, Location, body.
async fn get(srv: &Srv, path: &str) -> (u16, String, String) {
    let r = srv.http.get(srv.url(path)).send().await.unwrap();
    let loc = location(&r);
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn form(srv: &Srv, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let r = srv
        .http
        .post(srv.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let loc = location(&r);
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

async fn allauth() -> Srv {
    Srv::start_with(|c| {
        c.apply_profile(Profile::Allauth);
        c.mode = Mode::Optional;
    })
    .await
}

/// Signs up through the form; the session is logged in. Returns a CSRF token.
async fn signup(srv: &Srv, email: &str) -> String {
    let (s, _, html) = get(srv, "/accounts/signup/").await;
    assert_eq!(s, 200);
    let t = csrf(&html);
    let (s, loc, _) = form(
        srv,
        "/accounts/signup/",
        &[
            ("csrfmiddlewaretoken", &t),
            ("email", email),
            ("password1", "s3cret-pass"),
            ("password2", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    // The session's new CSRF token (a new one at every login step), from a page with a form.
    let (_, _, html) = get(srv, "/accounts/logout/").await;
    csrf(&html)
}

const TO_REAUTH_ACTIVATE: &str =
    "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F";

/// Signed up, reauthenticated by password, TOTP activated through the page. Returns the secret
/// and a CSRF token.
async fn activated(srv: &Srv, email: &str) -> (String, String) {
    let t = signup(srv, email).await;
    // The signup is no reauthentication: the activation page sends to the password page.
    let (s, loc, _) = get(srv, "/accounts/2fa/totp/activate/").await;
    assert_eq!((s, loc.as_str()), (302, TO_REAUTH_ACTIVATE));
    let (s, _, html) = get(srv, TO_REAUTH_ACTIVATE).await;
    assert_eq!(s, 200);
    assert!(html.contains("Enter your password"));
    let (s, _, html) = form(
        srv,
        TO_REAUTH_ACTIVATE,
        &[("csrfmiddlewaretoken", &t), ("password", "wrong-pass")],
    )
    .await;
    assert_eq!(s, 200, "a form error re-renders the form, as Django does");
    assert!(html.contains("Incorrect password."));
    let (s, loc, _) = form(
        srv,
        TO_REAUTH_ACTIVATE,
        &[("csrfmiddlewaretoken", &t), ("password", "s3cret-pass")],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/totp/activate/"));
    let (s, _, html) = get(srv, "/accounts/2fa/totp/activate/").await;
    assert_eq!(s, 200);
    let i = html.find("id=\"totp-secret\">").unwrap() + 17;
    let secret = html[i..].split('<').next().unwrap().to_string();
    let (s, loc, _) = form(
        srv,
        "/accounts/2fa/totp/activate/",
        &[("csrfmiddlewaretoken", &t), ("code", &srv.code(&secret))],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/recovery-codes/"));
    (secret, t)
}

#[tokio::test]
async fn allauth_pages_ask_for_a_password_or_code_before_deactivating_and_replay_the_post() {
    let srv = allauth().await;
    let (secret, t) = activated(&srv, "reauth@example.com").await;
    let user = srv
        .app()
        .user_by_email("reauth@example.com")
        .unwrap()
        .unwrap();
    // Within ACCOUNT_REAUTHENTICATION_TIMEOUT the codes show.
    let (s, _, html) = get(&srv, "/accounts/2fa/recovery-codes/").await;
    assert_eq!(s, 200);
    assert!(html.contains("recovery-codes"));

    // 300 s later the reauthentication no longer counts.
    srv.clock.advance(300);
    for path in [
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/download/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
    ] {
        let (s, loc, _) = get(&srv, path).await;
        let next = path.replace('/', "%2F");
        assert_eq!(
            (s, loc),
            (302, format!("/accounts/reauthenticate/?next={next}")),
            "{path}"
        );
    }
    // A POST to deactivate is suspended: nothing changes yet.
    let (s, loc, _) = form(
        &srv,
        "/accounts/2fa/totp/deactivate/",
        &[("csrfmiddlewaretoken", &t)],
    )
    .await;
    let to_reauth = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Fdeactivate%2F";
    assert_eq!((s, loc.as_str()), (302, to_reauth));
    assert!(srv.app().has_totp(user.id).unwrap());

    // Reauthentication by code (`/accounts/2fa/reauthenticate/`): a wrong code is a form
    // error, the right one replays the suspended POST.
    let mfa = "/accounts/2fa/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Fdeactivate%2F";
    let (s, _, html) = get(&srv, to_reauth).await;
    assert_eq!(s, 200);
    assert!(html.contains(&mfa.replace('&', "&amp;")));
    let code = srv.code(&secret);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (s, _, html) = form(&srv, mfa, &[("csrfmiddlewaretoken", &t), ("code", &wrong)]).await;
    assert_eq!(s, 200, "a form error re-renders the form, as Django does");
    assert!(html.contains("Incorrect code."));
    assert!(srv.app().has_totp(user.id).unwrap());
    let (s, loc, _) = form(&srv, mfa, &[("csrfmiddlewaretoken", &t), ("code", &code)]).await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    assert!(
        !srv.app().has_totp(user.id).unwrap(),
        "the suspended deactivation ran after the reauthentication"
    );
}

#[tokio::test]
async fn allauth_regenerating_codes_needs_a_reauthentication_and_next_stays_on_this_server() {
    let srv = allauth().await;
    let (_, t) = activated(&srv, "codes@example.com").await;
    let user = srv
        .app()
        .user_by_email("codes@example.com")
        .unwrap()
        .unwrap();
    let before = srv.app().unused_recovery_codes(user.id).unwrap().unwrap();
    // allauth's RECOVERY_CODE_COUNT (10) of RECOVERY_CODE_DIGITS (8).
    assert_eq!(before.len(), 10);
    assert!(before
        .iter()
        .all(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())));
    srv.clock.advance(301);
    let (s, loc, _) = form(
        &srv,
        "/accounts/2fa/recovery-codes/generate/",
        &[("csrfmiddlewaretoken", &t)],
    )
    .await;
    let to = "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Frecovery-codes%2Fgenerate%2F";
    assert_eq!((s, loc.as_str()), (302, to));
    assert_eq!(
        srv.app().unused_recovery_codes(user.id).unwrap().unwrap(),
        before
    );
    let (s, loc, _) = form(
        &srv,
        to,
        &[("csrfmiddlewaretoken", &t), ("password", "s3cret-pass")],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/recovery-codes/"));
    assert_ne!(
        srv.app().unused_recovery_codes(user.id).unwrap().unwrap(),
        before
    );

    // A `next` elsewhere is not followed.
    srv.clock.advance(301);
    let (s, loc, _) = form(
        &srv,
        "/accounts/reauthenticate/?next=%2F%2Fevil.test%2F",
        &[("csrfmiddlewaretoken", &t), ("password", "s3cret-pass")],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    // Anonymous: to the login page.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anon
        .get(srv.url("/accounts/reauthenticate/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r).as_str()),
        (302, "/accounts/login/")
    );
}

/// jwt-allauth (the default) keeps its one-click pages: no reauthentication.
#[tokio::test]
async fn jwt_allauth_pages_deactivate_without_reauthentication() {
    let srv = Srv::start(Mode::Optional).await;
    let t = signup(&srv, "plain@example.com").await;
    let (s, _, html) = get(&srv, "/accounts/2fa/totp/activate/").await;
    assert_eq!(s, 200);
    let i = html.find("id=\"totp-secret\">").unwrap() + 17;
    let secret = html[i..].split('<').next().unwrap().to_string();
    let (s, _, _) = form(
        &srv,
        "/accounts/2fa/totp/activate/",
        &[("csrfmiddlewaretoken", &t), ("code", &srv.code(&secret))],
    )
    .await;
    assert_eq!(s, 302);
    srv.clock.advance(3600);
    let (s, loc, _) = form(
        &srv,
        "/accounts/2fa/totp/deactivate/",
        &[("csrfmiddlewaretoken", &t)],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    let user = srv
        .app()
        .user_by_email("plain@example.com")
        .unwrap()
        .unwrap();
    assert!(!srv.app().has_totp(user.id).unwrap());
}
