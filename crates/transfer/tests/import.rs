//! Every importer against the real export files in `fixtures/import/` (from the Aegis project's
//! importer test resources; see its README.md) and the accounts listed in `expected.json`.
//! Each test names where its format is documented.

use std::path::PathBuf;

use serde_json::Value;
use twofold_otp::{Algorithm, Kind, Secret};
use twofold_transfer::{self as transfer, Format, TransferError};
use twofold_vault::Account;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Expected {
    kind: Kind,
    secret: Secret,
    algorithm: Algorithm,
    digits: u32,
    period: u64,
    counter: u64,
    label: String,
    issuer: String,
}

fn expected() -> Vec<Expected> {
    let v: Value = serde_json::from_slice(&fixture("expected.json")).unwrap();
    v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Expected {
            kind: match a["kind"].as_str().unwrap() {
                "totp" => Kind::Totp,
                "hotp" => Kind::Hotp,
                _ => Kind::Steam,
            },
            secret: Secret::from_base32(a["secret"].as_str().unwrap()).unwrap(),
            algorithm: a["algorithm"].as_str().unwrap().parse().unwrap(),
            digits: a["digits"].as_u64().unwrap() as u32,
            period: a["period"].as_u64().unwrap_or(30),
            counter: a["counter"].as_u64().unwrap_or(0),
            label: a["label"].as_str().unwrap().into(),
            issuer: a["issuer"].as_str().unwrap().into(),
        })
        .collect()
}

/// Quirks applied to the expectation of one file.
#[derive(Default, Clone, Copy)]
struct Quirks {
    /// 2FAS schema 2: HOTP comes back as TOTP with the default period.
    totp_only: bool,
    /// 2FAS schema 1: only names and secrets are carried.
    names_only: bool,
    /// Bitwarden's Steam item: only the secret and the kind are known.
    steam_secret_only: bool,
}

/// Each imported account equals its expected entry (matched by secret); returns how many.
fn check(accounts: &[Account], q: Quirks) -> usize {
    let exp = expected();
    for a in accounts {
        let e = exp
            .iter()
            .find(|e| e.secret == a.secret)
            .unwrap_or_else(|| panic!("unexpected account {}", a.display_name()));
        let name = a.display_name();
        if q.steam_secret_only && e.kind == Kind::Steam {
            assert_eq!(a.kind, Kind::Steam, "{name}");
            continue;
        }
        assert_eq!(a.issuer, e.issuer, "{name}");
        assert_eq!(a.label, e.label, "{name}");
        if q.names_only {
            continue;
        }
        assert_eq!(a.algorithm, e.algorithm, "{name}");
        assert_eq!(a.digits, e.digits, "{name}");
        if q.totp_only && e.kind == Kind::Hotp {
            assert_eq!((a.kind, a.period), (Kind::Totp, 30), "{name}");
            continue;
        }
        assert_eq!(a.kind, e.kind, "{name}");
        if e.kind == Kind::Hotp {
            assert_eq!(a.counter, e.counter, "{name}");
        } else {
            assert_eq!(a.period, e.period, "{name}");
        }
    }
    accounts.len()
}

fn import(name: &str, password: Option<&str>) -> transfer::Imported {
    let data = fixture(name);
    transfer::import_bytes(&data, None, password).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_wrong_password(name: &str) {
    let data = fixture(name);
    let e = transfer::import_bytes(&data, None, Some("not the password")).unwrap_err();
    assert!(
        matches!(e, TransferError::WrongPassword { .. }),
        "{name}: {e}"
    );
    let e = transfer::import_bytes(&data, None, None).unwrap_err();
    assert!(
        matches!(e, TransferError::PasswordRequired { .. }),
        "{name}: {e}"
    );
}

// Aegis: github.com/beemdevelopment/Aegis docs/vault.md and docs/decrypt.py.
#[test]
fn aegis_plain_and_encrypted() {
    let p = import("aegis_plain.json", None);
    assert_eq!(p.format, Format::Aegis);
    assert_eq!(check(&p.accounts, Quirks::default()), 7);
    let e = import("aegis_encrypted.json", Some("test"));
    assert!(e.encrypted);
    assert_eq!(check(&e.accounts, Quirks::default()), 7);
    assert_wrong_password("aegis_encrypted.json");
}

// 2FAS: github.com/twofas/2fas-android (backup BackupDto/ServiceDto); Aegis TwoFASImporter.
#[test]
fn twofas_all_schemas() {
    let s1 = import("2fas_authenticator.json", None);
    assert_eq!(s1.format, Format::TwoFas);
    let q1 = Quirks {
        names_only: true,
        ..Default::default()
    };
    assert_eq!(check(&s1.accounts, q1), 6);
    let q2 = Quirks {
        totp_only: true,
        ..Default::default()
    };
    assert_eq!(
        check(&import("2fas_authenticator_plain.2fas", None).accounts, q2),
        4
    );
    assert_eq!(
        check(
            &import("2fas_authenticator_encrypted.2fas", Some("test")).accounts,
            q2
        ),
        4
    );
    for f in [
        "2fas_authenticator_plain_v3.2fas",
        "2fas_authenticator_plain_v4.2fas",
    ] {
        let n = check(&import(f, None).accounts, Quirks::default());
        assert!(n >= 5, "{f}: {n}");
    }
    for f in [
        "2fas_authenticator_encrypted_v3.2fas",
        "2fas_authenticator_encrypted_v4.2fas",
    ] {
        let i = import(f, Some("test"));
        assert!(i.encrypted);
        assert!(check(&i.accounts, Quirks::default()) >= 5, "{f}");
        assert_wrong_password(f);
    }
    assert_wrong_password("2fas_authenticator_encrypted.2fas");
}

// andOTP: github.com/andOTP/andOTP Utilities/EncryptionHelper.java; Aegis AndOtpImporter.
#[test]
fn andotp_plain_new_and_old_encryption() {
    let p = import("andotp_plain.json", None);
    assert_eq!(p.format, Format::AndOtp);
    assert_eq!(check(&p.accounts, Quirks::default()), 7);
    // The old format predates Steam support: 6 accounts.
    for (f, n) in [("andotp_encrypted.bin", 7), ("andotp_encrypted_old.bin", 6)] {
        let e = import(f, Some("test"));
        assert_eq!(e.format, Format::AndOtp);
        assert_eq!(check(&e.accounts, Quirks::default()), n, "{f}");
        assert_wrong_password(f);
    }
}

// FreeOTP+: github.com/helloworld1/FreeOTPPlus token-data; Aegis FreeOtpPlusImporter.
#[test]
fn freeotp_plus_json_counter_quirk() {
    let p = import("freeotp_plus.json", None);
    assert_eq!(p.format, Format::FreeOtpPlus);
    assert_eq!(check(&p.accounts, Quirks::default()), 6);
}

// Bitwarden: bitwarden.com/help/condition-bitwarden-import/; Aegis BitwardenImporter.
#[test]
fn bitwarden_json_and_csv() {
    let q = Quirks {
        steam_secret_only: true,
        ..Default::default()
    };
    let j = import("bitwarden.json", None);
    assert_eq!(j.format, Format::Bitwarden);
    assert_eq!(check(&j.accounts, q), 4);
    let c = import("bitwarden.csv", None);
    assert_eq!(c.format, Format::BitwardenCsv);
    assert_eq!(check(&c.accounts, q), 4);
    let steam = j.accounts.iter().find(|a| a.kind == Kind::Steam).unwrap();
    assert_eq!(steam.issuer, "Test Steam");
}

// Ente Auth: github.com/ente-io/ente docs/docs/auth/migration/export.md.
#[test]
fn ente_plain_and_encrypted() {
    let p = import("ente_auth.txt", None);
    assert_eq!(p.format, Format::Ente);
    assert_eq!(check(&p.accounts, Quirks::default()), 7);
    assert!(
        p.accounts.iter().all(|a| a.extra.is_empty()),
        "codeDisplay is consumed"
    );
    // Generated with libsodium from Ente's published scheme: generated/make_ente_encrypted.py.
    let e = import("generated/ente_auth_encrypted.json", Some("test"));
    assert_eq!(e.format, Format::EnteEncrypted);
    assert_eq!(check(&e.accounts, Quirks::default()), 7);
    assert_wrong_password("generated/ente_auth_encrypted.json");
}

// Key Uri Format: github.com/google/google-authenticator/wiki/Key-Uri-Format.
#[test]
fn plain_otpauth_list() {
    let p = import("plain.txt", None);
    assert_eq!(p.format, Format::OtpauthList);
    assert_eq!(check(&p.accounts, Quirks::default()), 7);
    assert!(p.accounts.iter().any(|a| a.issuer == "Air Canada"));
}

// Proton Authenticator: Aegis ProtonAuthenticatorImporter and its test file.
#[test]
fn proton() {
    let p = import("proton_authenticator.json", None);
    assert_eq!(p.format, Format::Proton);
    assert_eq!(check(&p.accounts, Quirks::default()), 3);
}

// Stratum / Authenticator Pro: github.com/stratumauth/app Backup.cs; Aegis StratumImporter.
#[test]
fn stratum_plain_and_encrypted() {
    let p = import("stratum_plain.json", None);
    assert_eq!(p.format, Format::Stratum);
    assert_eq!(check(&p.accounts, Quirks::default()), 7);
    let e = import("stratum_encrypted.bin", Some("test"));
    assert_eq!(check(&e.accounts, Quirks::default()), 7);
    assert_wrong_password("stratum_encrypted.bin");
}

/// Truncating any fixture anywhere gives an error (never a panic, never a partial import);
/// for the JSON formats the error names a line and column.
#[test]
fn truncated_files_fail_and_say_where() {
    for (f, pw) in [
        ("aegis_plain.json", None),
        ("aegis_encrypted.json", Some("test")),
        ("2fas_authenticator_plain_v4.2fas", None),
        ("2fas_authenticator_encrypted_v4.2fas", Some("test")),
        ("andotp_plain.json", None),
        ("freeotp_plus.json", None),
        ("bitwarden.json", None),
        ("proton_authenticator.json", None),
    ] {
        let data = fixture(f);
        let format = transfer::detect(&data).unwrap();
        let cut = &data[..data.len() * 2 / 3];
        assert_eq!(
            transfer::detect(cut),
            Some(format),
            "{f}: a truncated file is still recognised"
        );
        let e = transfer::import_bytes(cut, None, pw).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, TransferError::Corrupt { .. }), "{f}: {msg}");
        assert!(
            msg.contains("line ") && msg.contains("nothing was imported"),
            "{f}: {msg}"
        );
    }
    for (f, pw) in [
        ("andotp_encrypted.bin", "test"),
        ("stratum_encrypted.bin", "test"),
    ] {
        let data = fixture(f);
        let format = transfer::detect(&data).unwrap();
        assert!(
            transfer::import_bytes(&data[..data.len() - 5], Some(format), Some(pw)).is_err(),
            "{f}"
        );
        assert!(
            transfer::import_bytes(&data[..10], Some(format), Some(pw)).is_err(),
            "{f}"
        );
    }
}

#[test]
fn damaged_entry_is_named() {
    let data = String::from_utf8(fixture("aegis_plain.json")).unwrap();
    let bad = data.replacen(
        "\"7ELGJSGXNCCTV3O6LKJWYFV2RA\"",
        "\"7ELGJSGX!CCTV3O6LKJWYFV2RA\"",
        1,
    );
    let e = transfer::import_bytes(bad.as_bytes(), None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("db.entries[2].info.secret"), "{e}");
    assert!(!e.contains("7ELGJSGX"), "no secret in errors: {e}");
    let plain = String::from_utf8(fixture("plain.txt"))
        .unwrap()
        .replace("digits=8&counter=10300", "digits=3&counter=10300");
    let e = transfer::import_bytes(plain.as_bytes(), None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 6"), "{e}");
}

#[test]
fn unknown_content_is_reported() {
    let e = transfer::import_bytes(b"hello world", None, None).unwrap_err();
    assert!(matches!(e, TransferError::UnknownFormat(_)), "{e}");
    // Neutral: the library names the way out (the format), the CLI its flag.
    assert!(
        e.to_string().contains("name its format (one of: twofold,"),
        "{e}"
    );
    assert!(!e.to_string().contains("--"), "{e}");
}

/// The real encrypted Aegis fixture with its one password slot copied `copies` times (and the
/// scrypt cost of each set to `log_n`, when given).
fn aegis_with_slots(copies: usize, log_n: Option<u32>) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&fixture("aegis_encrypted.json")).unwrap();
    let slots = v["header"]["slots"].as_array().unwrap().clone();
    let mut pw = slots
        .iter()
        .find(|s| s["type"] == 1)
        .expect("a password slot")
        .clone();
    if let Some(l) = log_n {
        pw["n"] = Value::from(1u64 << l);
    }
    v["header"]["slots"] = Value::Array(vec![pw; copies]);
    serde_json::to_vec(&v).unwrap()
}

/// Fails before: every slot was tried, one scrypt run each, so a file with thousands of slots
/// kept an import busy for hours (here 9 slots were all tried, and a wrong password reported).
#[test]
fn aegis_slots_and_their_total_scrypt_work_are_bounded_before_any_derivation() {
    let imp = transfer::importer(Format::Aegis);
    let many = aegis_with_slots(4000, None);
    assert!(many.len() > 1_000_000);
    let e = imp.import(&many, Some("wrong password")).unwrap_err();
    assert!(matches!(e, TransferError::TooMuchWork { .. }), "{e}");
    assert!(e.to_string().contains("4000 password slots"), "{e}");
    let e = imp
        .import(&aegis_with_slots(9, None), Some("test"))
        .unwrap_err();
    assert!(matches!(e, TransferError::TooMuchWork { .. }), "{e}");
    // Five slots of 1 GiB each: within the slot count, over the work budget.
    let e = imp
        .import(&aegis_with_slots(5, Some(20)), Some("test"))
        .unwrap_err();
    assert!(e.to_string().contains("MiB of scrypt work"), "{e}");
    // Refused before the password is even asked for.
    let e = imp.import(&many, None).unwrap_err();
    assert!(matches!(e, TransferError::TooMuchWork { .. }), "{e}");
    // A real export with its one slot still imports.
    assert_eq!(
        imp.import(&fixture("aegis_encrypted.json"), Some("test"))
            .unwrap()
            .accounts
            .len(),
        7
    );
}
