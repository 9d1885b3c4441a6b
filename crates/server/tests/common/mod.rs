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

pub fn config(mode: Mode, dir: &std::path::Path) -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        db: Some(dir.join("server.sqlite3")),
        mode,
        password_hashing: PasswordHashing::light(),
        ..Config::default()
    }
}

impl Srv {
    pub async fn start(mode: Mode) -> Srv {
        Self::start_with(|c| c.mode = mode).await
    }

    pub async fn start_with(f: impl FnOnce(&mut Config)) -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(Mode::Optional, dir.path());
        f(&mut cfg);
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
