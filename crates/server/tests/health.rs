//! `GET /_twofold/health` and a database that stops answering while the server runs: the
//! health check and every request answer 503 with what is wrong, and both recover, without a
//! restart, once the database answers again.

mod common;

use common::Srv;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_database() {
    // SQLite's write lock, whichever backend the other tests run on (tests/postgres.rs has
    // PostgreSQL's outage).
    let srv = Srv::start_sqlite().await;
    let (status, body) = srv.health().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"status": "ok", "database": {"backend": "sqlite", "state": "ok"}})
    );

    // Another process takes the database's write lock and keeps it.
    let other = rusqlite::Connection::open(srv.dir.path().join("server.sqlite3")).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let (status, body) = srv.health().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(
        body["database"],
        json!({"backend": "sqlite", "state": "unavailable"})
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("database is locked"),
        "{body}"
    );

    // A request that needs the database says so, as a 503 the client may retry, not a 500.
    let resp = srv
        .http
        .post(srv.url("/registration/"))
        .json(&json!({"email": "held@example.test", "password1": "s3cret-pass", "password2": "s3cret-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"detail": "The database is unavailable (database is locked); try again shortly."})
    );

    // The lock is given back: the same server answers again.
    other.execute_batch("ROLLBACK").unwrap();
    let (status, body) = srv.health().await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
    let v = srv.register("held@example.test").await;
    assert!(v["access"].is_string(), "{v}");
}
