//! PostgreSQL going away while the server runs (#18): every request and the health check answer
//! 503 with a `detail` saying so, and the service comes back by itself, without a restart, once
//! the database answers again. The server reaches the real PostgreSQL through a TCP relay the
//! test can cut, as a network or a database restart would.
//!
//! Needs a PostgreSQL server (`TWOFOLD_TEST_PG`): crates/server/tests/postgres/cluster.sh runs
//! it with `--ignored`.

mod common;

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Srv;
use serde_json::{json, Value};

/// A TCP relay to PostgreSQL that can be cut (open connections closed, new ones refused at
/// once) and restored.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut list = open2.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Relay { port, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn register(srv: &Srv, email: &str) -> (u16, Value, Option<String>) {
    let resp = srv
        .http
        .post(srv.url("/registration/"))
        .json(&json!({"email": email, "password1": "s3cret-pass", "password2": "s3cret-pass"}))
        .send()
        .await
        .unwrap();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (resp.status().as_u16(), resp.json().await.unwrap(), retry)
}

/// Polls `/_twofold/health` until it answers `status` (at most `within`).
async fn health_becomes(srv: &Srv, status: u16, within: Duration) -> Value {
    let started = Instant::now();
    loop {
        let (s, body) = srv.health().await;
        if s == status {
            return body;
        }
        assert!(
            started.elapsed() < within,
            "health still {s} after {within:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh"]
async fn postgres_requests_and_health_follow_a_database_that_goes_away_and_comes_back() {
    let admin = common::postgres_admin().expect("TWOFOLD_TEST_PG");
    let dir = tempfile::tempdir().unwrap();
    let url = common::postgres_database(&admin, dir.path());
    // postgres://USER:PASSWORD@HOST:PORT/DB: the same, through the relay.
    let (head, rest) = url.rsplit_once('@').unwrap();
    let (host_port, db) = rest.split_once('/').unwrap();
    let relay = Relay::start(host_port.to_string());
    let relayed = format!("{head}@127.0.0.1:{}/{db}", relay.port);
    let srv = Srv::start_in(move |c, dir| {
        c.db = Some(relayed.into());
        c.key_file = Some(dir.join("relay.key"));
    })
    .await;

    let (s, body) = srv.health().await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body,
        json!({"status": "ok", "database": {"backend": "postgresql", "state": "ok"}})
    );
    let (s, v, _) = register(&srv, "before@example.com").await;
    assert!(s == 200 || s == 201, "{s} {v}");

    relay.cut();
    let body = health_becomes(&srv, 503, Duration::from_secs(10)).await;
    assert_eq!(body["status"], "unavailable", "{body}");
    assert_eq!(
        body["database"],
        json!({"backend": "postgresql", "state": "unavailable"})
    );
    assert!(body["detail"].is_string(), "{body}");
    let (s, v, retry) = register(&srv, "during@example.com").await;
    assert_eq!(s, 503, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("The database is unavailable (")
            && detail.ends_with("try again shortly."),
        "{detail}"
    );
    assert!(
        !detail.contains(head.split(':').nth(2).unwrap_or("-")),
        "the password: {detail}"
    );
    assert_eq!(retry.as_deref(), Some("1"));

    // Back: the same server answers again, without a restart, with what was stored before.
    relay.restore();
    health_becomes(&srv, 200, Duration::from_secs(10)).await;
    let (s, v, _) = register(&srv, "after@example.com").await;
    assert!(s == 200 || s == 201, "{s} {v}");
    let (s, v) = srv.login("before@example.com").await;
    assert_eq!(s, 200, "{v}");
    let (s, v, _) = register(&srv, "before@example.com").await;
    assert_eq!(
        s, 400,
        "the user registered before the outage is still there: {v}"
    );
}
