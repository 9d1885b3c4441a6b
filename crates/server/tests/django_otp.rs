//! django-otp's rules on the REST face (`--profile django-otp`), over HTTP with a manual clock:
//! the throttling back-off (`django_otp/models.py`, `ThrottlingMixin`), drift tracking
//! (`django_otp/plugins/otp_totp/models.py`, `TOTPDevice.verify_token` with `OTP_TOTP_SYNC`),
//! the setup code not spent (`TOTPDevice.last_t` = −1), backup tokens
//! (`django_otp/plugins/otp_static/models.py`) with their own throttle. django-otp 1.7.5.

mod common;

use common::*;
use serde_json::{json, Value};
use twofold_server::Profile;

async fn django_otp(f: impl FnOnce(&mut twofold_server::Config)) -> Srv {
    Srv::start_with(|c| {
        c.apply_profile(Profile::DjangoOtp);
        f(c);
    })
    .await
}

async fn challenge(srv: &Srv, email: &str) -> String {
    let (s, v) = srv.login(email).await;
    assert_eq!(s, 200, "{v}");
    v["challenge_id"].as_str().unwrap().to_string()
}

async fn verify(srv: &Srv, challenge: &str, code: &str) -> (u16, Value, Option<String>) {
    let (s, v, h) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    let retry = h
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (s, v, retry)
}

/// After n failures every attempt, a right code included, is refused for 2^(n−1) s with the
/// form's n_failed_attempts message (django_otp/forms.py); refusals do not count; a success
/// resets.
#[tokio::test]
async fn throttling_backoff_over_rest() {
    let srv = django_otp(|_| {}).await;
    let (secret, _) = srv.enrolled("t@example.com").await;
    let c = challenge(&srv, "t@example.com").await;
    let (s, v, _) = verify(&srv, &c, "000000").await;
    assert_eq!((s, v["detail"].as_str().unwrap()), (400, "Invalid code."));
    let (s, v, retry) = verify(&srv, &c, &srv.code(&secret)).await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(
        v["detail"],
        "Verification temporarily disabled because of 1 failed attempt, please try again soon."
    );
    assert_eq!(retry.as_deref(), Some("1"));
    srv.clock.advance(1);
    let (s, _, _) = verify(&srv, &c, "111111").await;
    assert_eq!(s, 400);
    // Two failures: 2 s. One second is not enough, and that refusal does not count.
    srv.clock.advance(1);
    let (s, v, retry) = verify(&srv, &c, "111111").await;
    assert_eq!((s, retry.as_deref()), (429, Some("1")), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("2 failed attempts"));
    srv.clock.advance(1);
    let (s, v, _) = verify(&srv, &c, &srv.code(&secret)).await;
    assert_eq!(s, 200, "a success after the delay: {v}");
    // Reset: a new failure waits 1 s again, not 4.
    srv.clock.advance(30);
    let c = challenge(&srv, "t@example.com").await;
    assert_eq!(verify(&srv, &c, "000000").await.0, 400);
    assert_eq!(verify(&srv, &c, "000000").await.2.as_deref(), Some("1"));
}

/// `--throttle-factor 0` disables throttling (ThrottlingMixin.throttling_enabled).
#[tokio::test]
async fn throttle_factor_zero_over_rest() {
    let srv = django_otp(|c| c.throttle_factor = 0).await;
    let (secret, _) = srv.enrolled("z@example.com").await;
    let c = challenge(&srv, "z@example.com").await;
    for _ in 0..3 {
        assert_eq!(verify(&srv, &c, "000000").await.0, 400);
    }
    assert_eq!(verify(&srv, &c, &srv.code(&secret)).await.0, 200);
}

/// OTP_TOTP_SYNC: after a +1 code the current code is refused and a +2 code accepted;
/// `--no-totp-sync` keeps the window centred.
#[tokio::test]
async fn drift_over_rest_and_no_sync() {
    for sync in [true, false] {
        let srv = django_otp(|c| c.totp_sync = sync).await;
        let (secret, _) = srv.enrolled("d@example.com").await;
        let now = srv.clock_now();
        let c = challenge(&srv, "d@example.com").await;
        assert_eq!(verify(&srv, &c, &code_at(&secret, now + 30)).await.0, 200);
        let id = srv
            .app()
            .user_by_email("d@example.com")
            .unwrap()
            .unwrap()
            .id;
        let (drift, _, _) = srv.app().otp_totp_state(id).unwrap().unwrap();
        assert_eq!(drift, i64::from(sync));
        srv.clock.advance(30);
        let now = srv.clock_now();
        let c = challenge(&srv, "d@example.com").await;
        // The current step is the one just used: refused either way (last_t).
        assert_eq!(verify(&srv, &c, &code_at(&secret, now)).await.0, 400);
        srv.clock.advance(1);
        let s = verify(&srv, &c, &code_at(&secret, now + 60)).await.0;
        assert_eq!(s == 200, sync, "a +2 code with sync={sync}");
    }
}

/// The setup code is not spent (last_t −1), and backup tokens: 8 characters of [a-z2-7],
/// single use, with their own throttle (a TOTP failure does not throttle them).
#[tokio::test]
async fn setup_code_and_backup_tokens_over_rest() {
    let srv = django_otp(|_| {}).await;
    let v = srv.register("b@example.com").await;
    let access = v["access"].as_str().unwrap().to_string();
    let (_, setup, _) = srv.post_auth("/mfa/setup/", json!({}), Some(&access)).await;
    let secret = setup["secret"].as_str().unwrap().to_string();
    let code = srv.code(&secret);
    let (s, act, _) = srv
        .post_auth("/mfa/activate/", json!({"code": code}), Some(&access))
        .await;
    assert_eq!(s, 200, "{act}");
    let tokens: Vec<String> = act["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(tokens.len(), 10);
    assert!(tokens
        .iter()
        .all(|t| t.len() == 8 && t.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))));
    let c = challenge(&srv, "b@example.com").await;
    assert_eq!(
        verify(&srv, &c, &code).await.0,
        200,
        "the setup code at first login"
    );
    // A TOTP failure, then a backup token right away: the static device is not throttled.
    let c = challenge(&srv, "b@example.com").await;
    assert_eq!(verify(&srv, &c, "000000").await.0, 400);
    let (s, v, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c, "recovery_code": tokens[0]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    srv.clock.advance(5);
    let c = challenge(&srv, "b@example.com").await;
    let (s, _, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c, "recovery_code": tokens[0]}),
        )
        .await;
    assert_eq!(s, 400, "a used token");
    let (s, v, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c, "recovery_code": tokens[1]}),
        )
        .await;
    assert_eq!(s, 429, "the static device's own throttle: {v}");
}
