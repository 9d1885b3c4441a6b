//! `twofold serve` on PostgreSQL, as processes (#18): a database that cannot be reached stops
//! the start within 10 s with one line naming it (never its password); two instances on one
//! database start at once, share one truth, keep answering while the other is killed, and lose
//! nothing across restarts; no TOTP secret or recovery code is stored in clear.
//!
//! They need a PostgreSQL server: `crates/server/tests/postgres/cluster.sh` starts a throw-away
//! one and names it in `TWOFOLD_TEST_PG` (scripts/test.sh runs them so, with `--ignored`).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

const NEEDS_PG: &str = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh";

fn admin() -> String {
    std::env::var("TWOFOLD_TEST_PG")
        .expect("TWOFOLD_TEST_PG (crates/server/tests/postgres/cluster.sh)")
}

fn pg_bin(name: &str) -> std::path::PathBuf {
    std::path::Path::new(&std::env::var("TWOFOLD_TEST_PG_BIN").unwrap_or_default()).join(name)
}

/// A new database on the test server; its URL.
fn new_database(name: &str) -> String {
    let out = Command::new(pg_bin("psql"))
        .arg(admin())
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
        .arg(format!("DROP DATABASE IF EXISTS {name}"))
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("{}/{name}", admin().rsplit_once('/').unwrap().0)
}

fn serve(db: &str, key: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(["serve", "--light-password-hashing", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--key-file")
        .arg(key)
        .env("TWOFOLD_SERVER_DB", db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the "Twofold test server on …" line.
fn ready(child: &mut Child) {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("Twofold test server on"), "{line:?}");
    assert!(line.contains("database postgres"), "{line:?}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One request; the status and the JSON body (`Null` when there is none). `None` when the
/// connection fails (the instance is gone).
fn call(
    port: u16,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.get(9..12)?.parse().ok()?;
    let json = out
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    Some((status, json))
}

fn post(port: u16, path: &str, body: Value) -> (u16, Value) {
    call(port, "POST", path, &body.to_string(), None).expect("the instance answers")
}

fn login(port: u16, email: &str) -> Option<(u16, Value)> {
    let body = serde_json::json!({"email": email, "password": "password123!"}).to_string();
    call(port, "POST", "/login/", &body, None)
}

fn kill(child: &mut Child, signal: &str) {
    Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
}

#[test]
#[ignore = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh"]
fn postgres_a_database_that_cannot_be_reached_stops_the_start_in_one_line() {
    let _ = NEEDS_PG;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let base = admin();
    let (userinfo, host) = base
        .strip_prefix("postgres://")
        .unwrap()
        .split_once('@')
        .unwrap();
    let (user, password) = userinfo.split_once(':').unwrap();
    let host_port = host.split('/').next().unwrap();
    let closed = free_port();
    for (url, secret, names) in [
        // a wrong password
        (
            format!("postgres://{user}:not-{password}@{host_port}/postgres"),
            format!("not-{password}"),
            format!("postgres://{user}:***@{host_port}/postgres"),
        ),
        // a database that does not exist
        (
            format!("postgresql://{user}:{password}@{host_port}/no_such_db"),
            password.to_string(),
            format!("postgresql://{user}:***@{host_port}/no_such_db"),
        ),
        // nothing listening
        (
            format!("postgres://{user}:{password}@127.0.0.1:{closed}/postgres"),
            password.to_string(),
            format!("postgres://{user}:***@127.0.0.1:{closed}/postgres"),
        ),
        // a host that does not answer (TEST-NET-1, RFC 5737): the connect timeout
        (
            format!("postgres://{user}:{password}@192.0.2.1:5432/postgres"),
            password.to_string(),
            format!("postgres://{user}:***@192.0.2.1:5432/postgres"),
        ),
    ] {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
            .args(["serve", "--bind", "127.0.0.1:0", "--db", &url, "--key-file"])
            .arg(&key)
            .output()
            .unwrap();
        let took = started.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{names}: {err}");
        assert!(took < Duration::from_secs(10), "{names}: {took:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(&names), "{names} not named in {err:?}");
        assert!(!err.contains(&secret), "the password is echoed: {err:?}");
        assert!(out.stdout.is_empty());
    }
    // Without --key-file: a usage error (exit 2), which flag is missing, and why.
    let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db", &base])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("--key-file") && !err.contains(password),
        "{err}"
    );
}

#[test]
#[ignore = "needs a PostgreSQL server: crates/server/tests/postgres/cluster.sh"]
fn postgres_two_instances_share_one_truth_survive_a_kill_and_lose_nothing() {
    let db = new_database("twofold_two_instances");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("server.key");
    let (pa, pb) = (free_port(), free_port());

    // Both start at once on the empty database: one creates the schema, the other waits.
    let (mut a, mut b) = (serve(&db, &key, pa), serve(&db, &key, pb));
    ready(&mut a);
    ready(&mut b);

    // Registered on one, logged in on the other.
    let (s, v) = post(
        pa,
        "/registration/",
        serde_json::json!({"email": "lee@example.com", "password1": "password123!", "password2": "password123!"}),
    );
    assert!(s == 200 || s == 201, "{s} {v}");
    let (s, v) = login(pb, "lee@example.com").unwrap();
    assert_eq!(s, 200, "{v}");
    assert!(v["access"].is_string(), "{v}");

    // Test users (QA endpoint, on one instance), one enrolled.
    for i in 0..100 {
        let (s, v) = post(
            pa,
            "/_twofold/users",
            serde_json::json!({"email": format!("qa{i}@example.com")}),
        );
        assert_eq!(s, 201, "{v}");
    }
    let (s, enrolled) = post(
        pb,
        "/_twofold/users",
        serde_json::json!({"email": "mfa@example.com", "enrolled": true}),
    );
    assert_eq!(s, 201, "{enrolled}");

    // 200 concurrent login flows, split between the two: no error.
    let failures = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let failures = failures.clone();
            std::thread::spawn(move || {
                let port = if i % 2 == 0 { pa } else { pb };
                match login(port, &format!("qa{}@example.com", i % 100)) {
                    Some((200, v)) if v["access"].is_string() => {}
                    other => {
                        eprintln!("flow {i}: {other:?}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(failures.load(Ordering::Relaxed), 0, "failed flows");

    // A is killed (SIGKILL) under load; B keeps answering, with no 5xx.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let b_answers = Arc::new(AtomicUsize::new(0));
    let b_errors = Arc::new(std::sync::Mutex::new(Vec::new()));
    let load: Vec<_> = (0..8)
        .map(|w| {
            let (stop, answers, errors) = (stop.clone(), b_answers.clone(), b_errors.clone());
            std::thread::spawn(move || {
                let mut i = w;
                while !stop.load(Ordering::Relaxed) {
                    // A's requests may fail (it is being killed); B's may not.
                    let _ = login(pa, &format!("qa{}@example.com", i % 100));
                    match login(pb, &format!("qa{}@example.com", i % 100)) {
                        Some((200, _)) => {
                            answers.fetch_add(1, Ordering::Relaxed);
                        }
                        other => errors.lock().unwrap().push(format!("{other:?}")),
                    }
                    i += 8;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    kill(&mut a, "-KILL");
    let before = b_answers.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
    let errors = b_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "B failed while A was killed: {errors:?}");
    assert!(
        b_answers.load(Ordering::Relaxed) > before,
        "B answered nothing after A was killed"
    );

    // Both restarted: nothing lost.
    kill(&mut b, "-TERM");
    let (mut a, mut b) = (serve(&db, &key, pa), serve(&db, &key, pb));
    ready(&mut a);
    ready(&mut b);
    let (s, users) = call(pb, "GET", "/_twofold/users", "", None).unwrap();
    assert_eq!(s, 200, "{users}");
    let emails: Vec<&str> = users
        .as_array()
        .or_else(|| users["users"].as_array())
        .expect("a list of users")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails.len(), 102, "{emails:?}");
    for port in [pa, pb] {
        assert_eq!(login(port, "lee@example.com").unwrap().0, 200);
        let (s, v) = login(port, "mfa@example.com").unwrap();
        assert_eq!((s, v["mfa_required"].as_bool()), (200, Some(true)), "{v}");
    }
    kill(&mut a, "-TERM");
    kill(&mut b, "-TERM");

    // No TOTP secret or recovery code in clear anywhere in a dump of the database.
    let dump = Command::new(pg_bin("pg_dump"))
        .arg("--dbname")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout).to_lowercase();
    assert!(dump.contains("copy public.authenticators"), "an empty dump");
    let secret = enrolled["secret"].as_str().expect("the enrolled secret");
    let raw = twofold_otp::Secret::from_base32(secret).unwrap();
    let raw_hex: String = raw.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !dump.contains(&secret.to_lowercase()),
        "the base32 secret is in the dump"
    );
    assert!(!dump.contains(&raw_hex), "the raw secret is in the dump");
    let codes = enrolled["recovery_codes"]
        .as_array()
        .expect("recovery codes");
    assert!(!codes.is_empty());
    for c in codes {
        let c = c.as_str().unwrap().to_lowercase();
        let hex: String = c.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(
            !dump.contains(&c) && !dump.contains(&hex),
            "a recovery code is in the dump"
        );
    }
}
