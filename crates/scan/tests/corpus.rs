//! Every image of the development corpus (`tests/corpus/`, a copy of the shared QR corpus made
//! by its `gen.py`), one test per category: the otpauth payloads found must be exactly the
//! expected ones (multi-code images need all of them, negatives none), and the non-otpauth
//! codes must be reported as `PayloadKind::Other`.
//!
//! The images tagged `hard` (`hNN_*`: small and blurred codes made by the same generator with
//! its `hard` profile and seeds 11 and 12, see `tests/corpus/README.md`) lie where at least one
//! decoder still reads nearly every image: each one read must hold exactly the expected payload,
//! none may hold another otpauth payload, and at least [`HARD_FLOOR`] of each category must be
//! read (what the scanner reads now; raise it when it reads more).
//!
//! The *stress* set (`tests/stress/`, `sNN_*`: the generator's `stress` profile, seed 21, plus
//! the five hard images that no decoder read, tag `unread_by_all`) lies beyond that, where most
//! images hold too little for any decoder: the same rules, with [`STRESS_FLOOR`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use twofold_scan::{scan_file, Limits, PayloadKind};

/// Hard images of a category that must be read (of 48 small and 43 blurred: every one).
const HARD_FLOOR: &[(&str, usize)] = &[("small", 48), ("blur", 43)];

/// Stress images of a category that must be read (of 24 small and 29 blurred).
const STRESS_FLOOR: &[(&str, usize)] = &[("small", 9), ("blur", 5)];

/// No time budget in tests: what is read must not depend on the machine's speed or load.
fn limits() -> Limits {
    Limits {
        time_budget: std::time::Duration::from_secs(3600),
        ..Limits::default()
    }
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn stress() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stress")
}

/// The otpauth payloads of `codes`, after checking that each non-otpauth one is in the image.
fn otp_payloads(
    file: &str,
    codes: &[twofold_scan::Code],
    e: &serde_json::Value,
) -> BTreeSet<Vec<u8>> {
    let others = payload_set(&e["other_payloads"]);
    for c in codes.iter().filter(|c| c.kind == PayloadKind::Other) {
        assert!(
            others.contains(&c.bytes),
            "{file}: a non-otpauth code that is not in the image: {:?}",
            c.text
        );
    }
    codes
        .iter()
        .filter(|c| c.kind.is_otp())
        .map(|c| c.bytes.clone())
        .collect()
}

fn payload_set(v: &serde_json::Value) -> BTreeSet<Vec<u8>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().as_bytes().to_vec())
        .collect()
}

/// Generated images where not every image can be read: each read exactly or not at all, never
/// a payload that is not in the image, and at least `floor` of the category read.
fn check_floor(dir: PathBuf, tag: &str, category: &str, floor: usize) -> (usize, usize) {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let (mut n, mut read) = (0, 0);
    for (file, e) in expected.as_object().unwrap() {
        let tagged = e["tags"].as_array().unwrap().iter().any(|t| t == tag);
        if e["category"] != category || !tagged {
            continue;
        }
        n += 1;
        let codes = scan_file(dir.join("images").join(file), &limits())
            .unwrap_or_else(|err| panic!("{file}: error {err}"));
        let got = otp_payloads(file, &codes, e);
        let want = payload_set(&e["payloads"]);
        assert!(
            got.is_subset(&want),
            "{file}: an otpauth payload that is not in the image"
        );
        read += usize::from(got == want);
    }
    assert!(n > 0, "no {tag} images of category {category}");
    assert!(
        read >= floor,
        "{category}: {read} of {n} {tag} images read (at least {floor} expected)"
    );
    (read, n)
}

fn check_category(category: &str) {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus().join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let (mut n, mut hard) = (0, 0);
    for (file, e) in expected.as_object().unwrap() {
        if e["category"] != category {
            continue;
        }
        if e["tags"].as_array().unwrap().iter().any(|t| t == "hard") {
            hard += 1;
            continue;
        }
        n += 1;
        let want = payload_set(&e["payloads"]);
        let codes = match scan_file(corpus().join("images").join(file), &limits()) {
            Ok(c) => c,
            Err(err) => {
                failures.push(format!("{file}: error {err}"));
                continue;
            }
        };
        let got = otp_payloads(file, &codes, e);
        if got != want {
            let show = |s: &BTreeSet<Vec<u8>>| {
                s.iter()
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(60)]).into_owned())
                    .collect::<Vec<_>>()
            };
            failures.push(format!(
                "{file}: missing {:?}, unexpected {:?}",
                show(&want.difference(&got).cloned().collect()),
                show(&got.difference(&want).cloned().collect())
            ));
        }
    }
    assert!(n > 0, "no images of category {category}");
    match HARD_FLOOR.iter().find(|(c, _)| *c == category) {
        Some(&(_, floor)) => {
            let (_, m) = check_floor(corpus(), "hard", category, floor);
            assert_eq!(m, hard);
        }
        None => assert_eq!(
            hard, 0,
            "hard images of category {category} without a floor"
        ),
    }
    // Every image of every category must be read.
    assert!(
        failures.is_empty(),
        "{category}: {} of {n} images failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The stress set: beyond what decoders read in full (see the module docs).
#[test]
fn stress_small() {
    let floor = STRESS_FLOOR.iter().find(|(c, _)| *c == "small").unwrap().1;
    check_floor(stress(), "stress", "small", floor);
}

#[test]
fn stress_blur() {
    let floor = STRESS_FLOOR.iter().find(|(c, _)| *c == "blur").unwrap().1;
    check_floor(stress(), "stress", "blur", floor);
}

macro_rules! categories {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { check_category(stringify!($name)); })*
    };
}

categories!(
    clean,
    screenshot,
    small,
    rotated,
    perspective,
    blur,
    jpeg,
    lowcontrast,
    inverted,
    noisy,
    multi,
    logo,
    neg_noqr,
    neg_nonotp,
);

/// Reading order: in multi-code images the expected payloads are listed by the generator in
/// the order it placed the codes; the scanner must return the otpauth ones in that order.
#[test]
fn multi_reading_order() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus().join("expected.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (file, e) in expected.as_object().unwrap() {
        if e["category"] != "multi" || e["payloads"].as_array().unwrap().len() < 2 {
            continue;
        }
        let want: Vec<&str> = e["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let codes = scan_file(corpus().join("images").join(file), &limits()).unwrap();
        let got: Vec<&str> = codes
            .iter()
            .filter(|c| c.kind.is_otp())
            .filter_map(|c| c.text.as_deref())
            .collect();
        if got.len() == want.len() {
            checked += 1;
            assert_eq!(got, want, "{file}: reading order");
        }
    }
    assert!(checked > 0);
}
