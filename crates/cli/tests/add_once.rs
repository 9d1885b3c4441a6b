//! Adding an account the vault already holds: checked under the vault's lock, by every way in
//! (`add --uri`, `--secret`, images, imports). A passphrase-only vault (no OS keyring needed).

const URI: &str = "otpauth://totp/ACME:me@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
/// A one-code Google Authenticator export of 3 accounts (from crates/scan's corpus).
const GOOGLE: &str = "otpauth-migration://offline?data=CkIKENJy409dY4f2gnwkOVi8CvASHEppcmEgQ2xvdWQ6YWxpY2VAZXhhbXBsZS5jb20aCkppcmEgQ2xvdWQgASgBMAIKMgoQU5VaoBcwoq02IAwAGHezaBIQem%2FDq0BleGFtcGxlLmNvbRoGS3Jha2VuIAEoAjACCkEKFJamjBNh2yCtHDIXVvH2gp73llxoEhpEaXNjb3JkOuODpuODvOOCtuODvOWkqumDjhoHRGlzY29yZCABKAEwAhABGAEgACjc%2B%2BKO%2Ff%2F%2F%2F%2F8B";

mod common;
use common::{text, PassVault as Env};

/// Fails before: `add --uri` had no duplicate check at all (8 accounts), and the other ways in
/// checked before the locked write re-read the file.
#[test]
fn processes_adding_the_same_account_at_once_end_with_one_account() {
    let e = Env::new();
    // The vault exists first, so the race is on the add, not on the creation.
    assert!(e
        .run(&[
            "add",
            "--uri",
            "otpauth://totp/Seed:s?secret=GEZDGNBVGY3TQOJQ"
        ])
        .status
        .success());
    let children: Vec<_> = (0..8)
        .map(|_| {
            e.cmd(&["add", "--uri", URI])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(e.count(), 2);
}

/// Fails before: the second add stored a second copy.
#[test]
fn add_of_an_account_already_there_says_so_and_adds_nothing_unless_asked() {
    let e = Env::new();
    let first = e.run(&["add", "--uri", URI]);
    assert!(first.status.success());
    let id = text(&first.stdout).trim().to_string();
    let again = e.run(&[
        "add",
        "--secret",
        "JBSWY3DPEHPK3PXP",
        "--issuer",
        "ACME",
        "--label",
        "me@example.com",
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(text(&again.stdout).trim(), id, "the stored account's id");
    let err = text(&again.stderr);
    assert!(
        err.contains("already in the vault") && err.contains(&id),
        "{err}"
    );
    assert!(
        !err.contains("JBSWY3DPEHPK3PXP"),
        "no secret in messages: {err}"
    );
    assert_eq!(e.count(), 1);
    let anyway = e.run(&["add", "--uri", URI, "--allow-duplicate"]);
    assert!(anyway.status.success());
    assert_ne!(text(&anyway.stdout).trim(), id);
    assert_eq!(e.count(), 2);
}

/// Fails before: the Google lines of an import were split without the otpauth list's
/// `#`-comment rule, so a commented export list was "damaged at line 1".
#[test]
fn a_commented_google_export_list_imports() {
    let e = Env::new();
    let list = e.dir.path().join("google.txt");
    std::fs::write(
        &list,
        format!("# Google Authenticator export, 3 accounts\n\n{GOOGLE}\n# end\n"),
    )
    .unwrap();
    let o = e.run(&["import", list.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(e.count(), 3);
}
