#![allow(dead_code)]
//! Test harness: a real server on 127.0.0.1:0 over a temporary SQLite file, with a manual clock.

use std::sync::Arc;

use serde_json::{json, Value};
use twofold_otp::{OtpParams, Secret};
use twofold_server::{Config, ManualClock, Mode, PasswordHashing, Server, ServerHandle};

pub const T0: u64 = 1_800_000_000; // a step boundary (divisible by 30)

pub struct Srv {
    pub handle: Option<ServerHandle>,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub base: String,
    pub http: reqwest::Client,
}

/// The server's configuration for a test in `dir`: a SQLite file in it, or, when
/// `TWOFOLD_TEST_PG` names a PostgreSQL server (`postgres://USER@HOST:PORT/DB`, as
/// tests/postgres/run.sh sets it), a database of its own there (the same one for every call
/// with `dir`: the instances of one test share it) with the key file in `dir`.
pub fn config(mode: Mode, dir: &std::path::Path) -> Config {
    let (db, key_file) = match postgres_admin() {
        Some(admin) => (
            std::path::PathBuf::from(postgres_database(&admin, dir)),
            Some(dir.join("server.key")),
        ),
        None => (dir.join("server.sqlite3"), None),
    };
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        db: Some(db),
        key_file,
        mode,
        password_hashing: PasswordHashing::light(),
        ..Config::default()
    }
}

/// The PostgreSQL server the tests run on, if any (`TWOFOLD_TEST_PG`).
pub fn postgres_admin() -> Option<String> {
    std::env::var("TWOFOLD_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Creates (once) the database of the test in `dir` on the `admin` server; its URL.
pub fn postgres_database(admin: &str, dir: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    let name = format!("twofold_test_{:016x}", h.finish());
    let (admin, db) = (admin.to_string(), name.clone());
    // The driver's blocking client may not run on a test's tokio thread.
    let base = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("the PostgreSQL server of TWOFOLD_TEST_PG answers");
        for _ in 0..50 {
            match c.batch_execute(&format!("CREATE DATABASE {db}")) {
                Ok(()) => break,
                Err(e) if e.code() == Some(&postgres::error::SqlState::DUPLICATE_DATABASE) => break,
                // Another CREATE DATABASE copying the template at the same moment.
                Err(e) if e.code() == Some(&postgres::error::SqlState::OBJECT_IN_USE) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                Err(e) => panic!("CREATE DATABASE {db}: {e}"),
            }
        }
        admin
            .rsplit_once('/')
            .expect("a database in the URL")
            .0
            .to_string()
    })
    .join()
    .unwrap();
    format!("{base}/{name}")
}

/// Every byte the test's database holds, by where: the SQLite file and its WAL in `dir`, or a
/// `pg_dump` of its PostgreSQL database (plain SQL, data included).
pub fn stored_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    match postgres_admin() {
        Some(admin) => {
            let url = postgres_database(&admin, dir);
            let bin = std::env::var("TWOFOLD_TEST_PG_BIN").unwrap_or_default();
            let out = std::process::Command::new(std::path::Path::new(&bin).join("pg_dump"))
                .arg("--dbname")
                .arg(&url)
                .output()
                .expect("pg_dump runs");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("COPY public.authenticators"));
            vec![("pg_dump".into(), out.stdout)]
        }
        None => ["server.sqlite3", "server.sqlite3-wal"]
            .into_iter()
            .filter_map(|f| Some((f.to_string(), std::fs::read(dir.join(f)).ok()?)))
            .collect(),
    }
}

impl Srv {
    pub async fn start(mode: Mode) -> Srv {
        Self::start_with(|c| c.mode = mode).await
    }

    pub async fn start_with(f: impl FnOnce(&mut Config)) -> Srv {
        Self::start_in(|c, _| f(c)).await
    }

    /// On SQLite (a file in the test's directory), whichever backend the other tests run on:
    /// for what only a SQLite file has.
    pub async fn start_sqlite() -> Srv {
        Self::start_in(|c, dir| {
            c.db = Some(dir.join("server.sqlite3"));
            c.key_file = None;
        })
        .await
    }

    /// As [`start_with`](Srv::start_with), `f` also given the test's directory.
    pub async fn start_in(f: impl FnOnce(&mut Config, &std::path::Path)) -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(Mode::Optional, dir.path());
        f(&mut cfg, dir.path());
        let clock = ManualClock::new(T0);
        let handle = Server::start_with_clock(cfg, Arc::new(clock.clone()))
            .await
            .unwrap();
        let base = handle.url();
        Srv {
            handle: Some(handle),
            clock,
            dir,
            base,
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Stops and starts again over the same database file.
    pub async fn restart(&mut self, cfg: Config) {
        self.handle.take().unwrap().stop().await;
        let handle = Server::start_with_clock(cfg, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        self.base = handle.url();
        self.handle = Some(handle);
    }

    pub fn app(&self) -> &Arc<twofold_server::App> {
        self.handle.as_ref().unwrap().app()
    }

    /// `GET /_twofold/health`: the status and the body.
    pub async fn health(&self) -> (u16, Value) {
        let resp = self
            .http
            .get(self.url("/_twofold/health"))
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value, reqwest::header::HeaderMap) {
        self.post_auth(path, body, None).await
    }

    pub async fn post_auth(
        &self,
        path: &str,
        body: Value,
        token: Option<&str>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v, headers)
    }

    pub async fn get_auth(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn code(&self, secret: &str) -> String {
        code_at(secret, self.clock_now())
    }

    pub fn clock_now(&self) -> u64 {
        self.app().now()
    }

    /// Registers and returns the access token.
    pub async fn register(&self, email: &str) -> Value {
        let (s, v, _) = self
            .post(
                "/registration/",
                json!({"email": email, "password1": "s3cret-pass", "password2": "s3cret-pass"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v
    }

    pub async fn login(&self, email: &str) -> (u16, Value) {
        let (s, v, _) = self
            .post(
                "/login/",
                json!({"email": email, "password": "s3cret-pass"}),
            )
            .await;
        (s, v)
    }

    /// Optional mode: registers, enrols with an access token, returns (secret, recovery codes).
    pub async fn enrolled(&self, email: &str) -> (String, Vec<String>) {
        let v = self.register(email).await;
        let access = v["access"].as_str().unwrap().to_string();
        let (s, setup, _) = self
            .post_auth("/mfa/setup/", json!({}), Some(&access))
            .await;
        assert_eq!(s, 200, "{setup}");
        let secret = setup["secret"].as_str().unwrap().to_string();
        let (s, act, _) = self
            .post_auth(
                "/mfa/activate/",
                json!({"code": self.code(&secret)}),
                Some(&access),
            )
            .await;
        assert_eq!(s, 200, "{act}");
        let codes = act["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        // the activation code's step is now used: move on to the next step
        self.clock.advance(30);
        (secret, codes)
    }
}

pub fn code_at(secret: &str, t: u64) -> String {
    let s = Secret::from_base32(secret).unwrap();
    OtpParams::totp().code(&s, t).unwrap().to_string()
}
