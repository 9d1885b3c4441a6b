//! The vault through the `twofold` binary, with the passphrase slot only (no keyring needed):
//! crash safety, concurrency, tampering, no plaintext on disk. Keyring tests: vault_keyring.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_twofold");
const SECRET_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    fn vault(&self) -> PathBuf {
        self.data().join("vault.twofold")
    }
    /// A command with no reachable keyring and a cheap Argon2id cost.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env("TWOFOLD_VAULT", self.vault())
            .env("TWOFOLD_PASSPHRASE", "correct horse battery staple")
            .env("TWOFOLD_KDF", "m=8192,t=1,p=1")
            .env("TWOFOLD_KEYRING_TIMEOUT", "5");
        // A Windows process needs its system variables (SystemRoot above all: without it
        // process start-up and the system's random source fail now and then).
        #[cfg(windows)]
        for k in [
            "SystemRoot",
            "windir",
            "SystemDrive",
            "TEMP",
            "TMP",
            "USERPROFILE",
            "APPDATA",
            "LOCALAPPDATA",
        ] {
            if let Some(v) = std::env::var_os(k) {
                c.env(k, v);
            }
        }
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
    fn labels(&self) -> Vec<String> {
        let j: serde_json::Value = serde_json::from_str(&self.ok(&["list", "--json"])).unwrap();
        j.as_array()
            .unwrap()
            .iter()
            .map(|a| a["label"].as_str().unwrap().to_string())
            .collect()
    }
}

fn add_args(label: &str) -> Vec<String> {
    [
        "add", "--secret", SECRET_B32, "--issuer", "Crash", "--label", label,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// xorshift: enough randomness for kill timing without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn add_list_code_remove_edit() {
    let e = Env::new();
    let id = e.ok(&[
        "add", "--secret", SECRET_B32, "--issuer", "GitHub", "--label", "me", "--tag", "personal",
    ]);
    let id = id.trim();
    e.ok(&[
        "add",
        "--uri",
        &format!("otpauth://hotp/Bank:me?secret={SECRET_B32}&counter=0&image=x"),
    ]);
    // RFC 6238 SHA1 vector at T=59 (8 digits there; 6 here: the last 6 digits).
    assert_eq!(e.ok(&["code", "github", "--at", "59"]), "287082\n");
    // HOTP: counter 0, 1 - never the same code twice.
    assert_eq!(e.ok(&["code", "bank"]), "755224\n");
    assert_eq!(e.ok(&["code", "bank:me"]), "287082\n");
    // Ambiguous: exit 2, matches listed on stderr.
    let o = e.run(&["code", "me"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("GitHub") && err.contains("Bank"), "{err}");
    let list = e.ok(&["list", "--json", "--tag", "personal"]);
    assert!(list.contains("\"GitHub\"") && !list.contains("Bank"));
    assert!(!list.contains(SECRET_B32) && !e.ok(&["list"]).contains(SECRET_B32));
    e.ok(&["edit", id, "--label", "work", "--add-tag", "qa:staging"]);
    assert!(e.ok(&["list", "--tag", "qa:staging"]).contains("work"));
    e.ok(&["remove", id]);
    assert_eq!(e.labels(), vec!["me"]);
    assert_eq!(e.run(&["remove", id]).status.code(), Some(1));
    // The old forms still work without a vault.
    assert_eq!(
        e.ok(&["code", "--secret", SECRET_B32, "--at", "59"]),
        "287082\n"
    );
}

#[test]
fn wrong_or_missing_passphrase_and_missing_vault() {
    let e = Env::new();
    let o = e.run(&["list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no vault at"));
    e.ok(&[
        "add", "--secret", SECRET_B32, "--issuer", "A", "--label", "b",
    ]);
    let o = e
        .cmd(&["list"])
        .env("TWOFOLD_PASSPHRASE", "nope")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrong passphrase"));
    let o = e
        .cmd(&["list"])
        .env_remove("TWOFOLD_PASSPHRASE")
        .output()
        .unwrap();
    if cfg!(windows) {
        // The Credential Manager is always there: the vault got a keyring slot as well.
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        assert!(String::from_utf8_lossy(&o.stderr).contains("opens only with its passphrase"));
    }
    // --passphrase-file, with a trailing newline.
    let f = e.dir.path().join("pw");
    std::fs::write(&f, "correct horse battery staple\n").unwrap();
    let o = e
        .cmd(&["list", "--passphrase-file", f.to_str().unwrap()])
        .env_remove("TWOFOLD_PASSPHRASE")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn tampering_gives_clear_errors_and_leaves_the_file() {
    let e = Env::new();
    e.ok(&[
        "add", "--secret", SECRET_B32, "--issuer", "A", "--label", "b",
    ]);
    let good = std::fs::read(e.vault()).unwrap();
    let h = u32::from_le_bytes(good[12..16].try_into().unwrap()) as usize;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    let mut v = good.clone();
    v[20] ^= 1; // vault id, in the header
    cases.push(("header byte", v, "damaged or was tampered"));
    let mut v = good.clone();
    v[75] ^= 0x80; // inside the key slots
    cases.push(("slot byte", v, "damaged or was tampered"));
    let mut v = good.clone();
    v[h + 3] ^= 1; // ciphertext
    cases.push(("ciphertext byte", v, "damaged or was tampered"));
    let mut v = good.clone();
    let n = v.len();
    v[n - 1] ^= 1; // tag
    cases.push(("tag byte", v, "damaged or was tampered"));
    cases.push((
        "truncated",
        good[..good.len() - 20].to_vec(),
        "damaged or was tampered",
    ));
    cases.push((
        "truncated header",
        good[..40].to_vec(),
        "damaged or was tampered",
    ));
    cases.push(("empty", Vec::new(), "damaged or was tampered"));
    let mut v = good.clone();
    v[8..10].copy_from_slice(&2u16.to_le_bytes());
    cases.push(("future version", v, "newer Twofold"));
    for (what, bytes, expect) in cases {
        std::fs::write(e.vault(), &bytes).unwrap();
        for args in [
            vec!["list"],
            vec!["code", "a"],
            vec![
                "add", "--secret", SECRET_B32, "--issuer", "X", "--label", "y",
            ],
        ] {
            let o = e.run(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{what} {args:?}: {err}");
            assert!(err.contains(expect), "{what} {args:?}: {err}");
            assert_eq!(err.trim().lines().count(), 1, "{what}: one line: {err}");
            assert_eq!(
                std::fs::read(e.vault()).unwrap(),
                bytes,
                "{what}: file changed"
            );
        }
    }
    std::fs::write(e.vault(), &good).unwrap();
    assert_eq!(e.labels(), vec!["b"]);
}

#[test]
fn no_plaintext_on_disk() {
    let e = Env::new();
    let secret_raw = b"12345678901234567890";
    e.ok(&[
        "add",
        "--secret",
        SECRET_B32,
        "--issuer",
        "PlainIssuerXYZ",
        "--label",
        "plain-label@example.org",
        "--tag",
        "plaintag",
    ]);
    e.ok(&[
        "add",
        "--uri",
        &format!("otpauth://totp/Other:someone?secret={SECRET_B32}"),
    ]);
    let needles: Vec<&[u8]> = vec![
        secret_raw,
        SECRET_B32.as_bytes(),
        b"GEZDGNBVGY3TQOJQ",
        b"plain-label@example.org",
        b"PlainIssuerXYZ",
        b"plaintag",
        b"correct horse",
    ];
    let mut files = 0;
    for entry in walk(&e.data()) {
        files += 1;
        let b = std::fs::read(&entry).unwrap();
        for n in &needles {
            assert!(
                !b.windows(n.len()).any(|w| w == *n),
                "{} contains {:?}",
                entry.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
    assert!(files >= 2, "vault and backup were checked");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn two_writers_adding_one_by_one_lose_no_account() {
    // 200 separate processes each on Linux; under Wine a process takes ~0.2 s to start.
    const PER_WRITER: usize = if cfg!(windows) { 60 } else { 200 };
    let e = Env::new();
    e.ok(&[
        "add", "--secret", SECRET_B32, "--issuer", "Seed", "--label", "seed",
    ]);
    // Two writers, each 200 separate `twofold add` processes one after the other.
    let spawn_writer = |tag: &'static str| {
        let envs: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)> = e
            .cmd(&[])
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
            .collect();
        std::thread::spawn(move || {
            for i in 0..PER_WRITER {
                let mut c = Command::new(BIN);
                c.args([
                    "add",
                    "--secret",
                    SECRET_B32,
                    "--issuer",
                    "W",
                    "--label",
                    &format!("{tag}-{i}"),
                ]);
                for (k, v) in &envs {
                    match v {
                        Some(v) => c.env(k, v),
                        None => c.env_remove(k),
                    };
                }
                // Wine's CreateProcess now and then fails under this churn ("internal error"):
                // a process that never started is started again; one that ran must succeed.
                let status = (0..3)
                    .find_map(|_| c.stdout(Stdio::null()).status().ok())
                    .expect("the process starts");
                if !status.success() {
                    return false;
                }
            }
            true
        })
    };
    let a = spawn_writer("a");
    let b = spawn_writer("b");
    assert!(a.join().unwrap());
    assert!(b.join().unwrap());
    let labels = e.labels();
    assert_eq!(labels.len(), 2 * PER_WRITER + 1);
    for t in ["a", "b"] {
        for i in 0..PER_WRITER {
            assert!(labels.contains(&format!("{t}-{i}")), "{t}-{i} lost");
        }
    }
}

#[test]
fn kill_9_at_random_moments_never_loses_an_acknowledged_add() {
    let e = Env::new();
    e.ok(&[
        "add", "--secret", SECRET_B32, "--issuer", "Crash", "--label", "first",
    ]);
    let mut acknowledged = vec!["first".to_string()];
    let mut rng = Rng(0x9e3779b97f4a7c15 ^ std::process::id() as u64);
    let start = Instant::now();
    let mut kills = 0;
    let mut runs = 0;
    // Hundreds of runs, bounded in time.
    while runs < 300 && start.elapsed() < Duration::from_secs(40) {
        runs += 1;
        let label = format!("l{runs}");
        let mut child = e
            .cmd(
                &add_args(&label)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % 25_000));
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        if out.status.success() && !out.stdout.is_empty() {
            acknowledged.push(label);
        } else {
            kills += 1;
        }
        // After every run the vault opens and holds every acknowledged add.
        let labels = e.labels();
        for a in &acknowledged {
            assert!(labels.contains(a), "run {runs}: acknowledged '{a}' lost");
        }
    }
    // Under Wine a process takes ~0.4 s to start, so fewer runs fit in the time bound.
    let min_runs = if cfg!(windows) { 50 } else { 100 };
    assert!(runs >= min_runs, "only {runs} runs");
    assert!(
        kills >= 20,
        "only {kills} of {runs} runs were killed mid-way"
    );
    eprintln!(
        "{runs} runs, {kills} killed, {} acknowledged",
        acknowledged.len()
    );
    // No temporary files pile up after the next successful write.
    e.ok(&add_args("last")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let temps = walk(&e.data())
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp-"))
        .count();
    assert_eq!(temps, 0);
}
