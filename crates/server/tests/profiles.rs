//! One test per rule that differs between `--profile allauth`, `jwt-allauth` and `django-otp`,
//! each naming the upstream file it follows (django-allauth 65.22.1 paths inside `allauth/`;
//! django-otp's `plugins/otp_totp/models.py`; django-jwt-allauth's MFA views). The django-otp
//! profile follows django-otp 1.7.5 where they differ (the setup code not spent, the throttling
//! back-off instead of the lockout, backup tokens as `otp_static` writes them); its throttling
//! and drift are tested in tests/django_otp.rs and src/django_otp_tests.rs.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use twofold_otp::Secret;
use twofold_server::{App, Config, ManualClock, Mode, Profile, ServerError};

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const PROFILES: [Profile; 3] = [Profile::Allauth, Profile::JwtAllauth, Profile::DjangoOtp];

fn app(profile: Profile, dir: &std::path::Path) -> (App, ManualClock) {
    let mut cfg: Config = config(Mode::Optional, dir);
    cfg.apply_profile(profile);
    let clock = ManualClock::new(T0);
    (App::open(cfg, Arc::new(clock.clone())).unwrap(), clock)
}

/// A user with TOTP activated through the REST/HTML activation (`activate_totp`) at T0.
fn activated(app: &App) -> i64 {
    let user = app
        .create_user("u@example.com", Some("s3cret-pass"), "", "")
        .unwrap();
    let setup = app.setup_totp(&user).unwrap();
    let code = code_at(&setup.secret, T0);
    app.activate_totp(&user, &code).unwrap();
    user.id
}

/// The replay rule on the REST face (`/mfa/verify/` goes through `second_factor`).
/// allauth: `mfa/totp/internal/auth.py`, `TOTP.validate_code` + `_mark_code_used`, and
/// `mfa/totp/forms.py` (`ActivateTOTPForm` validates without marking): the activation code
/// logs in once more, then is refused while it could still be valid.
/// jwt-allauth: the activation code's step is spent (the step stored at activation).
/// django-otp: `plugins/otp_totp/models.py`, `TOTPDevice.last_t` defaults to −1 and
/// two-factor-auth's `TOTPDeviceForm.save` does not set it: the activation code logs in once,
/// then `verify_token` keeps `last_t` and refuses it.
#[test]
fn replay_rule_per_profile() {
    for profile in PROFILES {
        let dir = tempfile::tempdir().unwrap();
        let (app, clock) = app(profile, dir.path());
        let id = activated(&app);
        let secret = {
            let uri = app.totp_uri(id).unwrap().unwrap();
            let i = uri.find("secret=").unwrap() + 7;
            uri[i..].split('&').next().unwrap().to_string()
        };
        let activation = code_at(&secret, T0);
        let first = app.second_factor(id, &activation, false).unwrap();
        assert_eq!(
            first,
            profile != Profile::JwtAllauth,
            "{profile}: activation code at login"
        );
        if profile != Profile::JwtAllauth {
            assert!(
                !app.second_factor(id, &activation, false).unwrap(),
                "used: refused"
            );
        }
        clock.advance(30);
        let next = code_at(&secret, T0 + 30);
        assert!(
            app.second_factor(id, &next, false).unwrap(),
            "{profile}: a new step"
        );
        assert!(
            !app.second_factor(id, &next, false).unwrap(),
            "{profile}: replay"
        );
    }
}

/// Tolerance: allauth's `mfa/app_settings.py` TOTP_TOLERANCE = 0; django-otp's
/// `TOTPDevice.tolerance` = 1 (django-jwt-allauth uses the device). A code one step old.
#[test]
fn tolerance_default_per_profile() {
    for profile in PROFILES {
        let dir = tempfile::tempdir().unwrap();
        let (app, clock) = app(profile, dir.path());
        let user = app
            .create_test_user_with_secret(
                "t@example.com",
                "s3cret-pass",
                Some(Some(Secret::from_base32(SECRET).unwrap())),
            )
            .unwrap();
        clock.advance(90);
        let old = code_at(SECRET, T0 + 60);
        let accepted = app.second_factor(user.id, &old, false).unwrap();
        assert_eq!(accepted, profile != Profile::Allauth, "{profile}");
    }
}

/// The lockout answer after 5 wrong codes in 300 s. allauth: `mfa/base/internal/flows.py`,
/// `check_rate_limit` raising `too_many_login_attempts` (a 400 form error, `mfa/adapter.py`
/// message); jwt-allauth: 429 with `Retry-After`. django-otp has no lockout: the device's
/// throttling (`django_otp/models.py`, `ThrottlingMixin`) refuses the next attempt for 1 s
/// after one failure, with its message, answered 429 with `Retry-After`.
#[test]
fn lockout_answer_per_profile() {
    for profile in PROFILES {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app(profile, dir.path());
        let id = activated(&app);
        if profile == Profile::DjangoOtp {
            assert!(!app.second_factor(id, "000000", false).unwrap());
            match app.second_factor(id, "000000", false) {
                Err(ServerError::Api {
                    status,
                    detail,
                    retry_after,
                    ..
                }) => {
                    assert_eq!(status.as_u16(), 429);
                    assert_eq!(detail, "Verification temporarily disabled because of 1 failed attempt, please try again soon.");
                    assert_eq!(retry_after, Some(1));
                }
                other => panic!("{profile}: {other:?}"),
            }
            continue;
        }
        for _ in 0..5 {
            assert!(!app.second_factor_either(id, "000000").unwrap());
        }
        match app.second_factor_either(id, "000000") {
            Err(ServerError::Api {
                status,
                detail,
                retry_after,
                ..
            }) => {
                if profile == Profile::Allauth {
                    assert_eq!(status.as_u16(), 400);
                    assert_eq!(detail, "Too many failed login attempts. Try again later.");
                    assert_eq!(retry_after, None);
                } else {
                    assert_eq!(status.as_u16(), 429, "{profile}");
                    assert!(retry_after.is_some(), "{profile}: Retry-After");
                }
            }
            other => panic!("{profile}: {other:?}"),
        }
    }
}

/// The otpauth URI. allauth: `mfa/adapter.py`, `build_totp_url`: the bare e-mail as label,
/// `issuer` as a parameter, `digits`/`period` only when not 6/30, no `algorithm`.
/// jwt-allauth / django-otp: `Issuer:email` with every parameter (django-otp's
/// `TOTPDevice.config_url`).
#[test]
fn otpauth_label_and_params_per_profile() {
    for profile in PROFILES {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app(profile, dir.path());
        let u = app
            .create_test_user_with_secret(
                "l@example.com",
                "s3cret-pass",
                Some(Some(Secret::from_base32(SECRET).unwrap())),
            )
            .unwrap();
        let uri = u.otpauth_uri.unwrap();
        if profile == Profile::Allauth {
            assert_eq!(
                uri,
                format!("otpauth://totp/l%40example.com?secret={SECRET}&issuer=Twofold")
            );
        } else {
            assert!(
                uri.starts_with("otpauth://totp/Twofold:l%40example.com?"),
                "{uri}"
            );
            for p in ["issuer=Twofold", "digits=6", "period=30", "algorithm=SHA1"] {
                assert!(uri.contains(p), "{profile}: {p} in {uri}");
            }
        }
        // Whichever profile, the panel's "Add to Twofold" reads the same URI back.
        assert_eq!(app.totp_uri(u.id).unwrap().unwrap().as_str(), uri);
    }
}

/// Recovery codes: allauth `mfa/app_settings.py` RECOVERY_CODE_COUNT 10 and
/// RECOVERY_CODE_DIGITS 8, derived as `mfa/recovery_codes/internal/auth.py` does (checked against
/// Python in headless.rs); jwt-allauth: `--recovery-codes` (10) 8-digit codes; django-otp:
/// `plugins/otp_static/models.py`, `StaticToken.random_token`: 8 characters of `[a-z2-7]`.
#[test]
fn recovery_code_format_and_count_per_profile() {
    for profile in PROFILES {
        let dir = tempfile::tempdir().unwrap();
        let (app, _) = app(profile, dir.path());
        let u = app
            .create_test_user("r@example.com", "s3cret-pass", true)
            .unwrap();
        let codes = u.recovery_codes.unwrap();
        assert_eq!(codes.len(), 10, "{profile}");
        let alphabet = |b: u8| {
            if profile == Profile::DjangoOtp {
                matches!(b, b'a'..=b'z' | b'2'..=b'7')
            } else {
                b.is_ascii_digit()
            }
        };
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 8 && c.bytes().all(alphabet)),
            "{profile}: {codes:?}"
        );
        if profile == Profile::DjangoOtp {
            assert!(codes
                .iter()
                .any(|c| c.bytes().any(|b| b.is_ascii_lowercase())));
        }
    }
    // A count given on the command line wins over the profile's.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(Mode::Optional, dir.path());
    cfg.apply_profile(Profile::Allauth);
    cfg.recovery_codes = 4;
    let app = App::open(cfg, Arc::new(ManualClock::new(T0))).unwrap();
    let u = app
        .create_test_user("r@example.com", "s3cret-pass", true)
        .unwrap();
    assert_eq!(u.recovery_codes.unwrap().len(), 4);
}

async fn call(
    srv: &Srv,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let url = srv.url(&format!("/_allauth/app/v1/{path}"));
    let mut req = match method {
        "POST" => srv.http.post(url).json(&body),
        "DELETE" => srv.http.delete(url),
        _ => srv.http.get(url),
    };
    if let Some(t) = token {
        req = req.header("X-Session-Token", t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Login timeout: allauth's `ACCOUNT_LOGIN_TIMEOUT` (900 s, `account/app_settings.py`;
/// `account/stages.py`): a login waiting for its second factor longer than that is gone.
#[tokio::test]
async fn login_timeout_ends_a_pending_login() {
    let srv = Srv::start_with(|c| c.apply_profile(Profile::Allauth)).await;
    srv.app()
        .create_test_user_with_secret(
            "p@example.com",
            "s3cret-pass",
            Some(Some(Secret::from_base32(SECRET).unwrap())),
        )
        .unwrap();
    let login = json!({"email": "p@example.com", "password": "s3cret-pass"});
    // Within the timeout: the code completes the login.
    let (s, v) = call(&srv, None, "POST", "auth/login", login.clone()).await;
    assert_eq!(s, 401, "{v}");
    let token = v["meta"]["session_token"].as_str().unwrap().to_string();
    srv.clock.advance(899);
    let code = srv.code(SECRET);
    let (s, v) = call(
        &srv,
        Some(&token),
        "POST",
        "auth/2fa/authenticate",
        json!({"code": code}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Past it: the stage is gone and the code logs nobody in.
    let (s, v) = call(&srv, None, "POST", "auth/login", login).await;
    assert_eq!(s, 401, "{v}");
    let token = v["meta"]["session_token"].as_str().unwrap().to_string();
    srv.clock.advance(901);
    let code = srv.code(SECRET);
    let (s, v) = call(
        &srv,
        Some(&token),
        "POST",
        "auth/2fa/authenticate",
        json!({"code": code}),
    )
    .await;
    assert_ne!(s, 200, "{v}");
    let (s, _) = call(&srv, Some(&token), "GET", "auth/session", Value::Null).await;
    assert_ne!(s, 200, "not logged in");
}

/// `ACCOUNT_RATE_LIMITS` (`account/app_settings.py`): the headless login is limited to 30 per
/// minute per address (`RATE_LIMITS["login"]`, 429); `--no-account-rate-limits` is
/// `ACCOUNT_RATE_LIMITS = False`, as the benchmark's Django runs.
#[tokio::test]
async fn account_rate_limits_and_their_off_switch() {
    for limits in [true, false] {
        let srv = Srv::start_with(|c| {
            c.apply_profile(Profile::Allauth);
            c.account_rate_limits = limits;
        })
        .await;
        srv.app()
            .create_test_user("r@example.com", "s3cret-pass", false)
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..31 {
            let login = json!({"email": "r@example.com", "password": "s3cret-pass"});
            statuses.push(call(&srv, None, "POST", "auth/login", login).await.0);
        }
        assert!(statuses[..30].iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(statuses[30], if limits { 429 } else { 200 });
    }
}
