//! A real browser on the TOTP activation page: headless Chromium, driven over WebDriver by
//! chromedriver, logs in through the HTML form, opens `/accounts/2fa/totp/activate/` and takes a
//! screenshot; Twofold's scanner reads the otpauth URI from the screenshot, and its secret is the
//! one the page shows in `#totp-secret`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/setup.sh installs them). Ignored in a
//! plain `cargo test`, so a machine without a browser still tests the rest; scripts/test.sh runs
//! it with `--include-ignored` and it fails there, saying what is missing, without them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use twofold_server::{Config, PasswordHashing, Server};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl Driver {
    async fn start() -> Driver {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install Debian's {package} (scripts/setup.sh does: \
                 apt-get install chromium chromium-driver)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            session: None,
        };
        let started = Instant::now();
        loop {
            if let Ok(r) = d.http.get(format!("{}/status", d.base)).send().await {
                let v: Value = r.json().await.unwrap_or_default();
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1024,1400"]
            }
        }}});
        let v = d.call("POST", "/session", Some(caps)).await;
        d.session = Some(v["sessionId"].as_str().expect("a session id").to_string());
        d
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = match &self.session {
            Some(s) if path != "/session" => format!("{}/session/{s}{path}", self.base),
            _ => format!("{}{path}", self.base),
        };
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let r = req.send().await.expect("WebDriver request");
        let status = r.status();
        let v: Value = r.json().await.expect("WebDriver JSON");
        assert!(status.is_success(), "WebDriver {method} {path}: {v}");
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call("POST", &format!("/element/{el}/click"), None)
            .await;
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call("GET", &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn current_path(&self) -> String {
        let url = self.call("GET", "/url", None).await;
        let url = url.as_str().unwrap_or_default();
        url.splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; scripts/test.sh runs it (--include-ignored)"]
async fn chromium_screenshot_of_the_activation_page_scans_to_the_shown_secret() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        db: Some(dir.path().join("server.sqlite3")),
        password_hashing: PasswordHashing::light(),
        ..Config::default()
    };
    let server = Server::start(cfg).await.unwrap();
    let app = server.app().clone();
    tokio::task::spawn_blocking(move || {
        app.create_test_user("browser@example.com", "s3cret-pass", false)
    })
    .await
    .unwrap()
    .unwrap();
    let base = server.url();

    let d = Driver::start().await;
    // Log in through the form, as a person would.
    d.go(&format!("{base}/accounts/login/")).await;
    d.type_into("#id_login", "browser@example.com").await;
    d.type_into("#id_password", "s3cret-pass").await;
    d.click("form[action='/accounts/login/'] button[type=submit]")
        .await;
    // The click returns before the POST and its redirect finish: wait for the navigation.
    let mut after = d.current_path().await;
    for _ in 0..100 {
        if !after.starts_with("/accounts/login/") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = d.current_path().await;
    }
    assert!(
        !after.starts_with("/accounts/login/"),
        "the login form was not accepted (still on {after}): {}",
        d.text("body").await
    );
    d.go(&format!("{base}/accounts/2fa/totp/activate/")).await;
    assert_eq!(d.current_path().await, "/accounts/2fa/totp/activate/");
    let shown = d.text("#totp-secret").await.replace(' ', "");
    assert_eq!(shown.len(), 32, "a 20-byte base32 secret: {shown:?}");
    d.find("#totp-qr svg").await;
    let png = d.call("GET", "/screenshot", None).await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().expect("base64 PNG"))
        .unwrap();
    let shot = dir.path().join("activation.png");
    std::fs::write(&shot, &png).unwrap();

    let codes = twofold_scan::scan_file(&shot, &twofold_scan::Limits::default())
        .unwrap_or_else(|e| panic!("scanning {}: {e}", shot.display()));
    let uris: Vec<&str> = codes.iter().filter_map(|c| c.text.as_deref()).collect();
    assert_eq!(uris.len(), 1, "one QR code in the screenshot: {uris:?}");
    let key = twofold_otp::KeyUri::parse(uris[0]).unwrap();
    assert_eq!(key.secret.to_base32().as_str(), shown);
    assert!(
        uris[0].starts_with("otpauth://totp/Twofold:browser%40example.com?")
            || uris[0].starts_with("otpauth://totp/Twofold:browser@example.com?"),
        "{}",
        uris[0]
    );

    d.call("DELETE", "", None).await;
    server.stop().await;
}
