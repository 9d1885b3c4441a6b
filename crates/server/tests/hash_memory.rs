//! Bounded hashing (issue 15, item 10): many concurrent logins hash at most one password per
//! core at a time, so the server's memory does not grow with the number of clients (before,
//! 150 concurrent bad logins took it to 2.3 GB). Alone in its test binary: it reads the
//! process's peak resident memory.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use serde_json::json;
use twofold_server::{PasswordHashing, RateLimit};

/// 40 MiB of Argon2id: above glibc's largest mmap threshold (32 MiB), so each hash's memory is
/// mapped for it and unmapped after, and the peak resident size counts the hashes running at
/// once.
const HASH_MIB: u64 = 40;
const CLIENTS: usize = 24;

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmHWM in /proc/self/status");
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_logins_hash_at_most_one_password_per_core() {
    let srv = Srv::start_with(|c| {
        c.password_hashing = PasswordHashing {
            memory_kib: (HASH_MIB * 1024) as u32,
            iterations: 1,
            parallelism: 1,
        };
        c.login_throttle = RateLimit {
            max_failures: 1000,
            window_secs: 60,
        };
    })
    .await;
    // One hash first, so that what a single hash costs is in the baseline.
    let (s, _) = srv.login("nobody@example.com").await;
    assert_eq!(s, 401);
    let before = peak_rss_mib();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (url, barrier) = (srv.url("/login/"), barrier.clone());
            tokio::spawn(async move {
                let req = reqwest::Client::new().post(url).json(
                    &json!({"email": format!("nobody{i}@example.com"), "password": "wrong-pass"}),
                );
                barrier.wait().await;
                req.send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 401);
    }
    let grown = peak_rss_mib().saturating_sub(before);
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    let allowed = HASH_MIB * (cores + 2);
    assert!(
        grown <= allowed,
        "{CLIENTS} concurrent logins grew the peak resident memory by {grown} MiB: more than {allowed} MiB, ({cores} cores + 2) x {HASH_MIB} MiB; unbounded it is about {} MiB",
        CLIENTS as u64 * HASH_MIB
    );
}
