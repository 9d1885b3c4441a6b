//! Security hardening of the CLI's files and inputs, as processes: secrets off argv, exports
//! that never follow a symbolic link and are private whatever the umask, bounded reads of
//! hostile inputs. A passphrase-only vault (no OS keyring needed).

#[cfg(unix)]
use std::path::Path;
use std::process::{Command, Stdio};
#[cfg(unix)]
use std::time::{Duration, Instant};

const URI: &str = "otpauth://totp/ACME:me@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const SECRET: &str = "JBSWY3DPEHPK3PXP";

mod common;
use common::{text, PassVault as Env};

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Fails before: there was no --secret-file / --uri-file, so a secret could only be given on
/// the command line (readable in /proc/PID/cmdline by every local user).
#[test]
fn secrets_and_uris_are_read_from_files_or_stdin() {
    let e = Env::new();
    let expected = text(&e.run(&["code", "--uri", URI, "--at", "1700000000"]).stdout);
    assert_eq!(expected.trim().len(), 6);
    std::fs::write(e.p("uri.txt"), format!("{URI}\n")).unwrap();
    std::fs::write(e.p("secret.txt"), format!("{SECRET}\n")).unwrap();
    let via_file = e.run(&[
        "code",
        "--uri-file",
        e.p("uri.txt").to_str().unwrap(),
        "--at",
        "1700000000",
    ]);
    assert!(via_file.status.success(), "{}", text(&via_file.stderr));
    assert_eq!(text(&via_file.stdout), expected);
    let via_stdin = e.run_with_stdin(&["code", "--uri-file", "-", "--at", "1700000000"], URI);
    assert_eq!(text(&via_stdin.stdout), expected);
    let secret_file = e.run(&[
        "code",
        "--secret-file",
        e.p("secret.txt").to_str().unwrap(),
        "--at",
        "1700000000",
    ]);
    assert_eq!(text(&secret_file.stdout), expected);
    let secret_stdin = e.run_with_stdin(
        &["code", "--secret-file", "-", "--at", "1700000000"],
        SECRET,
    );
    assert_eq!(text(&secret_stdin.stdout), expected);

    // add and uri take them too.
    let o = e.run_with_stdin(&["add", "--uri-file", "-", "--tag", "qa"], URI);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = e.run(&[
        "add",
        "--secret-file",
        e.p("secret.txt").to_str().unwrap(),
        "--issuer",
        "Other",
        "--label",
        "you",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list = text(&e.run(&["list"]).stdout);
    assert!(list.contains("ACME") && list.contains("Other"), "{list}");
    let o = e.run(&[
        "uri",
        "--uri-file",
        e.p("uri.txt").to_str().unwrap(),
        "--json",
    ]);
    assert!(
        text(&o.stdout).contains("\"issuer\":\"ACME\""),
        "{}",
        text(&o.stdout)
    );

    // --help says which to prefer.
    for cmd in ["code", "add"] {
        let help = text(&e.run(&[cmd, "--help"]).stdout);
        assert!(
            help.contains("--secret-file") && help.contains("--uri-file"),
            "{help}"
        );
        assert!(help.contains("prefer --uri-file"), "{help}");
        assert!(help.contains("prefer --secret-file"), "{help}");
    }

    // Bad files: one line naming the file, exit 2, no secret echoed.
    let o = e.run(&["code", "--secret-file", e.p("missing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("cannot read the secret file") && err.lines().count() == 1,
        "{err}"
    );
    std::fs::write(e.p("empty"), "\n").unwrap();
    let o = e.run(&["code", "--uri-file", e.p("empty").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // Both ways at once is a usage error.
    let o = e.run(&["code", "--secret", SECRET, "--secret-file", "-"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Fails before: `export --force` opened the path with O_TRUNC and wrote the plain secrets
/// through a symbolic link onto whatever file it named.
#[cfg(unix)]
#[test]
fn export_force_replaces_a_symlink_and_never_writes_through_it() {
    let e = Env::new();
    assert!(e.run(&["add", "--uri", URI]).status.success());
    let victim = e.p("victim.txt");
    std::fs::write(&victim, "someone else's file\n").unwrap();
    let out = e.p("export.txt");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    let o = e.run(&[
        "export",
        "--format",
        "otpauth",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "an existing path needs --force");
    let o = e.run(&[
        "export",
        "--format",
        "otpauth",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "someone else's file\n"
    );
    assert!(!std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("JBSWY3DPEHPK3PXP"));
    assert_eq!(mode(&out), 0o600);
}

/// Fails before for the folder: `export --format google-qr --out DIR` made DIR 0755 (and files
/// inherited nothing private from it).
#[cfg(unix)]
#[test]
fn exports_are_0600_in_0700_folders_under_a_permissive_umask() {
    let e = Env::new();
    assert!(e.run(&["add", "--uri", URI]).status.success());
    let dir = e.p("qr/codes");
    let script = format!(
        "umask 000; exec \"$0\" export --format google-qr --out '{}'",
        dir.display()
    );
    let o = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_twofold"))
        .env("TWOFOLD_VAULT", e.p("data/vault.twofold"))
        .env("TWOFOLD_PASSPHRASE", "vault passphrase")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&e.p("qr")), 0o700);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(!files.is_empty());
    for f in files {
        assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
    }
    // The vault's own folder and files, created by the first add.
    assert_eq!(mode(&e.p("data")), 0o700);
    assert_eq!(mode(&e.p("data/vault.twofold")), 0o600);
}

/// Fails before: `import /dev/zero` read until memory ran out (metadata says 0 bytes).
#[cfg(unix)]
#[test]
fn import_of_a_device_or_an_endless_pipe_ends_with_a_clear_error() {
    let e = Env::new();
    let t = Instant::now();
    let o = e.run(&["import", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("/dev/zero") && err.contains("never ends"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(t.elapsed() < Duration::from_secs(20));

    // A FIFO fed without end.
    let fifo = e.p("fifo");
    let st = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(st.success());
    let mut feeder = Command::new("sh")
        .arg("-c")
        .arg(format!("yes otpauth > '{}'", fifo.display()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let o = e.run(&["import", fifo.to_str().unwrap()]);
    let _ = feeder.kill();
    let _ = feeder.wait();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("never ends"));
    // A password file that is a device is refused the same way.
    let o = e.run(&["import", "/dev/null", "--password-file", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("password file"),
        "{}",
        text(&o.stderr)
    );
}
