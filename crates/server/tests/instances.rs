//! Several `twofold serve` instances on one database (#18's "one truth", on SQLite: two
//! servers on one file, each with its own connection, as two processes on one machine): they
//! start at once on an empty database without racing, and what one issues or spends, the other
//! honours — challenges, replayed codes, the failed-attempt lockout, recovery codes and
//! refresh tokens.

mod common;

use std::sync::Arc;

use common::{code_at, config, T0};
use serde_json::{json, Value};
use twofold_server::{Config, ManualClock, Mode, Profile, RateLimit, Server, ServerHandle};

struct Two {
    a: ServerHandle,
    b: ServerHandle,
    clock: ManualClock,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Two {
    /// Two servers started at the same moment on one database that does not exist yet.
    async fn start() -> Two {
        Self::start_with(|_| {}).await
    }

    async fn start_with(f: impl Fn(&mut Config)) -> Two {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let cfg = || {
            let mut c = config(Mode::Optional, dir.path());
            f(&mut c);
            c
        };
        let (a, b) = tokio::join!(
            Server::start_with_clock(cfg(), Arc::new(clock.clone())),
            Server::start_with_clock(cfg(), Arc::new(clock.clone())),
        );
        Two {
            a: a.expect("the first instance starts"),
            b: b.expect("the second instance starts"),
            clock,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn post(
        &self,
        on: &ServerHandle,
        path: &str,
        body: Value,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path}", on.url())).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    /// A call to allauth's headless app API of `on`.
    async fn headless(
        &self,
        on: &ServerHandle,
        token: Option<&str>,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}/_allauth/app/v1/{path}", on.url()))
            .json(&body);
        if let Some(t) = token {
            req = req.header("X-Session-Token", t);
        }
        let resp = req.send().await.unwrap();
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    fn code(&self, secret: &str) -> String {
        use twofold_server::Clock;
        code_at(secret, self.clock.now())
    }

    /// `POST /mfa/verify/` on `on`.
    async fn verify(&self, on: &ServerHandle, challenge: &str, code: &str) -> (u16, Value) {
        self.post(
            on,
            "/mfa/verify/",
            json!({"challenge_id": challenge, "code": code}),
            None,
        )
        .await
    }

    /// A new login's challenge, asked of `on`.
    async fn challenge(&self, on: &ServerHandle, email: &str) -> String {
        let (s, v) = self
            .post(
                on,
                "/login/",
                json!({"email": email, "password": "s3cret-pass"}),
                None,
            )
            .await;
        assert_eq!((s, &v["mfa_required"]), (200, &json!(true)), "{v}");
        v["challenge_id"].as_str().unwrap().to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_started_at_once_on_an_empty_database_agree() {
    for _ in 0..10 {
        let two = Two::start().await;
        let (s, v) = two
            .post(
                &two.a,
                "/registration/",
                json!({"email": "qa@example.test", "password1": "s3cret-pass", "password2": "s3cret-pass"}),
                None,
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = two
            .post(
                &two.b,
                "/login/",
                json!({"email": "qa@example.test", "password": "s3cret-pass"}),
                None,
            )
            .await;
        assert_eq!(
            s, 200,
            "a user registered on one instance logs in on the other: {v}"
        );
        two.a.stop().await;
        two.b.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_instance_issues_or_spends_holds_on_the_other() {
    let two = Two::start().await;
    let (a, b) = (&two.a, &two.b);
    let email = "shared@example.test";
    let (s, reg) = two
        .post(
            a,
            "/registration/",
            json!({"email": email, "password1": "s3cret-pass", "password2": "s3cret-pass"}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{reg}");
    let access = reg["access"].as_str().unwrap();

    // TOTP set up on A, activated on B.
    let (s, setup) = two.post(a, "/mfa/setup/", json!({}), Some(access)).await;
    assert_eq!(s, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_string();
    let (s, act) = two
        .post(
            b,
            "/mfa/activate/",
            json!({"code": two.code(&secret)}),
            Some(access),
        )
        .await;
    assert_eq!(s, 200, "activated on the other instance: {act}");
    let recovery: Vec<String> = act["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();

    // A challenge from A answered on B; the code is then a replay on A.
    two.clock.advance(30);
    let code = two.code(&secret);
    let c1 = two.challenge(a, email).await;
    let (s, v) = two.verify(b, &c1, &code).await;
    assert_eq!(s, 200, "A's challenge verified on B: {v}");
    let refresh = v["refresh"].as_str().unwrap().to_string();
    let c2 = two.challenge(b, email).await;
    let (s, v) = two.verify(a, &c2, &code).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (400, Some("Invalid code.")),
        "a replay on A of a code used on B"
    );
    // The challenge B spent is spent on A too.
    let (s, v) = two.verify(a, &c1, &code).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (400, Some("Challenge expired or invalid.")),
        "{v}"
    );

    // A refresh token used on B is refused on A.
    let (s, v) = two
        .post(b, "/refresh/", json!({"refresh": refresh}), None)
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = two
        .post(a, "/refresh/", json!({"refresh": refresh}), None)
        .await;
    assert_eq!(
        s, 401,
        "a refresh token is single-use across instances: {v}"
    );

    // A recovery code used on A is refused on B.
    let c3 = two.challenge(a, email).await;
    let (s, v) = two
        .post(
            a,
            "/mfa/verify-recovery/",
            json!({"challenge_id": c3, "recovery_code": recovery[0]}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let c4 = two.challenge(b, email).await;
    let (s, v) = two
        .post(
            b,
            "/mfa/verify-recovery/",
            json!({"challenge_id": c4, "recovery_code": recovery[0]}),
            None,
        )
        .await;
    assert_eq!(
        s, 400,
        "a recovery code is single-use across instances: {v}"
    );

    // Wrong codes counted on both instances lock a user out on both: five failures, three on
    // A and two on B (a fresh user, enrolled through A's QA endpoint, with no failure yet).
    let (s, v) = two
        .post(
            a,
            "/_twofold/users",
            json!({"email": "locked@example.test", "password": "s3cret-pass", "secret": secret}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    two.clock.advance(30);
    let right = two.code(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for i in 0..5 {
        let on = if i % 2 == 0 { a } else { b };
        let c = two.challenge(on, "locked@example.test").await;
        let (s, v) = two.verify(on, &c, wrong).await;
        let expected = if i < 4 { 400 } else { 429 };
        assert_eq!(
            s,
            expected,
            "failure {} (on {}): {v}",
            i + 1,
            if i % 2 == 0 { "A" } else { "B" }
        );
    }
    for on in [a, b] {
        let (s, v) = two
            .post(
                on,
                "/login/",
                json!({"email": "locked@example.test", "password": "s3cret-pass"}),
                None,
            )
            .await;
        assert_eq!(s, 429, "locked out on every instance: {v}");
    }
}

/// allauth's rule (`mfa/totp/internal/auth.py`, `_mark_code_used`): a code accepted is refused
/// for its window, by every instance on the database, though each keeps its own sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allauth_code_used_on_one_instance_is_refused_on_the_other() {
    let two = Two::start_with(|c| c.apply_profile(Profile::Allauth)).await;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let (s, v) = two
        .post(
            &two.a,
            "/_twofold/users",
            json!({"email": "h@example.test", "password": "s3cret-pass", "secret": secret}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let login = json!({"email": "h@example.test", "password": "s3cret-pass"});
    let code = two.code(secret);
    let mut answers = Vec::new();
    for on in [&two.a, &two.b] {
        let (s, v) = two.headless(on, None, "auth/login", login.clone()).await;
        assert_eq!(s, 401, "a pending login: {v}");
        let token = v["meta"]["session_token"].as_str().unwrap().to_string();
        answers.push(
            two.headless(
                on,
                Some(&token),
                "auth/2fa/authenticate",
                json!({"code": code}),
            )
            .await,
        );
    }
    assert_eq!(answers[0].0, 200, "accepted on A: {}", answers[0].1);
    assert_eq!(
        answers[1].0, 400,
        "the same code refused on B: {}",
        answers[1].1
    );
    assert_eq!(
        answers[1].1["errors"][0]["code"], "incorrect_code",
        "{}",
        answers[1].1
    );
}

/// The login throttle per client address counts failed passwords on every instance: four
/// allowed in the window, two through each, and the next try is refused on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_passwords_through_either_instance_throttle_the_address_on_both() {
    let two = Two::start_with(|c| {
        c.login_throttle = RateLimit {
            max_failures: 4,
            window_secs: 60,
        }
    })
    .await;
    let (s, v) = two
        .post(&two.a, "/registration/", json!({"email": "t@example.test", "password1": "s3cret-pass", "password2": "s3cret-pass"}), None)
        .await;
    assert_eq!(s, 201, "{v}");
    let wrong = json!({"email": "t@example.test", "password": "not-the-password"});
    for on in [&two.a, &two.b, &two.a, &two.b] {
        let (s, v) = two.post(on, "/login/", wrong.clone(), None).await;
        assert_eq!(s, 401, "{v}");
    }
    let right = json!({"email": "t@example.test", "password": "s3cret-pass"});
    for on in [&two.a, &two.b] {
        let (s, v) = two.post(on, "/login/", right.clone(), None).await;
        assert_eq!(s, 429, "throttled on every instance: {v}");
    }
    two.clock.advance(61);
    let (s, v) = two.post(&two.b, "/login/", right, None).await;
    assert_eq!(s, 200, "the window passed: {v}");
}

/// allauth's `login_failed` rate (`account/app_settings.py`, `5/300s/key`): wrong passwords
/// for one login through either instance count together, and the next try is
/// `too_many_login_attempts` on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allauth_login_failures_through_either_instance_count_together() {
    let two = Two::start_with(|c| c.apply_profile(Profile::Allauth)).await;
    let (s, v) = two
        .post(
            &two.a,
            "/_twofold/users",
            json!({"email": "r@example.test", "password": "s3cret-pass"}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let wrong = json!({"email": "r@example.test", "password": "not-the-password"});
    for on in [&two.a, &two.b, &two.a, &two.b, &two.a] {
        let (s, v) = two.headless(on, None, "auth/login", wrong.clone()).await;
        assert_eq!(v["errors"][0]["code"], "email_password_mismatch", "{s} {v}");
    }
    let right = json!({"email": "r@example.test", "password": "s3cret-pass"});
    for on in [&two.b, &two.a] {
        let (s, v) = two.headless(on, None, "auth/login", right.clone()).await;
        assert_eq!(
            (s, &v["errors"][0]["code"]),
            (400, &json!("too_many_login_attempts")),
            "{v}"
        );
    }
}

/// On PostgreSQL the faces' sessions are in the database (app/sessions.rs): a login started on
/// one instance is finished on the other, and a session started on one is the same session on
/// the other, for the headless API (its session token) and the HTML pages (their cookie), as
/// behind a load balancer without sticky sessions. (On SQLite they stay in each process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh"]
async fn postgres_sessions_are_every_instances() {
    let two = Two::start_with(|c| c.apply_profile(Profile::Allauth)).await;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let (s, v) = two
        .post(
            &two.a,
            "/_twofold/users",
            json!({"email": "s@example.test", "password": "s3cret-pass", "secret": secret}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");

    // Headless: the login's first step on A, its code on B, the session then on A again.
    let login = json!({"email": "s@example.test", "password": "s3cret-pass"});
    let (s, v) = two.headless(&two.a, None, "auth/login", login).await;
    assert_eq!(s, 401, "a pending login: {v}");
    let token = v["meta"]["session_token"].as_str().unwrap().to_string();
    let (s, v) = two
        .headless(
            &two.b,
            Some(&token),
            "auth/2fa/authenticate",
            json!({"code": two.code(secret)}),
        )
        .await;
    assert_eq!(s, 200, "the code on B for A's session: {v}");
    let token = v["meta"]["session_token"]
        .as_str()
        .map(str::to_string)
        .unwrap_or(token);
    let resp = two
        .http
        .get(format!("{}/_allauth/app/v1/auth/session", two.a.url()))
        .header("X-Session-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the session on A");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["data"]["user"]["email"], "s@example.test", "{v}");

    // HTML: logged in on A (a user without a second factor), the cookie works on B.
    let web = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (s, v) = two
        .post(
            &two.a,
            "/_twofold/users",
            json!({"email": "w@example.test", "password": "s3cret-pass"}),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let html = web
        .get(format!("{}/accounts/login/", two.a.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let i = html.find("name=\"csrfmiddlewaretoken\" value=\"").unwrap() + 34;
    let csrf = html[i..].split('"').next().unwrap().to_string();
    let resp = web
        .post(format!("{}/accounts/login/", two.a.url()))
        .header("Origin", two.a.url())
        .form(&[
            ("csrfmiddlewaretoken", csrf.as_str()),
            ("login", "w@example.test"),
            ("password", "s3cret-pass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "logged in on A");
    // Cookies are not kept apart by port: the client sends A's session cookie to B.
    let resp = web
        .get(format!("{}/accounts/2fa/", two.b.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "A's session on B");
}

/// On PostgreSQL the QA clock offset is the database's: set through one instance, every
/// instance runs on it (a TOTP code and a challenge's age are judged by one clock). On SQLite
/// it stays the process's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh"]
async fn postgres_clock_offset_is_every_instances() {
    let two = Two::start().await;
    let (s, v) = two
        .post(
            &two.a,
            "/_twofold/clock",
            json!({"offset_seconds": 3600}),
            None,
        )
        .await;
    assert_eq!((s, &v["offset_seconds"]), (200, &json!(3600)), "{v}");
    let v: Value = two
        .http
        .get(format!("{}/_twofold/clock", two.b.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["offset_seconds"], 3600, "B's offset: {v}");
    use twofold_server::Clock;
    assert_eq!(v["now"], two.clock.now() + 3600, "B's clock: {v}");
}
