//! Property tests ("fuzzing") of every import parser and of format detection (issue #7): on any
//! input no parser panics, a failure is one clear line, and no error text holds a secret (an
//! OTP secret of the input or the password).
//!
//! Inputs: (a) arbitrary bytes and text; (b) the real export files of `fixtures/import/`,
//! damaged by byte flips, truncations and splices, read with their real password (so the
//! decryption paths run); (c) structurally valid JSON exports where one value is replaced by a
//! wrong type or an absurd value (huge numbers, negative numbers, control characters, long
//! strings), including the key derivation parameters of the encrypted formats, which must be
//! refused before any derivation.
//!
//! Case counts keep the whole file to seconds: the encrypted fixtures run a real key derivation
//! (scrypt, PBKDF2, Argon2id at the apps' costs) whenever a damaged file still reaches it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;
use twofold_transfer::{self as transfer, Format, TransferError};

const PASSWORD: &str = "test";

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Plain fixtures: no key derivation, many cases.
const PLAIN: &[&str] = &[
    "aegis_plain.json",
    "2fas_authenticator.json",
    "2fas_authenticator_plain.2fas",
    "2fas_authenticator_plain_v3.2fas",
    "2fas_authenticator_plain_v4.2fas",
    "andotp_plain.json",
    "freeotp_plus.json",
    "bitwarden.json",
    "bitwarden.csv",
    "ente_auth.txt",
    "plain.txt",
    "proton_authenticator.json",
    "stratum_plain.json",
];

/// Encrypted fixtures (password `test`): each intact one runs its app's key derivation.
const ENCRYPTED: &[&str] = &[
    "aegis_encrypted.json",
    "2fas_authenticator_encrypted.2fas",
    "2fas_authenticator_encrypted_v3.2fas",
    "2fas_authenticator_encrypted_v4.2fas",
    "andotp_encrypted.bin",
    "andotp_encrypted_old.bin",
    "stratum_encrypted.bin",
    "generated/ente_auth_encrypted.json",
];

/// Every secret of the fixtures (base32, as `expected.json` lists them).
fn known_secrets() -> Vec<String> {
    let v: Value = serde_json::from_slice(&fixture("expected.json")).unwrap();
    v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["secret"].as_str().unwrap().to_string())
        .collect()
}

/// A Google migration export and a Twofold backup of known accounts, to damage like the rest.
fn generated_inputs() -> Vec<(String, Vec<u8>, Option<&'static str>)> {
    use twofold_otp::KeyUri;
    let uris: Vec<KeyUri> = [
        "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP",
        "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7",
    ]
    .iter()
    .map(|u| KeyUri::parse(u).unwrap())
    .collect();
    let google = twofold_otp::migration::encode(&uris, 1, 0, 99)
        .unwrap()
        .to_string();
    let accounts: Vec<twofold_vault::Account> = uris
        .iter()
        .map(|u| twofold_vault::Account::from_key_uri(u, 0))
        .collect();
    let fast = twofold_vault::KdfParams {
        m_kib: 8192,
        t: 1,
        p: 1,
    };
    let backup = transfer::twofold::seal(&accounts, PASSWORD, fast, 1_700_000_000).unwrap();
    vec![
        (
            "google.txt".into(),
            format!("{google}\n").into_bytes(),
            None,
        ),
        ("backup.twofoldbackup".into(), backup, Some(PASSWORD)),
    ]
}

/// The secrets of [`generated_inputs`].
const GENERATED_SECRETS: &[&str] = &["JBSWY3DPEHPK3PXP", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"];

/// Checks one error: one line, says something, no secret. A secret counts as leaked when any
/// 10 consecutive characters of it appear (a damaged secret quoted in part is still a leak).
fn check_error(
    e: &TransferError,
    secrets: &[String],
    password: Option<&str>,
) -> Result<(), String> {
    let shown = e.to_string();
    let debug = format!("{e:?}");
    if shown.trim().is_empty() {
        return Err(format!("empty error message: {debug}"));
    }
    if shown.contains('\n') || shown.contains('\r') {
        return Err(format!("the message is not one line: {shown:?}"));
    }
    if shown.chars().count() > 600 {
        return Err(format!("the message is not short: {shown:?}"));
    }
    for s in secrets {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(10.min(chars.len())) {
            let w: String = w.iter().collect();
            if shown.contains(&w) || debug.contains(&w) {
                return Err(format!("a secret ({w}…) is in the error: {shown}"));
            }
        }
    }
    if let Some(p) = password {
        // The fuzz password is a long unusual word, so that finding it is never chance.
        if p.len() >= 8 && (shown.contains(p) || debug.contains(p)) {
            return Err(format!("the password is in the error: {shown}"));
        }
    }
    Ok(())
}

/// Runs detection, automatic import and every importer on `data`; checks each error.
fn run_all(data: &[u8], password: Option<&str>, secrets: &[String]) -> Result<(), String> {
    let _ = transfer::detect(data);
    let mut results = vec![transfer::import_bytes(data, None, password)];
    for f in Format::ALL {
        let importer = transfer::importer(f);
        let _ = importer.detect(data);
        let _ = importer.is_encrypted(data);
        results.push(importer.import(data, password));
    }
    for r in results {
        if let Err(e) = r {
            check_error(&e, secrets, password)?;
        }
    }
    Ok(())
}

/// Damage of a file: `kind` 0 flips a byte, 1 truncates, 2 splices in a run of another part of
/// the file (or of another fixture), 3 deletes a run, 4 does a flip and a truncation.
fn damage(data: &[u8], other: &[u8], kind: u8, a: usize, b: usize, byte: u8) -> Vec<u8> {
    let mut d = data.to_vec();
    if d.is_empty() {
        return d;
    }
    let n = d.len();
    match kind % 5 {
        0 => d[a % n] ^= byte.max(1),
        1 => d.truncate(a % n),
        2 => {
            let src = if b.is_multiple_of(2) { data } else { other };
            let start = b % src.len().max(1);
            let run = &src[start..(start + 1 + a % 64).min(src.len())];
            let at = a % (n + 1);
            d.splice(at..at, run.iter().copied());
        }
        3 => {
            let start = a % n;
            let end = (start + 1 + b % 64).min(n);
            d.drain(start..end);
        }
        _ => {
            d[a % n] = byte;
            d.truncate(b % (n + 1));
        }
    }
    d
}

// (a) Arbitrary input.
proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let secrets = known_secrets();
        prop_assert!(run_all(&data, None, &secrets).is_ok());
        let r = run_all(&data, Some("fuzz-password-Zq8"), &secrets);
        prop_assert!(r.is_ok(), "{:?}", r);
    }


    #[test]
    fn arbitrary_text(s in "\\PC{0,400}") {
        let r = run_all(s.as_bytes(), None, &known_secrets());
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn arbitrary_otpauth_lines(lines in proptest::collection::vec("otpauth(-migration)?://[a-zA-Z0-9:/?=&%+._ -]{0,80}", 0..6)) {
        let text = lines.join("\n");
        let r = run_all(text.as_bytes(), None, &known_secrets());
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn json_shaped_text(s in r#"[\[\]{}:,"0-9a-zA-Z_ .+/=\\-]{0,400}"#) {
        let r = run_all(s.as_bytes(), Some("fuzz-password-Zq8"), &known_secrets());
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}

proptest! {
    // Past the binary formats' first checks, with a password: each case may run one key
    // derivation (Stratum's fixed Argon2id, andOTP's PBKDF2, a backup's cheap Argon2id).
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_after_a_magic(
        magic in 0usize..5,
        tail in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        // A Twofold backup header with cheap Argon2id parameters (8 MiB, 1 pass, 1 lane), so
        // the salt, nonce and ciphertext are what varies; and one with any parameters at all.
        let heads: [&[u8]; 5] = [
            b"TWOFOLDB\x01\x00\x01\x00\x20\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00",
            b"TWOFOLDB\x01\x00\x01",
            b"AUTHENTICATORPRO",
            b"\x00\x02\x22\xe0",
            b"otpauth-migration://offline?data=",
        ];
        let mut data = heads[magic].to_vec();
        data.extend_from_slice(&tail);
        let pw = if magic == 1 { None } else { Some("fuzz-password-Zq8") };
        let r = run_all(&data, pw, &known_secrets());
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}

// (b) Damaged real files.
proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn damaged_plain_exports(
        idx in 0usize..PLAIN.len(),
        other in 0usize..PLAIN.len(),
        kind in any::<u8>(),
        a in any::<usize>(),
        b in any::<usize>(),
        byte in any::<u8>(),
    ) {
        let data = damage(&fixture(PLAIN[idx]), &fixture(PLAIN[other]), kind, a, b, byte);
        let r = run_all(&data, None, &known_secrets());
        prop_assert!(r.is_ok(), "{}: {:?}", PLAIN[idx], r);
    }
}

proptest! {
    // Each case may run up to three key derivations of the apps' real costs.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn damaged_encrypted_exports(
        idx in 0usize..ENCRYPTED.len() + 2,
        kind in any::<u8>(),
        a in any::<usize>(),
        b in any::<usize>(),
        byte in any::<u8>(),
    ) {
        let mut secrets = known_secrets();
        secrets.extend(GENERATED_SECRETS.iter().map(|s| s.to_string()));
        let (name, data, pw) = if idx < ENCRYPTED.len() {
            (ENCRYPTED[idx].to_string(), fixture(ENCRYPTED[idx]), Some(PASSWORD))
        } else {
            generated_inputs().swap_remove(idx - ENCRYPTED.len())
        };
        let damaged = damage(&data, &data, kind, a, b, byte);
        let format = transfer::detect(&data).unwrap();
        // The right importer with the right password: the decryption paths run.
        let started = Instant::now();
        let r = transfer::importer(format).import(&damaged, pw);
        prop_assert!(started.elapsed() < Duration::from_secs(20), "{name}: too slow");
        if let Err(e) = &r {
            let c = check_error(e, &secrets, pw);
            prop_assert!(c.is_ok(), "{name}: {:?}", c);
        }
        // Detection and the other importers without a password (no derivation).
        let c = run_all(&damaged, None, &secrets);
        prop_assert!(c.is_ok(), "{name}: {:?}", c);
    }
}

// (c) Valid JSON, wrong values.

/// A value of the wrong type or an absurd one.
fn absurd() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0u64..20).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(f64::MAX),
            Just(-1.5),
            Just(1e300),
            Just(0.5),
            Just(4294967296.0)
        ]
        .prop_map(|f| serde_json::json!(f)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!("18446744073709551616")),
        Just(serde_json::json!("-1")),
        Just(serde_json::json!("")),
        Just(serde_json::json!("line one\nline two\r\u{0}\u{1b}[31m")),
        Just(serde_json::json!("a".repeat(5000))),
        "\\PC{0,40}".prop_map(Value::String),
        "[A-Z2-7]{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-z]{1,6}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// JSON pointers of every value in `v`.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(x, format!("{here}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The JSON exports, plain and encrypted; the Aegis encrypted one and Ente's keep their key
/// derivation parameters in the JSON, so replacing those is covered here.
const JSON_FIXTURES: &[&str] = &[
    "aegis_plain.json",
    "aegis_encrypted.json",
    "2fas_authenticator_plain_v4.2fas",
    "2fas_authenticator_encrypted_v4.2fas",
    "2fas_authenticator_plain.2fas",
    "andotp_plain.json",
    "freeotp_plus.json",
    "bitwarden.json",
    "proton_authenticator.json",
    "stratum_plain.json",
    "generated/ente_auth_encrypted.json",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn valid_json_with_wrong_values(
        idx in 0usize..JSON_FIXTURES.len(),
        which in any::<usize>(),
        count in 1usize..3,
        replacement in absurd(),
        with_password in any::<bool>(),
    ) {
        let name = JSON_FIXTURES[idx];
        let mut v: Value = serde_json::from_slice(&fixture(name)).unwrap();
        let mut ps = Vec::new();
        pointers(&v, String::new(), &mut ps);
        for k in 0..count {
            let p = &ps[(which.wrapping_add(k * 7919)) % ps.len()];
            if p.is_empty() {
                v = replacement.clone();
            } else if let Some(slot) = v.pointer_mut(p) {
                *slot = replacement.clone();
            }
        }
        let data = serde_json::to_vec(&v).unwrap();
        let format = transfer::detect(&fixture(name)).unwrap();
        // With the password an intact encrypted file derives its key; a replaced derivation
        // parameter must be refused before the derivation, or cost what the bounds allow.
        let pw = with_password.then_some(PASSWORD);
        let started = Instant::now();
        let r = transfer::importer(format).import(&data, pw);
        prop_assert!(started.elapsed() < Duration::from_secs(20), "{name}: too slow");
        if let Err(e) = &r {
            let c = check_error(e, &known_secrets(), pw);
            prop_assert!(c.is_ok(), "{name}: {:?}", c);
        }
        let c = run_all(&data, None, &known_secrets());
        prop_assert!(c.is_ok(), "{name}: {:?}", c);
    }
}

/// The secret of the input is never quoted back, whatever field it lands in.
#[test]
fn a_secret_in_any_field_is_never_quoted() {
    let secret = "ZZQQ4SECRETSECRETZZQQ";
    let secrets = vec![secret.to_string()];
    for name in JSON_FIXTURES {
        let v: Value = serde_json::from_slice(&fixture(name)).unwrap();
        let mut ps = Vec::new();
        pointers(&v, String::new(), &mut ps);
        for p in ps.iter().filter(|p| !p.is_empty()) {
            let mut w = v.clone();
            *w.pointer_mut(p).unwrap() = Value::String(format!("{secret}!"));
            let data = serde_json::to_vec(&w).unwrap();
            let format = transfer::detect(&fixture(name)).unwrap();
            if let Err(e) = transfer::importer(format).import(&data, None) {
                check_error(&e, &secrets, None).unwrap_or_else(|m| panic!("{name} {p}: {m}"));
            }
        }
    }
}

/// Key derivation parameters far beyond any app's are refused before any derivation, quickly
/// and with a message that names them.
#[test]
fn absurd_kdf_parameters_are_refused_before_deriving() {
    let cases: &[(&str, &str, Value)] = &[
        (
            "aegis_encrypted.json",
            "/header/slots/0/n",
            serde_json::json!(1u64 << 40),
        ),
        (
            "aegis_encrypted.json",
            "/header/slots/0/n",
            serde_json::json!(3),
        ),
        (
            "aegis_encrypted.json",
            "/header/slots/0/r",
            serde_json::json!(1_000_000),
        ),
        (
            "aegis_encrypted.json",
            "/header/slots/0/p",
            serde_json::json!(u32::MAX),
        ),
        // Within each bound alone, but 1 GiB x 16 lanes of work together.
        (
            "aegis_encrypted.json",
            "/header/slots/0/p",
            serde_json::json!(16),
        ),
        (
            "generated/ente_auth_encrypted.json",
            "/kdfParams/memLimit",
            serde_json::json!(u64::MAX),
        ),
        (
            "generated/ente_auth_encrypted.json",
            "/kdfParams/opsLimit",
            serde_json::json!(1_000_000),
        ),
        (
            "generated/ente_auth_encrypted.json",
            "/kdfParams/opsLimit",
            serde_json::json!(0),
        ),
    ];
    for (name, pointer, value) in cases {
        let mut v: Value = serde_json::from_slice(&fixture(name)).unwrap();
        if *pointer == "/header/slots/0/p" && value == &serde_json::json!(16) {
            *v.pointer_mut("/header/slots/0/n").unwrap() = serde_json::json!(1 << 20);
        }
        *v.pointer_mut(pointer).unwrap() = value.clone();
        let data = serde_json::to_vec(&v).unwrap();
        let format = transfer::detect(&data).unwrap();
        let started = Instant::now();
        let e = transfer::importer(format)
            .import(&data, Some(PASSWORD))
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{name} {pointer}: derived before refusing ({:?})",
            started.elapsed()
        );
        assert!(
            matches!(e, TransferError::Corrupt { .. }),
            "{name} {pointer}: {e}"
        );
        check_error(&e, &known_secrets(), Some(PASSWORD)).unwrap();
    }
    // The binary formats: a Twofold backup with absurd Argon2id parameters in its header.
    let mut backup = generated_inputs().swap_remove(1).1;
    backup[11..15].copy_from_slice(&u32::MAX.to_le_bytes());
    let started = Instant::now();
    let e = transfer::importer(Format::Twofold)
        .import(&backup, Some(PASSWORD))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(e.to_string().contains("Argon2id"), "{e}");
}
