//! `twofold serve` as a process: start on a free port, fetch /openapi.json, stop with SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_answers_openapi_and_stops() {
    let dir = std::env::temp_dir().join(format!("twofold-serve-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--mode",
            "required",
            "--light-password-hashing",
            "--db",
        ])
        .arg(dir.join("db.sqlite3"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let resp = http_get(&addr, "/openapi.json");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"/mfa/verify/\"") && resp.contains("\"openapi\""));
    let resp = http_get(&addr, "/accounts/login/");
    assert!(resp.starts_with("HTTP/1.1 200") && resp.contains("csrfmiddlewaretoken"));
    #[cfg(unix)]
    {
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
    #[cfg(not(unix))]
    {
        let _ = child.kill();
    }
    assert!(dir.join("db.sqlite3.key").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_unsafe_settings() {
    for args in [
        &["serve", "--bind", "0.0.0.0:0"][..],
        &["serve", "--insecure-bypass-code", "123456"][..],
        &["serve", "--digits", "4"][..],
        &["serve", "--rate-limit", "lots"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
