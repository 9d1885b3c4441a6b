//! The CLI twins of what the desktop app does to the list (ARCHITECTURE.md, "Every app action
//! has a CLI twin"): search over tags and notes, the sort orders, moving an account. Each goes
//! through the same crate function as the app (twofold_vault::listing). A passphrase-only
//! vault (no OS keyring needed).

mod common;
use common::{text, PassVault as Env};

fn add(e: &Env, issuer: &str, label: &str) -> String {
    let c = label.to_uppercase().chars().next().unwrap();
    let uri =
        format!("otpauth://totp/{issuer}:{label}?secret=JBSWY3DPEHPK3P{c}{c}&issuer={issuer}");
    let o = e.run(&["add", "--uri", &uri]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout).trim().to_string()
}

fn labels(e: &Env, args: &[&str]) -> Vec<String> {
    let mut a = vec!["list", "--json"];
    a.extend_from_slice(args);
    let o = e.run(&a);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_sort_and_move_work_from_the_command_line() {
    let e = Env::new();
    let c = add(&e, "Cloud", "carol");
    let a = add(&e, "Alpha", "al");
    let b = add(&e, "Bank", "bobby");
    assert!(e
        .run(&[
            "edit",
            &b,
            "--tag",
            "money",
            "--note",
            "PIN in the blue folder"
        ])
        .status
        .success());

    // Search: a tag and a word of the note find what issuer and label do not.
    assert_eq!(labels(&e, &["--search", "MONEY"]), ["bobby"]);
    assert_eq!(labels(&e, &["--search", "blue folder"]), ["bobby"]);
    assert_eq!(labels(&e, &["--search", "a"]), ["al", "bobby", "carol"]);

    // Orders: name (the default), manual = the order added.
    assert_eq!(labels(&e, &[]), ["al", "bobby", "carol"]);
    assert_eq!(labels(&e, &["--sort", "manual"]), ["carol", "al", "bobby"]);

    // Moving changes the manual order only.
    let o = e.run(&["move", &b, "--before", &c]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("to position 1 of 3"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(labels(&e, &["--sort", "manual"]), ["bobby", "carol", "al"]);
    assert!(e.run(&["move", &b, "--after", &a]).status.success());
    assert_eq!(labels(&e, &["--sort", "manual"]), ["carol", "al", "bobby"]);
    assert!(e.run(&["move", &a, "--to", "1"]).status.success());
    assert_eq!(labels(&e, &["--sort", "manual"]), ["al", "carol", "bobby"]);
    assert_eq!(labels(&e, &[]), ["al", "bobby", "carol"]);

    // Pinned accounts come first in every order.
    assert!(e.run(&["edit", &c, "--pin"]).status.success());
    assert_eq!(labels(&e, &["--sort", "manual"]), ["carol", "al", "bobby"]);
    assert_eq!(labels(&e, &["--sort", "name"]), ["carol", "al", "bobby"]);

    // Bad input: one line naming what to do, nothing changed.
    for (args, says, status) in [
        (
            vec!["list", "--sort", "newest"],
            "manual, name or recent",
            2,
        ),
        (vec!["move", &a], "--before ID, --after ID or --to N", 2),
        (
            vec!["move", &a, "--before", "nosuchaccount"],
            "no account with id 'nosuchaccount'",
            1,
        ),
        (vec!["move", &a, "--to", "0"], "--to", 2),
    ] {
        let o = e.run(&args);
        assert_eq!(
            o.status.code(),
            Some(status),
            "{args:?}: {}",
            text(&o.stderr)
        );
        assert_eq!(
            text(&o.stderr).trim().lines().count(),
            1,
            "{}",
            text(&o.stderr)
        );
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    assert_eq!(labels(&e, &["--sort", "manual"]), ["carol", "al", "bobby"]);
}

/// Export file naming is the crate's (ExportFormat::default_name), as the app's Export dialog
/// suggests it: an existing folder given to --out gets the dated name.
#[test]
fn an_export_into_a_folder_gets_the_apps_dated_name() {
    let e = Env::new();
    add(&e, "Alpha", "al");
    let dir = e.p("exports");
    std::fs::create_dir(&dir).unwrap();
    let o = e.run(&[
        "export",
        "--format",
        "otpauth",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let n = &names[0];
    assert!(
        n.starts_with("twofold-otpauth-20")
            && n.ends_with(".txt")
            && n.len() == "twofold-otpauth-20261206.txt".len(),
        "{n}"
    );
    assert_eq!(text(&o.stdout).trim(), dir.join(n).display().to_string());
    let body = std::fs::read_to_string(dir.join(n)).unwrap();
    assert!(body.contains("otpauth://totp/Alpha:al?"), "{body}");
}

/// The app's icon picker and "Import icon pack…": `twofold edit --icon` keeps the choice with the
/// account (Vault::update, twofold_vault::icon), `twofold icons import` keeps an Aegis pack
/// beside the vault (twofold_icons::install) and `icons list --issuer` says what it suggests.
#[test]
fn icons_are_chosen_and_packs_imported_from_the_command_line() {
    let e = Env::new();
    let id = add(&e, "GitHub", "ann");
    let icon = |e: &Env| {
        let o = e.run(&["list", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v[0]["icon"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(icon(&e), "");
    assert!(e.run(&["edit", &id, "--icon", "gitlab"]).status.success());
    assert_eq!(icon(&e), "si:gitlab");
    assert!(e.run(&["edit", &id, "--icon", "initial"]).status.success());
    assert_eq!(icon(&e), "initial");
    let o = e.run(&["edit", &id, "--icon", "si:Not A Slug"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stderr).trim(),
        "twofold: invalid icon: a Simple Icons slug has only a-z, 0-9 and _"
    );
    assert!(e.run(&["edit", &id, "--icon", "auto"]).status.success());
    assert_eq!(icon(&e), "");

    let pack = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../icons/tests/fixtures/aegis-test-pack.zip"
    );
    let o = e.run(&["icons", "import", pack]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).trim(),
        "imported Twofold test icons (2 icons) 5e0d3c1a-7b2f-4d8e-9a61-2c4b8f0e7d13"
    );
    assert!(e
        .p("data/icon-packs/5e0d3c1a-7b2f-4d8e-9a61-2c4b8f0e7d13/0.svg")
        .is_file());
    let o = e.run(&["icons", "list", "--issuer", "Zyxwv Corp"]);
    assert_eq!(
        text(&o.stdout).trim(),
        "pack:5e0d3c1a-7b2f-4d8e-9a61-2c4b8f0e7d13/icons/1_Primary/Zyxwv.svg"
    );
    let o = e.run(&["icons", "import", e.vault().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("not an icon pack: it is not a ZIP file"),
        "{}",
        text(&o.stderr)
    );
}

/// The app's "Enter a key" form and `twofold add --secret` keep the same accounts: one with no
/// name (blank issuer and label) is refused by both (KeyFields::require_name), nothing stored.
#[test]
fn a_typed_in_account_needs_a_name_as_in_the_app() {
    let e = Env::new();
    let o = e.run(&[
        "add",
        "--secret",
        "JBSWY3DPEHPK3PXP",
        "--issuer",
        "",
        "--label",
        " ",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no name"), "{}", text(&o.stderr));
    let o = e.run(&[
        "add",
        "--secret",
        "JBSWY3DPEHPK3PXP",
        "--issuer",
        "",
        "--label",
        "ann",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(labels(&e, &[]), ["ann"]);
}
