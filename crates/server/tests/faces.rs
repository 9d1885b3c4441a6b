//! The HTML pages through their forms (CSRF included), the QA endpoints, bad input, and the
//! responses validated against /openapi.json.

mod common;

use common::*;
use serde_json::{json, Value};
use twofold_server::Mode;

fn csrf(html: &str) -> String {
    let i = html
        .find("name=\"csrfmiddlewaretoken\" value=\"")
        .expect("csrf field")
        + 34;
    html[i..].split('"').next().unwrap().to_string()
}

async fn page(srv: &Srv, path: &str) -> (u16, String) {
    let r = srv.http.get(srv.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn form(srv: &Srv, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let r = srv
        .http
        .post(srv.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

#[tokio::test]
async fn html_signup_activate_login_with_code() {
    let srv = Srv::start(Mode::Optional).await;
    let (s, html) = page(&srv, "/accounts/signup/").await;
    assert_eq!(s, 200);
    let t = csrf(&html);
    // without the CSRF token: refused
    let (s, _, body) = form(
        &srv,
        "/accounts/signup/",
        &[
            ("email", "web@example.com"),
            ("password1", "s3cret-pass"),
            ("password2", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!(s, 403);
    assert!(body.contains("CSRF verification failed"));
    let (s, loc, _) = form(
        &srv,
        "/accounts/signup/",
        &[
            ("csrfmiddlewaretoken", &t),
            ("email", "web@example.com"),
            ("password1", "s3cret-pass"),
            ("password2", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));

    let (s, html) = page(&srv, "/accounts/2fa/totp/activate/").await;
    assert_eq!(s, 200);
    assert!(html.contains("<svg"), "QR as inline SVG");
    let i = html.find("id=\"totp-secret\">").unwrap() + 17;
    let secret = html[i..].split('<').next().unwrap().to_string();
    let t = csrf(&html);
    let (s, _, body) = form(
        &srv,
        "/accounts/2fa/totp/activate/",
        &[("csrfmiddlewaretoken", &t), ("code", "000000x")],
    )
    .await;
    assert_eq!(s, 400);
    assert!(body.contains("Incorrect code."));
    let (s, loc, _) = form(
        &srv,
        "/accounts/2fa/totp/activate/",
        &[("csrfmiddlewaretoken", &t), ("code", &srv.code(&secret))],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/recovery-codes/"));
    let (_, html) = page(&srv, "/accounts/2fa/recovery-codes/").await;
    assert!(html.contains("There are 10 out of 10 recovery codes available."));
    let r = srv
        .http
        .get(srv.url("/accounts/2fa/recovery-codes/download/"))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let codes: Vec<String> = r
        .text()
        .await
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(codes.len(), 10);

    // log out, log in: the code prompt
    let (_, html) = page(&srv, "/accounts/logout/").await;
    let (s, loc, _) = form(
        &srv,
        "/accounts/logout/",
        &[("csrfmiddlewaretoken", &csrf(&html))],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/login/"));
    let (_, html) = page(&srv, "/accounts/login/").await;
    let (s, loc, _) = form(
        &srv,
        "/accounts/login/",
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("login", "web@example.com"),
            ("password", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/authenticate/"));
    let (s, _) = page(&srv, "/accounts/2fa/").await;
    assert_eq!(s, 302, "not logged in before the second factor");
    let (_, html) = page(&srv, "/accounts/2fa/authenticate/").await;
    let t = csrf(&html);
    // replay of the activation code is refused; a recovery code works
    let (s, _, body) = form(
        &srv,
        "/accounts/2fa/authenticate/",
        &[("csrfmiddlewaretoken", &t), ("code", &srv.code(&secret))],
    )
    .await;
    assert_eq!(s, 400);
    assert!(body.contains("Incorrect code."));
    let (s, loc, _) = form(
        &srv,
        "/accounts/2fa/authenticate/",
        &[("csrfmiddlewaretoken", &t), ("code", &codes[3])],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    let (s, html) = page(&srv, "/accounts/2fa/").await;
    assert_eq!(s, 200);
    assert!(html.contains("There are 9 out of 10"));

    // regenerate, deactivate
    let (_, html) = page(&srv, "/accounts/2fa/recovery-codes/generate/").await;
    let (s, _, _) = form(
        &srv,
        "/accounts/2fa/recovery-codes/generate/",
        &[("csrfmiddlewaretoken", &csrf(&html))],
    )
    .await;
    assert_eq!(s, 302);
    let (_, html) = page(&srv, "/accounts/mfa/totp/deactivate/").await;
    let (s, _, _) = form(
        &srv,
        "/accounts/2fa/totp/deactivate/",
        &[("csrfmiddlewaretoken", &csrf(&html))],
    )
    .await;
    assert_eq!(s, 302);
    let (_, html) = page(&srv, "/accounts/2fa/").await;
    assert!(html.contains("An authenticator app is not active."));
}

#[tokio::test]
async fn html_reset_login_on_navigation() {
    let srv = Srv::start_with(|c| c.reset_login_on_navigation = true).await;
    let qa: Value = srv
        .http
        .post(srv.url("/_twofold/users"))
        .json(&json!({"email": "nav@example.com", "password": "s3cret-pass", "enrolled": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(qa["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let (_, html) = page(&srv, "/accounts/login/").await;
    let (_, loc, _) = form(
        &srv,
        "/accounts/login/",
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("login", "nav@example.com"),
            ("password", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!(loc, "/accounts/2fa/authenticate/");
    let (s, _) = page(&srv, "/accounts/signup/").await; // another page
    assert_eq!(s, 200);
    let (s, _) = page(&srv, "/accounts/2fa/authenticate/").await;
    assert_eq!(s, 302, "the half-done login was reset");
}

#[tokio::test]
async fn qa_user_with_a_given_secret() {
    let srv = Srv::start(Mode::Optional).await;
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    for email in ["a@example.com", "b@example.com"] {
        let (s, v, _) = srv
            .post(
                "/_twofold/users",
                json!({"email": email, "password": "s3cret-pass", "secret": secret}),
            )
            .await;
        assert_eq!(s, 201);
        assert_eq!(v["secret"], secret);
        assert!(v["otpauth_uri"].as_str().unwrap().contains(secret));
    }
    // both users take the code computed from the given secret; replay protection is per user
    let code = srv.code(secret);
    for email in ["a@example.com", "b@example.com"] {
        let (s, v) = srv.login(email).await;
        assert_eq!(s, 200);
        let (s, v, _) = srv
            .post(
                "/mfa/verify/",
                json!({"challenge_id": v["challenge_id"], "code": code}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert!(v["access"].is_string());
    }
    let (s, v, _) = srv
        .post(
            "/_twofold/users",
            json!({"email": "c@example.com", "secret": "GEZDGNBV"}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v["secret"][0],
        "Enter a base32 secret (A-Z, 2-7, no padding) of at least 16 bytes."
    );
    // As /openapi.json's pattern says: upper case, no spaces or padding.
    for bad in [
        "gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
        "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG",
    ] {
        let (s, v, _) = srv
            .post(
                "/_twofold/users",
                json!({"email": "e@example.com", "secret": bad}),
            )
            .await;
        assert_eq!(s, 400, "{bad}: {v}");
    }
    let (s, _, _) = srv
        .post(
            "/_twofold/users",
            json!({"email": "d@example.com", "secret": "not base32!"}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn qa_endpoints_and_request_log() {
    let srv = Srv::start(Mode::Optional).await;
    let r = srv
        .http
        .post(srv.url("/_twofold/users"))
        .json(&json!({"email": "qa@example.com", "enrolled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let uri = created["otpauth_uri"].as_str().unwrap();
    let key = twofold_otp::KeyUri::parse(uri).unwrap();
    // log in with the default password and a code from the URI
    let (s, v, _) = srv
        .post(
            "/login/",
            json!({"email": "qa@example.com", "password": "password123!"}),
        )
        .await;
    assert_eq!(s, 200);
    let code = key
        .params()
        .code(&key.secret, srv.clock_now())
        .unwrap()
        .to_string();
    let (s, _, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": v["challenge_id"], "code": code}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, users) = srv.get_auth("/_twofold/users", None).await;
    assert_eq!(s, 200);
    assert_eq!(users[0]["totp_enabled"], true);
    assert_eq!(users[0]["recovery_codes_left"], 10);
    let (s, v, _) = srv
        .post("/_twofold/clock", json!({"offset_seconds": -45}))
        .await;
    assert_eq!((s, v["offset_seconds"].clone()), (200, json!(-45)));
    let (s, log) = srv.get_auth("/_twofold/log?limit=50", None).await;
    assert_eq!(s, 200);
    let text = log.to_string();
    assert!(text.contains("/mfa/verify/"));
    assert!(
        !text.contains(&code)
            && !text.contains("password123")
            && !text.contains(key.secret.to_base32().as_str()),
        "no secrets in the log"
    );
    let r = srv
        .http
        .delete(srv.url("/_twofold/users/qa@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = srv
        .http
        .delete(srv.url("/_twofold/users/qa@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    srv.register("z@example.com").await;
    let (s, _, _) = srv.post("/_twofold/reset", json!({})).await;
    assert_eq!(s, 200);
    let (_, users) = srv.get_auth("/_twofold/users", None).await;
    assert_eq!(users, json!([]));
    // the same operations as Rust calls
    assert!(srv.app().list_users().unwrap().is_empty());
    assert!(!srv.app().request_log(5).is_empty());
}

/// A QA reset empties the users; a user made after it must not inherit an old user's id, or
/// the old user's access token (which names the id) acts as the new user. Before migration 7
/// SQLite gave id 1 again.
#[tokio::test]
async fn a_reset_gives_no_old_token_to_a_new_user() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("ann@example.com").await;
    let (s, v) = srv.login("ann@example.com").await;
    assert_eq!(s, 200, "{v}");
    let old = v["access"].as_str().unwrap().to_string();
    let (s, u) = srv.get_auth("/user/", Some(&old)).await;
    assert_eq!((s, u["email"].as_str()), (200, Some("ann@example.com")));
    let (s, _, _) = srv.post("/_twofold/reset", json!({})).await;
    assert_eq!(s, 200);
    srv.register("mallory@example.com").await;
    let (s, u) = srv.get_auth("/user/", Some(&old)).await;
    assert_eq!(s, 401, "ann's token after the reset: {u}");
}

#[tokio::test]
async fn bad_input_is_4xx_with_detail() {
    let srv = Srv::start(Mode::Optional).await;
    let cases: Vec<(reqwest::RequestBuilder, u16)> = vec![
        (
            srv.http
                .post(srv.url("/login/"))
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        (
            srv.http
                .post(srv.url("/login/"))
                .header("content-type", "application/json")
                .body("[1,2]"),
            400,
        ),
        (
            srv.http
                .post(srv.url("/login/"))
                .header("content-type", "text/plain")
                .body("hello"),
            415,
        ),
        (srv.http.post(srv.url("/login/")).json(&json!({})), 400),
        (
            srv.http
                .post(srv.url("/login/"))
                .json(&json!({"email": ["x"], "password": {"a": 1}})),
            400,
        ),
        (
            srv.http
                .post(srv.url("/login/"))
                .json(&json!({"email": "a@b.c", "password": "x".repeat(5000)})),
            400,
        ),
        (
            srv.http
                .post(srv.url("/login/"))
                .header("content-type", "application/json")
                .body(vec![b' '; 200_000]),
            413,
        ),
        (
            srv.http
                .post(srv.url("/mfa/verify/"))
                .json(&json!({"challenge_id": "x".repeat(300), "code": "12345678901234567890"})),
            400,
        ),
        (
            srv.http
                .post(srv.url("/mfa/verify/"))
                .json(&json!({"challenge_id": 5, "code": 123456})),
            400,
        ),
        (
            srv.http
                .post(srv.url("/_twofold/clock"))
                .json(&json!({"offset_seconds": 1e300})),
            400,
        ),
        (
            srv.http
                .post(srv.url("/_twofold/clock"))
                .json(&json!({"offset_seconds": i64::MAX})),
            400,
        ),
        (srv.http.get(srv.url("/_twofold/log?limit=-1")), 400),
        (srv.http.get(srv.url("/login/")), 405),
        (srv.http.get(srv.url("/nope/")), 404),
        (
            srv.http
                .get(srv.url("/user/"))
                .header("authorization", "Bearer a.b.c"),
            401,
        ),
        (
            srv.http
                .post(srv.url("/registration/"))
                .json(&json!({"email": "bad", "password1": "short", "password2": "other"})),
            400,
        ),
    ];
    for (i, (req, want)) in cases.into_iter().enumerate() {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, want, "case {i}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "case {i}: {body}"
        );
    }
}

/// Validates `instance` against `#/components/schemas/NAME` of the served document.
fn check(doc: &Value, name: &str, instance: &Value) {
    let schema =
        json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"]});
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?} for {instance}");
}

#[tokio::test]
async fn responses_match_openapi() {
    let srv = Srv::start(Mode::Required).await;
    let (s, doc) = srv.get_auth("/openapi.json", None).await;
    assert_eq!(s, 200);
    for p in [
        "/registration/",
        "/login/",
        "/mfa/setup/",
        "/mfa/activate/",
        "/mfa/verify/",
        "/mfa/deactivate/",
        "/mfa/verify-recovery/",
        "/mfa/authenticators/",
        "/refresh/",
        "/logout/",
        "/_twofold/users",
        "/_twofold/log",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
    let (_, v, _) = srv.post("/registration/", json!({"email": "o@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass"})).await;
    check(&doc, "LoginResponse", &v);
    check(&doc, "MfaSetupRequiredResponse", &v);
    let (_, setup, _) = srv
        .post(
            "/mfa/setup/",
            json!({"setup_challenge_id": v["setup_challenge_id"]}),
        )
        .await;
    check(&doc, "SetupResponse", &setup);
    let (_, act, _) = srv.post("/mfa/activate/", json!({"code": srv.code(setup["secret"].as_str().unwrap()), "setup_challenge_id": v["setup_challenge_id"]})).await;
    check(&doc, "ActivateResponse", &act);
    let access = act["access"].as_str().unwrap();
    let (_, list) = srv.get_auth("/mfa/authenticators/", Some(access)).await;
    for a in list.as_array().unwrap() {
        check(&doc, "AuthenticatorInfo", a);
    }
    let (_, v) = srv.login("o@example.com").await;
    check(&doc, "LoginResponse", &v);
    check(&doc, "MfaRequiredResponse", &v);
    let (_, err, _) = srv
        .post(
            "/mfa/verify/",
            json!({"challenge_id": v["challenge_id"], "code": "000000"}),
        )
        .await;
    check(&doc, "ErrorResponse", &err);
    srv.clock.advance(30);
    let (_, tok, _) = srv.post("/mfa/verify/", json!({"challenge_id": v["challenge_id"], "code": srv.code(setup["secret"].as_str().unwrap())})).await;
    check(&doc, "TokenResponse", &tok);
    let (_, r, _) = srv
        .post("/refresh/", json!({"refresh": tok["refresh"]}))
        .await;
    check(&doc, "TokenResponse", &r);
    let (_, u) = srv.get_auth("/user/", Some(access)).await;
    check(&doc, "UserResponse", &u);
    let (_, users) = srv.get_auth("/_twofold/users", None).await;
    check(&doc, "UserSummary", &users[0]);
    let (_, log) = srv.get_auth("/_twofold/log", None).await;
    check(&doc, "LogEntry", &log[0]);
    let (_, c, _) = srv
        .post("/_twofold/clock", json!({"offset_seconds": 5}))
        .await;
    check(&doc, "ClockState", &c);
    let created: Value = srv
        .http
        .post(srv.url("/_twofold/users"))
        .json(&json!({"email": "p@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    check(&doc, "CreatedUser", &created);
}

/// The request schemas say what the handlers check (schemathesis --checks all holds the whole
/// document to it in scripts/test.sh): a request the schema forbids is refused, one it allows is
/// not refused for its shape.
#[tokio::test]
async fn request_schemas_match_the_handlers() {
    let srv = Srv::start_with(|c| c.digits = 8).await;
    let (_, doc) = srv.get_auth("/openapi.json", None).await;
    let schemas = &doc["components"]["schemas"];
    let code = &schemas["VerifyRequest"]["properties"]["code"];
    assert_eq!(code["pattern"], "^[0-9]{8}$", "the configured digits");
    assert_eq!(code["minLength"], 8);
    assert_eq!(schemas["RefreshRequest"]["required"], json!(["refresh"]));
    assert_eq!(
        schemas["LoginRequest"]["properties"]["email"]["minLength"],
        1
    );
    let limit = &doc["paths"]["/_twofold/log"]["get"]["parameters"][0];
    assert_eq!(
        (limit["in"].as_str(), limit["required"].as_bool()),
        (Some("query"), Some(false)),
        "{limit}"
    );
    assert!(doc["paths"]["/_twofold/reset"]["post"]["requestBody"].is_object());
    assert!(doc["paths"]["/_twofold/users"]["post"]["responses"]["415"].is_object());
    // What the schema forbids is refused (each was accepted before).
    for (path, body) in [
        ("/logout/", json!({"refresh": 0})),
        ("/_twofold/clock", json!({"offset_seconds": "60"})),
        (
            "/_twofold/users",
            json!({"email": "n@example.com", "enrolled": "true"}),
        ),
        (
            "/_twofold/users",
            json!({"email": "n@example.com", "secret": ""}),
        ),
        (
            "/_twofold/users",
            json!({"email": "n@example.com", "password": ""}),
        ),
        ("/_twofold/users", json!({"email": " n@example.com"})),
        ("/_twofold/users", json!({"email": "n@@example.com"})),
        ("/_twofold/users", json!({"email": "n@example..com"})),
        (
            "/registration/user-register/",
            json!({"email": "r@example.com", "role": "admin"}),
        ),
        ("/_twofold/reset", json!([null])),
        (
            "/login/",
            json!({"email": format!(" {}", "a".repeat(4096)), "password": "x"}),
        ),
    ] {
        let (s, v, _) = srv.post(path, body.clone()).await;
        assert_eq!(s, 400, "{path} {body}: {v}");
    }
    let r = srv
        .http
        .get(srv.url("/_twofold/log?limit=1001"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(srv.app().list_users().unwrap().is_empty());
    // What it allows is taken: an integer written 60.0, an empty JSON body for reset.
    let (s, v, _) = srv
        .post("/_twofold/clock", json!({"offset_seconds": 60.0}))
        .await;
    assert_eq!((s, v["offset_seconds"].clone()), (200, json!(60)));
    let r = srv
        .http
        .post(srv.url("/_twofold/reset"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
