//! `twofold import` / `twofold export` as processes, against a passphrase-only vault (no OS
//! keyring needed) and the real export fixtures of crat../transfer/tests/fixtures/import.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Env {
    dir: PathBuf,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!("twofold-ie-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pw"), "test\n").unwrap();
        std::fs::write(dir.join("bad"), "nope\n").unwrap();
        Env { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_twofold"))
            .args(args)
            .env("TWOFOLD_VAULT", self.dir.join("vault.twofold"))
            .env("TWOFOLD_PASSPHRASE", "vault passphrase")
            .env("TWOFOLD_KDF", "m=8192,t=1,p=1")
            .env("HOME", &self.dir)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .env_remove("CI")
            .output()
            .unwrap()
    }

    fn p(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    fn list_count(&self) -> usize {
        let o = self.run(&["list", "--json"]);
        if !o.status.success() {
            return 0;
        }
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
        v.as_array()
            .map(|a| a.len())
            .or_else(|| v["accounts"].as_array().map(|a| a.len()))
            .unwrap_or(0)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../transfer/tests/fixtures/import")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn import_preview_duplicates_and_conflicts() {
    let e = Env::new("dup");
    let dry = e.run(&[
        "import",
        &fixture("aegis_encrypted.json"),
        "--password-file",
        &e.p("pw"),
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("7 account(s) would be added"),
        "{}",
        text(&dry.stdout)
    );
    assert!(
        !Path::new(&e.p("vault.twofold")).exists(),
        "a dry run creates nothing"
    );

    let o = e.run(&[
        "import",
        &fixture("aegis_encrypted.json"),
        "--password-file",
        &e.p("pw"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("imported 7 account(s)"));
    assert!(
        !text(&o.stdout).contains("4SJHB4GSD43FZBAI7C2HLRJGPQ"),
        "no secret in the preview"
    );

    // The same accounts again from other apps: all duplicates.
    let o = e.run(&[
        "import",
        &fixture("plain.txt"),
        &fixture("andotp_plain.json"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("imported 0 account(s), 14 duplicate(s) skipped"),
        "{}",
        text(&o.stdout)
    );

    // Same issuer and label, another secret: a conflict, skipped unless allowed.
    std::fs::write(
        e.p("c.txt"),
        "otpauth://totp/Deno:Mason?secret=JBSWY3DPEHPK3PXP&issuer=Deno\n",
    )
    .unwrap();
    let o = e.run(&["import", &e.p("c.txt")]);
    assert!(o.status.success());
    assert!(
        text(&o.stdout).contains("1 conflict(s) skipped"),
        "{}",
        text(&o.stdout)
    );
    let o = e.run(&["import", &e.p("c.txt"), "--allow-conflicts"]);
    assert!(
        text(&o.stdout).contains("imported 1 account(s)"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn wrong_password_and_corrupt_files_import_nothing() {
    let e = Env::new("bad");
    let o = e.run(&[
        "import",
        &fixture("2fas_authenticator_encrypted_v4.2fas"),
        "--password-file",
        &e.p("bad"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("wrong password") && err.contains("nothing was imported"),
        "{err}"
    );

    let full = std::fs::read(fixture("aegis_plain.json")).unwrap();
    std::fs::write(e.p("cut.json"), &full[..full.len() / 2]).unwrap();
    // A good file and a truncated one: nothing at all is imported.
    let o = e.run(&["import", &fixture("plain.txt"), &e.p("cut.json")]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("cut.json") && err.contains("line ") && err.contains("column"),
        "{err}"
    );
    assert!(!Path::new(&e.p("vault.twofold")).exists());

    let o = e.run(&["import", &fixture("aegis_encrypted.json")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--password-file"));
}

#[test]
fn export_then_import_round_trips_and_python_reads_the_backup() {
    let e = Env::new("rt");
    let o = e.run(&["import", &fixture("aegis_plain.json")]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // Twofold backup into a fresh vault.
    let o = e.run(&[
        "export",
        "--format",
        "twofold",
        "--out",
        &e.p("b.twofoldbackup"),
        "--password-file",
        &e.p("pw"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = e.run(&[
        "export",
        "--format",
        "twofold",
        "--out",
        &e.p("b.twofoldbackup"),
        "--password-file",
        &e.p("pw"),
    ]);
    assert_eq!(o.status.code(), Some(2), "never overwrites without --force");
    let o = e.run(&["export", "--format", "twofold"]);
    assert_eq!(o.status.code(), Some(2), "a backup needs a password");

    let e2 = Env::new("rt2");
    let o = e2.run(&[
        "import",
        &e.p("b.twofoldbackup"),
        "--password-file",
        &e.p("pw"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("imported 7 account(s)"));

    // Plain list: a warning on stderr, the URIs on stdout.
    let o = e.run(&["export", "--format", "otpauth"]);
    assert!(o.status.success());
    assert!(text(&o.stderr).contains("IN CLEAR"));
    assert_eq!(
        text(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("otpauth://"))
            .count(),
        7
    );

    // Aegis encrypted, then back.
    let o = e.run(&[
        "export",
        "--format",
        "aegis",
        "--out",
        &e.p("a.json"),
        "--password-file",
        &e.p("pw"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("IN CLEAR"));
    let o = e2.run(&[
        "import",
        &e.p("a.json"),
        "--password-file",
        &e.p("pw"),
        "--dry-run",
    ]);
    assert!(
        text(&o.stdout).contains("7 duplicate(s)"),
        "{}",
        text(&o.stdout)
    );

    // Google QR PNGs imported back as images through the scanner.
    let o = e.run(&["export", "--format", "google-qr", "--out", &e.p("qr")]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pngs: Vec<String> = text(&o.stdout).lines().map(String::from).collect();
    assert!(!pngs.is_empty());
    let mut args = vec!["import", "--dry-run"];
    args.extend(pngs.iter().map(String::as_str));
    let o = e2.run(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("Google Authenticator export"),
        "{}",
        text(&o.stdout)
    );

    // Automatic backups keep the newest N.
    for _ in 0..3 {
        let o = e.run(&[
            "export",
            "--format",
            "twofold",
            "--auto-dir",
            &e.p("auto"),
            "--keep",
            "2",
            "--password-file",
            &e.p("pw"),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_eq!(std::fs::read_dir(e.p("auto")).unwrap().count(), 2);

    // The reference decryptor reads the CLI's backup.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/decrypt_backup.py");
    if let Ok(py) = Command::new("python3")
        .arg(script)
        .arg(e.p("b.twofoldbackup"))
        .arg("--password-file")
        .arg(e.p("pw"))
        .output()
    {
        assert!(py.status.success(), "{}", text(&py.stderr));
        let doc: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
        assert_eq!(doc["accounts"].as_array().unwrap().len(), 7);
    }
    let _ = e.list_count();
}

/// The transfer library says what is wrong in neutral words; the CLI names its own flag.
#[test]
fn unknown_and_encrypted_files_name_the_clis_flags() {
    let e = Env::new("flags");
    std::fs::write(e.dir.join("hello.txt"), "hello world\n").unwrap();
    let o = e.run(&["import", &e.p("hello.txt")]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot tell which app wrote this file") && err.contains("with --format"),
        "{err}"
    );
    let o = e.run(&["import", &fixture("aegis_encrypted.json")]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is encrypted: give its password with --password-file FILE"),
        "{err}"
    );
    assert_eq!(e.list_count(), 0);
}
