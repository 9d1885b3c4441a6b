//! Security hardening (issue 15, items 2 and 8–12): private files, no driving by other web
//! pages, session ids renewed at login, no framing, the login throttle, single-use tokens
//! that stay single-use under concurrent requests.

mod common;

use common::*;
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use twofold_server::{Mode, RateLimit};

/// A client without a cookie jar: each test says which cookie it sends.
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn csrf(html: &str) -> String {
    let i = html
        .find("name=\"csrfmiddlewaretoken\" value=\"")
        .expect("csrf field")
        + 34;
    html[i..].split('"').next().unwrap().to_string()
}

/// The `sessionid` a response sets, if any.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sessionid="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// GET with a session cookie: (status, location, set session, body).
async fn get_with(srv: &Srv, path: &str, sid: &str) -> (u16, String, Option<String>, String) {
    let r = bare()
        .get(srv.url(path))
        .header("cookie", format!("sessionid={sid}"))
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let set = session_of(r.headers());
    (r.status().as_u16(), loc, set, r.text().await.unwrap())
}

async fn post_form_with(
    srv: &Srv,
    path: &str,
    sid: &str,
    fields: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let r = bare()
        .post(srv.url(path))
        .header("cookie", format!("sessionid={sid}"))
        .form(fields)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), loc, session_of(r.headers()))
}

fn port(srv: &Srv) -> u16 {
    srv.handle.as_ref().unwrap().addr().port()
}

async fn detail(r: reqwest::Response) -> (u16, String) {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (s, v["detail"].as_str().unwrap_or("").to_string())
}

// ----- item 2: files that hold secrets ---------------------------------------------------

#[cfg(unix)]
#[tokio::test]
async fn database_wal_shm_and_key_are_0600_in_0700_directories() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a").join("b").join("server.sqlite3");
    // A SQLite file's modes, whichever backend the other tests run on.
    let srv = Srv::start_with(|c| {
        c.db = Some(db.clone());
        c.key_file = None;
    })
    .await;
    // Writes, so that the WAL and its index exist.
    srv.register("files@example.com").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for d in [dir.path().join("a"), dir.path().join("a").join("b")] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
    for suffix in ["", "-wal", "-shm", ".key"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(p.exists(), "{}", p.display());
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

// ----- item 8: other web pages cannot drive the server -------------------------------------

#[tokio::test]
async fn a_foreign_host_is_refused() {
    let srv = Srv::start(Mode::Optional).await;
    let p = port(&srv);
    for host in [
        format!("evil.test:{p}"),
        "evil.test".to_string(),
        format!("127.0.0.1.nip.io:{p}"),
        format!("localhost.evil.test:{p}"),
    ] {
        for path in ["/_twofold/users", "/accounts/login/", "/openapi.json"] {
            let r = bare()
                .get(srv.url(path))
                .header("host", &host)
                .send()
                .await
                .unwrap();
            let (s, d) = detail(r).await;
            assert_eq!(s, 403, "{host} {path}");
            assert!(d.contains("Host"), "{d}");
        }
        // DNS rebinding: a page of evil.test posting to "its own" server.
        let r = bare()
            .post(srv.url("/_twofold/reset"))
            .header("host", &host)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    for host in [
        format!("127.0.0.1:{p}"),
        format!("localhost:{p}"),
        format!("LOCALHOST:{p}"),
        format!("app.localhost:{p}"),
        format!("[::1]:{p}"),
    ] {
        let r = bare()
            .get(srv.url("/_twofold/users"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
}

#[tokio::test]
async fn allowed_hosts_are_accepted() {
    let srv = Srv::start_with(|c| c.allowed_hosts = vec!["devbox.test".into()]).await;
    let r = bare()
        .get(srv.url("/_twofold/users"))
        .header("host", format!("devbox.test:{}", port(&srv)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_foreign_origin_cannot_change_anything() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("stay@example.com").await;
    let p = port(&srv);
    for origin in [
        "http://evil.test",
        "https://evil.test",
        "null",
        &format!("http://127.0.0.1:{}", p + 1),
        &format!("http://evil.test:{p}"),
    ] {
        for (path, body) in [
            ("/_twofold/reset", json!({})),
            ("/_twofold/clock", json!({"offset_seconds": 3600})),
            (
                "/_twofold/users",
                json!({"email": "planted@example.com", "enrolled": true}),
            ),
            (
                "/registration/user-register/",
                json!({"email": "invited@example.com"}),
            ),
            (
                "/registration/",
                json!({"email": "r@example.com", "password1": "s3cret-pass", "password2": "s3cret-pass"}),
            ),
        ] {
            let r = bare()
                .post(srv.url(path))
                .header("origin", origin)
                .json(&body)
                .send()
                .await
                .unwrap();
            let (s, d) = detail(r).await;
            assert_eq!(s, 403, "{origin} {path}");
            assert!(d.contains("Origin"), "{d}");
        }
        let r = bare()
            .delete(srv.url("/_twofold/users/stay@example.com"))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{origin} DELETE");
    }
    let users = srv.app().list_users().unwrap();
    assert_eq!(users.len(), 1, "nothing created, nothing deleted");
    assert_eq!(srv.app().clock_offset(), 0, "the clock did not move");

    // A GET with a foreign Origin changes nothing and is answered (the page cannot read it
    // without CORS, which the server never grants).
    let r = bare()
        .get(srv.url("/accounts/login/"))
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // The server's own pages post their forms from their own origin: accepted.
    let (_, _, sid, html) = get_with(&srv, "/accounts/login/", "none").await;
    let sid = sid.unwrap();
    let r = bare()
        .post(srv.url("/accounts/login/"))
        .header("cookie", format!("sessionid={sid}"))
        .header("origin", format!("http://127.0.0.1:{p}"))
        .form(&[
            ("csrfmiddlewaretoken", csrf(&html).as_str()),
            ("login", "stay@example.com"),
            ("password", "s3cret-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    // ... and a foreign origin's form post to the login page is refused.
    let r = bare()
        .post(srv.url("/accounts/login/"))
        .header("origin", "http://evil.test")
        .form(&[("login", "stay@example.com"), ("password", "s3cret-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn qa_routes_and_user_register_take_json_only() {
    let srv = Srv::start(Mode::Optional).await;
    for (path, fields) in [
        (
            "/_twofold/users",
            &[("email", "form@example.com"), ("enrolled", "true")][..],
        ),
        ("/_twofold/reset", &[][..]),
        ("/_twofold/clock", &[("offset_seconds", "3600")][..]),
        (
            "/registration/user-register/",
            &[("email", "inv@example.com")][..],
        ),
    ] {
        let r = bare()
            .post(srv.url(path))
            .form(fields)
            .send()
            .await
            .unwrap();
        let (s, d) = detail(r).await;
        assert_eq!(s, 415, "{path} form-encoded");
        assert!(d.contains("application/json"), "{d}");
        let r = bare()
            .post(srv.url(path))
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{path} text/plain");
        // No content type at all (a bodiless fetch from a page needs no preflight).
        let r = bare().post(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 415, "{path} without a content type");
    }
    assert!(srv.app().list_users().unwrap().is_empty());
    assert_eq!(srv.app().clock_offset(), 0);
    // JSON still works, an empty JSON body too; DELETE needs no body.
    let r = bare()
        .post(srv.url("/_twofold/users"))
        .json(&json!({"email": "json@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = bare()
        .post(srv.url("/_twofold/reset"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    srv.register("del@example.com").await;
    let r = bare()
        .delete(srv.url("/_twofold/users/del@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // The REST face keeps taking form posts (Django REST framework does).
    let r = bare()
        .post(srv.url("/registration/"))
        .form(&[
            ("email", "f@example.com"),
            ("password1", "s3cret-pass"),
            ("password2", "s3cret-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

// ----- item 9: HTML sessions --------------------------------------------------------------

#[tokio::test]
async fn every_login_step_issues_a_new_session_id() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("plain@example.com").await;
    let (secret, _) = srv.enrolled("mfa@example.com").await;

    // The attacker's planted id: one the server handed out before the login.
    let (_, _, planted, html) = get_with(&srv, "/accounts/login/", "none").await;
    let planted = planted.unwrap();
    let (s, loc, after) = post_form_with(
        &srv,
        "/accounts/login/",
        &planted,
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("login", "plain@example.com"),
            ("password", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    let after = after.unwrap();
    assert_ne!(after, planted, "a new id at login");
    let (s, loc, _, _) = get_with(&srv, "/accounts/2fa/", &planted).await;
    assert_eq!(
        (s, loc.as_str()),
        (302, "/accounts/login/"),
        "the planted id is not logged in"
    );
    let (s, _, _, _) = get_with(&srv, "/accounts/2fa/", &after).await;
    assert_eq!(s, 200, "the new id is");

    // With a second factor: a new id after the password and another after the code.
    let (_, _, planted, html) = get_with(&srv, "/accounts/login/", "none").await;
    let planted = planted.unwrap();
    let (s, loc, step1) = post_form_with(
        &srv,
        "/accounts/login/",
        &planted,
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("login", "mfa@example.com"),
            ("password", "s3cret-pass"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/authenticate/"));
    let step1 = step1.unwrap();
    assert_ne!(step1, planted);
    let (s, loc, _, _) = get_with(&srv, "/accounts/2fa/authenticate/", &planted).await;
    assert_eq!(
        (s, loc.as_str()),
        (302, "/accounts/login/"),
        "the planted id has no half-done login"
    );
    let (_, _, _, html) = get_with(&srv, "/accounts/2fa/authenticate/", &step1).await;
    let (s, loc, step2) = post_form_with(
        &srv,
        "/accounts/2fa/authenticate/",
        &step1,
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("code", &srv.code(&secret)),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (302, "/accounts/2fa/"));
    let step2 = step2.unwrap();
    assert_ne!(step2, step1);
    for old in [&planted, &step1] {
        let (s, _, _, _) = get_with(&srv, "/accounts/2fa/", old).await;
        assert_eq!(s, 302, "an earlier id is not logged in");
    }
    let (s, _, _, _) = get_with(&srv, "/accounts/2fa/", &step2).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn no_page_can_be_framed() {
    let srv = Srv::start(Mode::Optional).await;
    srv.enrolled("frame@example.com").await;
    let (_, _, sid, html) = get_with(&srv, "/accounts/login/", "none").await;
    let (_, _, sid) = post_form_with(
        &srv,
        "/accounts/login/",
        &sid.unwrap(),
        &[
            ("csrfmiddlewaretoken", &csrf(&html)),
            ("login", "frame@example.com"),
            ("password", "s3cret-pass"),
        ],
    )
    .await;
    let sid = sid.unwrap();
    for path in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/2fa/authenticate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/mfa/totp/deactivate/",
        "/openapi.json",
        "/nope/",
    ] {
        let r = bare()
            .get(srv.url(path))
            .header("cookie", format!("sessionid={sid}"))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        assert_eq!(
            h.get("x-frame-options").map(|v| v.to_str().unwrap()),
            Some("DENY"),
            "{path}"
        );
        assert_eq!(
            h.get("content-security-policy")
                .map(|v| v.to_str().unwrap()),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

// ----- item 10: the login throttle ----------------------------------------------------------

#[tokio::test]
async fn failed_logins_are_throttled_per_client() {
    let srv = Srv::start_with(|c| {
        c.login_throttle = RateLimit {
            max_failures: 3,
            window_secs: 60,
        }
    })
    .await;
    srv.register("t@example.com").await;
    for _ in 0..3 {
        let (s, _, _) = srv
            .post(
                "/login/",
                json!({"email": "t@example.com", "password": "wrong-pass"}),
            )
            .await;
        assert_eq!(s, 401);
    }
    // Past the limit even the right password waits: no hashing for this client now.
    let (s, v, h) = srv
        .post(
            "/login/",
            json!({"email": "t@example.com", "password": "s3cret-pass"}),
        )
        .await;
    assert_eq!(s, 429, "{v}");
    assert!(v["detail"]
        .as_str()
        .unwrap()
        .contains("Too many failed logins"));
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The HTML login shares the count.
    let (_, _, sid, html) = get_with(&srv, "/accounts/login/", "none").await;
    let r = bare()
        .post(srv.url("/accounts/login/"))
        .header("cookie", format!("sessionid={}", sid.unwrap()))
        .form(&[
            ("csrfmiddlewaretoken", csrf(&html).as_str()),
            ("login", "t@example.com"),
            ("password", "s3cret-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));
    srv.clock.advance(60);
    let (s, v) = srv.login("t@example.com").await;
    assert_eq!(s, 200, "{v}");
}

// ----- item 12: single-use things stay single-use under concurrent requests -------------------

/// Sends `n` copies of one request at once (each its own connection); the statuses.
async fn at_once(srv: &Srv, n: usize, path: &str, body: Value) -> Vec<u16> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (url, body, barrier) = (srv.url(path), body.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let req = client.post(url).json(&body);
            barrier.wait().await;
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn one_ok(statuses: &[u16], what: &str) {
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(ok, 1, "{what}: exactly one succeeds: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || (400..500).contains(s)),
        "{what}: the others are refused, never a 5xx: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_token_refreshes_once_under_concurrency() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("r@example.com").await;
    for round in 0..25 {
        let (s, v) = srv.login("r@example.com").await;
        assert_eq!(s, 200);
        let statuses = at_once(&srv, 8, "/refresh/", json!({"refresh": v["refresh"]})).await;
        one_ok(&statuses, &format!("refresh, round {round}"));
    }
}

/// The same race without HTTP in between, so that the requests overlap as closely as threads
/// can make them: before, the token was looked up and then deleted, and in about one round of
/// twenty two threads both found it.
#[tokio::test]
async fn one_refresh_token_refreshes_once_from_racing_threads() {
    let srv = Srv::start(Mode::Optional).await;
    srv.register("rt@example.com").await;
    let app = srv.app().clone();
    let user = app.user_by_email("rt@example.com").unwrap().unwrap();
    for round in 0..300 {
        let pair = app.issue_tokens(&user).unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (app, token, barrier) = (app.clone(), pair.refresh.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    app.refresh(&token).is_ok()
                })
            })
            .collect();
        let ok = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(ok, 1, "round {round}: {ok} refreshes with one token");
    }
}

/// Two activations of one pending secret at once: one activates, the other is told TOTP is
/// already active (before: a constraint error, answered 500).
#[tokio::test]
async fn one_pending_secret_activates_once_from_racing_threads() {
    let srv = Srv::start(Mode::Optional).await;
    let app = srv.app().clone();
    for round in 0..100 {
        let email = format!("act{round}@example.com");
        app.create_test_user(&email, "s3cret-pass", false).unwrap();
        let user = app.user_by_email(&email).unwrap().unwrap();
        let setup = app.setup_totp(&user).unwrap();
        let code = srv.code(&setup.secret);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (app, user, code, barrier) =
                    (app.clone(), user.clone(), code.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    app.activate_totp(&user, &code)
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}");
        for r in results.into_iter().filter_map(|r| r.err()) {
            assert_eq!(r.status(), 400, "round {round}: {r}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_invitation_sets_one_password_under_concurrency() {
    // Hashing that is not cheap runs on the blocking pool: before, every request had found the
    // key before the first one deleted it.
    let srv = Srv::start_with(|c| {
        c.password_hashing = twofold_server::PasswordHashing {
            memory_kib: 2048,
            iterations: 1,
            parallelism: 1,
        }
    })
    .await;
    for round in 0..10 {
        let (s, v, _) = srv
            .post(
                "/registration/user-register/",
                json!({"email": format!("inv{round}@example.com")}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let statuses = at_once(
            &srv,
            6,
            "/registration/set-password/",
            json!({"key": v["verification_key"], "new_password1": "s3cret-pass", "new_password2": "s3cret-pass"}),
        )
        .await;
        one_ok(&statuses, &format!("set-password, round {round}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_setup_challenge_activates_once_under_concurrency() {
    let srv = Srv::start(Mode::Required).await;
    for round in 0..10 {
        let email = format!("boot{round}@example.com");
        let (s, v, _) = srv
            .post(
                "/registration/",
                json!({"email": email, "password1": "s3cret-pass", "password2": "s3cret-pass"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let challenge = v["setup_challenge_id"].clone();
        let (s, setup, _) = srv
            .post("/mfa/setup/", json!({"setup_challenge_id": challenge}))
            .await;
        assert_eq!(s, 200, "{setup}");
        let code = srv.code(setup["secret"].as_str().unwrap());
        let statuses = at_once(
            &srv,
            6,
            "/mfa/activate/",
            json!({"setup_challenge_id": challenge, "code": code}),
        )
        .await;
        one_ok(&statuses, &format!("activate, round {round}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_login_challenge_and_one_recovery_code_verify_once_under_concurrency() {
    // The bypass code passes every code check: only the challenge's consumption can stop the
    // second request.
    let srv = Srv::start_with(|c| {
        c.insecure = true;
        c.insecure_bypass_code = Some("424242".into());
        // The losers' refused recovery codes count as failures: no lockout in this test.
        c.rate_limit = RateLimit {
            max_failures: 1000,
            window_secs: 300,
        };
    })
    .await;
    let (_, codes) = srv.enrolled("c@example.com").await;
    for round in 0..10 {
        let (s, v) = srv.login("c@example.com").await;
        assert_eq!(s, 200, "{v}");
        let statuses = at_once(
            &srv,
            6,
            "/mfa/verify/",
            json!({"challenge_id": v["challenge_id"], "code": "424242"}),
        )
        .await;
        one_ok(&statuses, &format!("verify, round {round}"));
    }
    // One recovery code, several challenges: spent once.
    for (round, code) in codes.iter().take(5).enumerate() {
        let mut challenges = Vec::new();
        for _ in 0..4 {
            let (_, v) = srv.login("c@example.com").await;
            challenges.push(v["challenge_id"].clone());
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(challenges.len()));
        let tasks: Vec<_> = challenges
            .into_iter()
            .map(|c| {
                let (url, barrier) = (srv.url("/mfa/verify-recovery/"), barrier.clone());
                let body = json!({"challenge_id": c, "recovery_code": code});
                tokio::spawn(async move {
                    let req = reqwest::Client::new().post(url).json(&body);
                    barrier.wait().await;
                    req.send().await.unwrap().status().as_u16()
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        one_ok(&statuses, &format!("recovery code, round {round}"));
    }
}

/// A reverse proxy on the same host connects from loopback for every client it serves: the
/// loopback-only endpoints (QA, admin-managed registration) refuse what a proxy forwarded
/// (#18, found behind nginx: `GET /_twofold/users` answered a remote client). A direct
/// loopback call still works.
#[tokio::test]
async fn loopback_only_endpoints_refuse_what_a_proxy_forwarded() {
    let srv = Srv::start(Mode::Optional).await;
    for (name, value) in [
        ("X-Forwarded-For", "203.0.113.7"),
        ("Forwarded", "for=203.0.113.7"),
        ("X-Real-IP", "203.0.113.7"),
    ] {
        let r = srv
            .http
            .get(srv.url("/_twofold/users"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("proxy"), "{body}");
        let r = srv
            .http
            .post(srv.url("/registration/user-register/"))
            .header(name, value)
            .json(&serde_json::json!({"email": "invited@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}");
    }
    let (s, _) = srv.get_auth("/_twofold/users", None).await;
    assert_eq!(s, 200);
    let (s, v, _) = srv
        .post(
            "/registration/user-register/",
            serde_json::json!({"email": "invited@example.com"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

/// Behind a proxy every client connects from the proxy's address. With allauth's
/// `ALLAUTH_TRUSTED_PROXY_COUNT` (`--trusted-proxy-count`) the login throttle counts each
/// client by its address in `X-Forwarded-For`; without it the header is ignored (a client
/// cannot pick its own address), and every client behind the proxy shares one count.
#[tokio::test]
async fn the_login_throttle_counts_clients_behind_a_trusted_proxy() {
    let throttle = RateLimit {
        max_failures: 2,
        window_secs: 60,
    };
    for (count, header, other_client_throttled) in [
        (0, None, true),
        (1, None, false),
        (0, Some("X-Real-IP"), false),
    ] {
        let srv = Srv::start_with(|c| {
            c.login_throttle = throttle;
            c.trusted_proxy_count = count;
            c.trusted_client_ip_header = header.map(str::to_string);
        })
        .await;
        srv.register("p@example.com").await;
        let login = |client: &'static str, password: &'static str| {
            let req = srv
                .http
                .post(srv.url("/login/"))
                .json(&json!({"email": "p@example.com", "password": password}));
            match header {
                Some(h) => req.header(h, client),
                // The proxy appends the address it saw; a client may have sent one before.
                None => req.header("X-Forwarded-For", format!("198.51.100.9, {client}")),
            }
        };
        for _ in 0..2 {
            let r = login("203.0.113.1", "wrong-pass").send().await.unwrap();
            assert_eq!(r.status(), 401);
        }
        let r = login("203.0.113.1", "s3cret-pass").send().await.unwrap();
        assert_eq!(r.status(), 429, "the failing client ({count}, {header:?})");
        let r = login("203.0.113.2", "s3cret-pass").send().await.unwrap();
        let expected = if other_client_throttled { 429 } else { 200 };
        assert_eq!(r.status(), expected, "another client ({count}, {header:?})");
    }
}
