//! Every seed-003 flow in every mode, over real HTTP, as a client written from the seed would.

mod common;

use common::*;
use serde_json::json;
use twofold_server::Mode;

#[tokio::test]
async fn optional_mode_full_flow() {
    let srv = Srv::start(Mode::Optional).await;
    // user without TOTP: tokens at once
    let reg = srv.register("alice@example.com").await;
    assert!(reg["access"].is_string() && reg["refresh"].is_string());
    let (s, v) = srv.login("alice@example.com").await;
    assert_eq!(s, 200);
    assert!(v["access"].is_string());
    let access = v["access"].as_str().unwrap().to_string();

    // setup without credentials
    let (s, v, _) = srv.post("/mfa/setup/", json!({})).await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (401, "Authentication credentials were not provided.")
    );
    // activate before setup
    let (s, v, _) = srv
        .post_auth("/mfa/activate/", json!({"code": "123456"}), Some(&access))
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Setup not initiated.")
    );

    let (s, setup, _) = srv.post_auth("/mfa/setup/", json!({}), Some(&access)).await;
    assert_eq!(s, 200);
    let secret = setup["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32);
    let uri = setup["provisioning_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Twofold:alice%40example.com?secret="),
        "{uri}"
    );
    assert!(uri.contains("issuer=Twofold"));
    assert!(setup["qr_code"].as_str().unwrap().starts_with("<svg"));

    // wrong code, then the right one
    let wrong = if srv.code(&secret) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (s, v, _) = srv
        .post_auth("/mfa/activate/", json!({"code": wrong}), Some(&access))
        .await;
    assert_eq!((s, v["detail"].as_str().unwrap()), (400, "Invalid code."));
    let (s, act, _) = srv
        .post_auth(
            "/mfa/activate/",
            json!({"code": srv.code(&secret)}),
            Some(&access),
        )
        .await;
    assert_eq!(s, 200, "{act}");
    assert_eq!(act["success"], true);
    assert!(
        act.get("access").is_none(),
        "no tokens outside the bootstrap flow"
    );
    let codes: Vec<String> = act["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 8 && c.chars().all(|d| d.is_ascii_digit())));

    // second setup refused
    let (s, v, _) = srv.post_auth("/mfa/setup/", json!({}), Some(&access)).await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "TOTP already activated.")
    );

    // authenticators list
    let (s, list) = srv.get_auth("/mfa/authenticators/", Some(&access)).await;
    assert_eq!(s, 200);
    let types: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["totp", "recovery_codes"]);

    // login now asks for a code; the activation code's step was used: a replay is refused
    let (s, v) = srv.login("alice@example.com").await;
    assert_eq!(s, 200);
    assert_eq!(v["mfa_required"], true);
    let challenge = v["challenge_id"].as_str().unwrap().to_string();
    assert_eq!(challenge.len(), 36);
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": srv.code(&secret)}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Invalid code."),
        "replay of the activation code"
    );
    srv.clock.advance(30);
    let code = srv.code(&secret);
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["access"].is_string() && v["refresh"].is_string());
    // the challenge worked once
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": code}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Challenge expired or invalid.")
    );
    // the same code on a new challenge: replay
    let (_, v) = srv.login("alice@example.com").await;
    let c2 = v["challenge_id"].as_str().unwrap().to_string();
    let (s, v, _) = srv
        .post("/mfa/verify/", json!({"challenge_id": c2, "code": code}))
        .await;
    assert_eq!((s, v["detail"].as_str().unwrap()), (400, "Invalid code."));

    // recovery code: works once
    let (s, v, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c2, "recovery_code": codes[0]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let access = v["access"].as_str().unwrap().to_string();
    let (_, v) = srv.login("alice@example.com").await;
    let c3 = v["challenge_id"].as_str().unwrap().to_string();
    let (s, v, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c3, "recovery_code": codes[0]}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Invalid recovery code.")
    );
    let (s, v) = srv.get_auth("/mfa/recovery-codes/", Some(&access)).await;
    assert_eq!(s, 200);
    assert_eq!(v["recovery_codes"].as_array().unwrap().len(), 9);

    // regenerate invalidates the old set
    let (s, v, _) = srv
        .post_auth("/mfa/recovery-codes/regenerate/", json!({}), Some(&access))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["recovery_codes"].as_array().unwrap().len(), 10);
    let (s, v, _) = srv
        .post(
            "/mfa/verify-recovery/",
            json!({"challenge_id": c3, "recovery_code": codes[1]}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Invalid recovery code.")
    );

    // deactivate: password checked
    let (s, v, _) = srv
        .post_auth(
            "/mfa/deactivate/",
            json!({"password": "nope-nope"}),
            Some(&access),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Invalid password.")
    );
    let (s, v, _) = srv
        .post_auth(
            "/mfa/deactivate/",
            json!({"password": "s3cret-pass"}),
            Some(&access),
        )
        .await;
    assert_eq!((s, v["success"].clone()), (200, json!(true)));
    let (s, v, _) = srv
        .post_auth(
            "/mfa/deactivate/",
            json!({"password": "s3cret-pass"}),
            Some(&access),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "TOTP not activated.")
    );
    let (s, v) = srv.login("alice@example.com").await;
    assert_eq!(s, 200);
    assert!(v["access"].is_string());
}

#[tokio::test]
async fn required_mode_bootstrap_from_login_and_registration() {
    let srv = Srv::start(Mode::Required).await;
    // self-service registration: no tokens, a setup challenge
    let (s, v, _) = srv
        .post("/registration/", json!({"email": "bob@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass", "first_name": "Bob", "last_name": "B"}))
        .await;
    assert_eq!(s, 201);
    assert_eq!(v["mfa_setup_required"], true);
    assert_eq!(v["detail"], "Verification e-mail sent.");
    assert!(v.get("access").is_none());

    // login without TOTP: a bootstrap challenge, 200
    let (s, v) = srv.login("bob@example.com").await;
    assert_eq!(s, 200);
    assert_eq!(v["mfa_setup_required"], true);
    let sc = v["setup_challenge_id"].as_str().unwrap().to_string();

    let (s, v, _) = srv
        .post(
            "/mfa/setup/",
            json!({"setup_challenge_id": "not-a-challenge"}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (401, "Authentication credentials were not provided.")
    );
    let (s, setup, _) = srv
        .post("/mfa/setup/", json!({"setup_challenge_id": sc}))
        .await;
    assert_eq!(s, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_string();
    let (s, v, _) = srv
        .post(
            "/mfa/activate/",
            json!({"code": srv.code(&secret), "setup_challenge_id": sc}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert_eq!(v["recovery_codes"].as_array().unwrap().len(), 10);
    assert!(
        v["access"].is_string() && v["refresh"].is_string(),
        "tokens after bootstrap activation"
    );
    let access = v["access"].as_str().unwrap().to_string();
    // the setup challenge is spent
    let (s, _, _) = srv
        .post("/mfa/setup/", json!({"setup_challenge_id": sc}))
        .await;
    assert_eq!(s, 401);

    // deactivation refused in required mode
    let (s, v, _) = srv
        .post_auth(
            "/mfa/deactivate/",
            json!({"password": "s3cret-pass"}),
            Some(&access),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (403, "MFA TOTP is required and cannot be disabled.")
    );

    // login with TOTP: challenge
    srv.clock.advance(30);
    let (_, v) = srv.login("bob@example.com").await;
    assert_eq!(v["mfa_required"], true);
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": v["challenge_id"], "code": srv.code(&secret)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn required_mode_admin_managed_registration() {
    let srv = Srv::start(Mode::Required).await;
    let (s, v, _) = srv
        .post(
            "/registration/user-register/",
            json!({"email": "invited@example.com", "role": 300}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let key = v["verification_key"].as_str().unwrap().to_string();
    let (s, _) = srv
        .get_auth(&format!("/registration/verification/{key}/"), None)
        .await;
    assert_eq!(s, 200);
    // the cookie set by the verification link authorises set-password
    let (s, v, _) = srv
        .post(
            "/registration/set-password/",
            json!({"new_password1": "new_password", "new_password2": "new_password"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["mfa_setup_required"], true);
    assert_eq!(
        v["detail"],
        "Password set. Please configure MFA to complete registration."
    );
    let sc = v["setup_challenge_id"].as_str().unwrap();
    let (_, setup, _) = srv
        .post("/mfa/setup/", json!({"setup_challenge_id": sc}))
        .await;
    let secret = setup["secret"].as_str().unwrap();
    let (s, v, _) = srv
        .post(
            "/mfa/activate/",
            json!({"code": srv.code(secret), "setup_challenge_id": sc}),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["access"].is_string());
    // the key worked once
    let (s, _, _) = srv
        .post(
            "/registration/set-password/",
            json!({"new_password1": "new_password", "new_password2": "new_password", "key": key}),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn disabled_mode_matrix() {
    let srv = Srv::start(Mode::Disabled).await;
    let reg = srv.register("carol@example.com").await;
    let access = reg["access"].as_str().unwrap();
    let (s, v) = srv.login("carol@example.com").await;
    assert_eq!(s, 200);
    assert!(v["access"].is_string());
    for path in [
        "/mfa/setup/",
        "/mfa/deactivate/",
        "/mfa/verify/",
        "/mfa/activate/",
    ] {
        let (s, v, _) = srv
            .post_auth(
                path,
                json!({"password": "s3cret-pass", "code": "123456", "challenge_id": "x"}),
                Some(access),
            )
            .await;
        assert_eq!(
            (s, v["detail"].as_str().unwrap()),
            (403, "MFA TOTP is disabled."),
            "{path}"
        );
    }
}

#[tokio::test]
async fn login_errors_and_tokens() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("dave@example.com").await;
    let (s, v, _) = srv
        .post(
            "/login/",
            json!({"email": "dave@example.com", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (401, "Incorrect credentials")
    );
    let (s, v, _) = srv
        .post(
            "/login/",
            json!({"email": "nobody@example.com", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(s, 401, "{v}");
    let (s, v, _) = srv
        .post("/registration/", json!({"email": "dave@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass"}))
        .await;
    assert_eq!(s, 400);
    assert!(v["email"].is_array() && v["detail"].is_string());

    // refresh rotates; logout revokes
    let (_, v) = srv.login("dave@example.com").await;
    let refresh = v["refresh"].as_str().unwrap().to_string();
    let (s, r, _) = srv.post("/refresh/", json!({"refresh": refresh})).await;
    assert_eq!(s, 200);
    let (s, _, _) = srv.post("/refresh/", json!({"refresh": refresh})).await;
    assert_eq!(s, 401, "a rotated refresh token is spent");
    let r2 = r["refresh"].as_str().unwrap();
    let (s, _, _) = srv.post("/logout/", json!({"refresh": r2})).await;
    assert_eq!(s, 200);
    let (s, _, _) = srv.post("/refresh/", json!({"refresh": r2})).await;
    assert_eq!(s, 401);

    // access token expiry via the clock
    let access = r["access"].as_str().unwrap();
    let (s, _) = srv.get_auth("/user/", Some(access)).await;
    assert_eq!(s, 200);
    srv.clock.advance(301);
    let (s, v) = srv.get_auth("/user/", Some(access)).await;
    assert_eq!(s, 401, "{v}");
    let (s, _) = srv.get_auth("/user/", Some("garbage.token.here")).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn refresh_token_as_cookie() {
    let srv = Srv::start_with(|c| c.refresh_token_as_cookie = true).await;
    let (s, v, h) = srv
        .post("/registration/", json!({"email": "erin@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass"}))
        .await;
    assert_eq!(s, 201);
    assert!(v["access"].is_string());
    assert!(v.get("refresh").is_none());
    let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("refresh_token=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // the client's cookie jar sends it back
    let (s, v, _) = srv.post("/refresh/", json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["access"].is_string());
}

#[tokio::test]
async fn challenges_expire_with_the_clock() {
    let srv = Srv::start(Mode::Optional).await;
    let (secret, _) = srv.enrolled("frank@example.com").await;
    let (_, v) = srv.login("frank@example.com").await;
    let c = v["challenge_id"].as_str().unwrap().to_string();
    srv.clock.advance(300);
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": c, "code": srv.code(&secret)}),
        )
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Challenge expired or invalid.")
    );

    let srv = Srv::start(Mode::Required).await;
    srv.post("/registration/", json!({"email": "gina@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass"})).await;
    let (_, v) = srv.login("gina@example.com").await;
    let sc = v["setup_challenge_id"].as_str().unwrap().to_string();
    srv.clock.advance(299);
    let (s, _, _) = srv
        .post("/mfa/setup/", json!({"setup_challenge_id": sc}))
        .await;
    assert_eq!(s, 200, "still valid at 299 s");
    srv.clock.advance(1);
    let (s, v, _) = srv
        .post("/mfa/setup/", json!({"setup_challenge_id": sc}))
        .await;
    assert_eq!(
        (s, v["detail"].as_str().unwrap()),
        (400, "Setup not initiated.")
    );
}

#[tokio::test]
async fn rate_limit_locks_out_even_the_right_code() {
    let srv = Srv::start(Mode::Optional).await;
    let (secret, _) = srv.enrolled("hank@example.com").await;
    let right = srv.code(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let mut challenge = String::new();
    for i in 0..5 {
        if i % 4 == 0 {
            let (_, v) = srv.login("hank@example.com").await;
            challenge = v["challenge_id"].as_str().unwrap().to_string();
        }
        let (s, v, h) = srv
            .post(
                "/mfa/verify/",
                json!({"challenge_id": challenge, "code": wrong}),
            )
            .await;
        if i < 4 {
            assert_eq!(
                (s, v["detail"].as_str().unwrap()),
                (400, "Invalid code."),
                "attempt {i}"
            );
        } else {
            assert_eq!(s, 429, "5th failure locks out: {v}");
            assert_eq!(
                v["detail"],
                "Too many failed MFA attempts. Try again later."
            );
            let retry: u64 = h
                .get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry > 0 && retry <= 300);
        }
    }
    // login itself answers 429 while locked out, and the right code is refused
    let (s, _) = srv.login("hank@example.com").await;
    assert_eq!(s, 429);
    let (s, _, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": right}),
        )
        .await;
    assert!(s == 429 || s == 400);
    srv.clock.advance(301);
    let (_, v) = srv.login("hank@example.com").await;
    let c = v["challenge_id"].as_str().unwrap();
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": c, "code": srv.code(&secret)}),
        )
        .await;
    assert_eq!(s, 200, "window passed: {v}");
}

#[tokio::test]
async fn challenge_invalidated_after_five_failures() {
    let srv = Srv::start_with(|c| c.rate_limit = "50/300".parse().unwrap()).await;
    let (_, _) = srv.enrolled("ivy@example.com").await;
    let (_, v) = srv.login("ivy@example.com").await;
    let c = v["challenge_id"].as_str().unwrap().to_string();
    let mut last = String::new();
    for _ in 0..5 {
        let (_, v, _) = srv
            .post("/mfa/verify/", json!({"challenge_id": c, "code": "99999a"}))
            .await;
        last = v["detail"].as_str().unwrap().to_string();
    }
    assert_eq!(last, "Too many failed attempts. Challenge invalidated.");
    let (_, v, _) = srv
        .post("/mfa/verify/", json!({"challenge_id": c, "code": "999999"}))
        .await;
    assert_eq!(v["detail"], "Challenge expired or invalid.");
}

#[tokio::test]
async fn tolerance_digits_and_clock_offset() {
    let srv = Srv::start_with(|c| {
        c.digits = 8;
        c.tolerance = 0;
        c.algorithm = twofold_otp::Algorithm::Sha256;
        c.issuer = "Acme Corp".into();
    })
    .await;
    let reg = srv.register("jo@example.com").await;
    let access = reg["access"].as_str().unwrap();
    let (_, setup, _) = srv.post_auth("/mfa/setup/", json!({}), Some(access)).await;
    let uri = setup["provisioning_uri"].as_str().unwrap();
    assert!(
        uri.contains("digits=8")
            && uri.contains("algorithm=SHA256")
            && uri.contains("issuer=Acme%20Corp"),
        "{uri}"
    );
    let key = twofold_otp::KeyUri::parse(uri).unwrap();
    let p = key.params();
    let prev = p
        .code(&key.secret, srv.clock_now() - 30)
        .unwrap()
        .to_string();
    let (s, v, _) = srv
        .post_auth("/mfa/activate/", json!({"code": prev}), Some(access))
        .await;
    assert_eq!(s, 400, "tolerance 0 refuses the previous step: {v}");
    let (s, v, _) = srv
        .post_auth("/mfa/activate/", json!({"code": "123456"}), Some(access))
        .await;
    assert_eq!(
        (s, v["code"][0].as_str().unwrap()),
        (400, "Ensure this field has at least 8 characters.")
    );
    // the server clock 90 s ahead: codes of the client's "now" no longer match, ahead ones do
    srv.app().set_clock_offset(90).unwrap();
    let ahead = p
        .code(&key.secret, srv.clock.clone_now() + 90)
        .unwrap()
        .to_string();
    let (s, v, _) = srv
        .post_auth("/mfa/activate/", json!({"code": ahead}), Some(access))
        .await;
    assert_eq!(s, 200, "{v}");
}

trait CloneNow {
    fn clone_now(&self) -> u64;
}
impl CloneNow for twofold_server::ManualClock {
    fn clone_now(&self) -> u64 {
        use twofold_server::Clock;
        self.now()
    }
}

#[tokio::test]
async fn insecure_bypass_code() {
    let srv = Srv::start_with(|c| {
        c.insecure = true;
        c.insecure_bypass_code = Some("424242".into());
    })
    .await;
    let (_, _) = srv.enrolled("kim@example.com").await;
    for _ in 0..2 {
        let (_, v) = srv.login("kim@example.com").await;
        let (s, v, _) = srv
            .post(
                "/mfa/verify/",
                json!({"challenge_id": v["challenge_id"], "code": "424242"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
}

#[tokio::test]
async fn restart_keeps_users_and_secrets() {
    let mut srv = Srv::start(Mode::Optional).await;
    let (secret, _) = srv.enrolled("lee@example.com").await;
    let cfg = config(Mode::Optional, srv.dir.path());
    srv.restart(cfg).await;
    let (s, v) = srv.login("lee@example.com").await;
    assert_eq!(s, 200);
    assert_eq!(v["mfa_required"], true);
    let (s, v, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": v["challenge_id"], "code": srv.code(&secret)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // key file is private, the secret is not stored in clear
    let key = match common::postgres_admin() {
        Some(_) => srv.dir.path().join("server.key"),
        None => srv.dir.path().join("server.sqlite3.key"),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    srv.handle.take().unwrap().stop().await;
    let raw_secret = twofold_otp::Secret::from_base32(&secret).unwrap();
    for (f, bytes) in common::stored_bytes(srv.dir.path()) {
        assert!(
            !bytes.windows(20).any(|w| w == raw_secret.as_bytes()),
            "{f} holds the raw secret"
        );
        assert!(
            !bytes.windows(32).any(|w| w == secret.as_bytes()),
            "{f} holds the base32 secret"
        );
        // pg_dump writes a BYTEA column in hex
        let hex = hex::encode(raw_secret.as_bytes());
        assert!(
            !bytes.windows(40).any(|w| w == hex.as_bytes()),
            "{f} holds the secret in hex"
        );
    }
    // another key cannot open the database
    std::fs::remove_file(&key).unwrap();
    let res = twofold_server::App::open(
        config(Mode::Optional, srv.dir.path()),
        std::sync::Arc::new(srv.clock.clone()),
    );
    assert!(matches!(
        res,
        Err(twofold_server::ServerError::KeyMismatch(_))
    ));
}
