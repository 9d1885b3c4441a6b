//! `twofold scan` as a process: output, exit status and errors per DESIGN.md.

use std::path::PathBuf;
use std::process::{Command, Output};

fn twofold(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap()
}

fn img(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scan/tests/corpus/images")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn prints_one_payload_per_line() {
    let o = twofold(&["scan", &img("0001_clean.png")]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        stdout(&o),
        "otpauth://hotp/bob.smith%40example.org?secret=LQ2DMYE7DSMQXJUL&counter=0&algorithm=SHA256\n"
    );
    assert!(o.stderr.is_empty());
}

#[test]
fn several_files_keep_file_order_and_reading_order() {
    let o = twofold(&["scan", &img("0118_multi.png"), &img("0001_clean.png")]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<_> = stdout(&o).lines().map(String::from).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("otpauth://hotp/S%C3%A3o%20Paulo%20Gov:carol_w?"));
    assert!(lines[1].starts_with("otpauth-migration://offline?data="));
    assert!(lines[2].starts_with("otpauth://hotp/bob.smith"));
}

#[test]
fn non_otpauth_codes_are_printed_and_marked_in_json() {
    let o = twofold(&["scan", "--json", &img("0146_neg_nonotp.png")]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert!(!arr.is_empty());
    assert!(arr.iter().all(|c| c["kind"] == "other"), "{v}");
}

#[test]
fn expand_turns_a_migration_payload_into_otpauth_uris() {
    let o = twofold(&["scan", "--expand", &img("0005_clean.bmp")]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("otpauth://totp/")));
    assert!(lines[0].contains("Jira%20Cloud"));

    let o = twofold(&["scan", "--expand", "--json", &img("0005_clean.bmp")]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["from_migration"] == true && c["kind"] == "otpauth"));
}

#[test]
fn no_code_exits_1_with_nothing_printed() {
    let o = twofold(&["scan", &img("0140_neg_noqr.png"), &img("0141_neg_noqr.jpg")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(o.stderr.is_empty());
}

#[test]
fn unreadable_file_exits_2_with_one_line() {
    let dir = std::env::temp_dir().join(format!("twofold-scan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let o = twofold(&["scan", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("twofold: ") && err.contains("bad.png"),
        "{err}"
    );

    // Readable files are still printed; the status is 2.
    let o = twofold(&["scan", &img("0001_clean.png"), "/nonexistent/x.png"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).starts_with("otpauth://hotp/bob.smith"));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/x.png"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn nothing_to_scan_is_a_usage_error() {
    let o = twofold(&["scan"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8(o.stderr).unwrap().lines().count(), 1);
    let o = twofold(&["scan", "--screen", &img("0001_clean.png")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn screen_without_any_display_is_a_clear_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(["scan", "--screen"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot capture the screen"), "{err}");
}

#[test]
fn payload_bytes_are_written_unchanged() {
    // 0003 holds percent-escaped UTF-8; the raw_utf8 images hold raw non-ASCII bytes.
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scan/tests/corpus/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for (file, e) in expected.as_object().unwrap() {
        let tags = e["tags"].as_array().unwrap();
        if !tags.iter().any(|t| t == "raw_utf8") || e["category"] != "clean" {
            continue;
        }
        let o = twofold(&["scan", &img(file)]);
        let want: String = e["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}\n", p.as_str().unwrap()))
            .collect();
        assert_eq!(o.stdout, want.as_bytes(), "{file}");
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn add_image_adds_every_account_of_the_image() {
    let dir = std::env::temp_dir().join(format!("twofold-add-image-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let vault = dir.join("v.twofold");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_twofold"))
            .args(args)
            .env("TWOFOLD_VAULT", &vault)
            .env("TWOFOLD_PASSPHRASE", "correct horse battery staple")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env_remove("DISPLAY")
            .output()
            .unwrap()
    };
    // A migration export with 3 accounts.
    let o = run(&["add", "--image", &img("0005_clean.bmp")]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(stdout(&o).lines().count(), 3);
    // The same again: nothing new.
    let o = run(&["add", "--image", &img("0005_clean.bmp")]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), 0);
    // An otpauth URI and a migration export side by side, with a tag.
    let o = run(&["add", "--image", &img("0118_multi.png"), "--tag", "qa"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().count(), 4);
    // Only a non-otpauth code: exit 2, one line naming the file.
    let o = run(&["add", "--image", &img("0146_neg_nonotp.png")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.lines().last().unwrap().contains("no otpauth QR code"),
        "{err}"
    );
    let o = run(&["list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 7);
    std::fs::remove_dir_all(&dir).ok();
}
