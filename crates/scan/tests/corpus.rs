//! Every image of the development corpus (`tests/corpus/`, a copy of the shared QR corpus made
//! by its `gen.py`), one test per category: the otpauth payloads found must be exactly the
//! expected ones (multi-code images need all of them, negatives none), and the non-otpauth
//! codes must be reported as `PayloadKind::Other`.
//!
//! The images tagged `hard` (`hNN_*`: small and blurred codes made by the same generator with
//! its `hard` profile and seeds 11 and 12, see `tests/corpus/README.md`) are harder than any
//! decoder reads in full: each one read must hold exactly the expected payload, none may hold
//! another otpauth payload, and at least [`HARD_FLOOR`] of each category must be read (what the
//! scanner reads now; raise it when it reads more).

use std::collections::BTreeSet;
use std::path::PathBuf;

use twofold_scan::{scan_file, Limits, PayloadKind};

/// Hard images of a category that must be read (of 48 each).
const HARD_FLOOR: &[(&str, usize)] = &[("small", 39), ("blur", 38)];

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

fn check_category(category: &str) {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus().join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let (mut n, mut hard, mut hard_read) = (0, 0, 0);
    for (file, e) in expected.as_object().unwrap() {
        if e["category"] != category {
            continue;
        }
        let is_hard = e["tags"].as_array().unwrap().iter().any(|t| t == "hard");
        if is_hard {
            hard += 1;
        } else {
            n += 1;
        }
        let want: BTreeSet<Vec<u8>> = e["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().as_bytes().to_vec())
            .collect();
        let others: BTreeSet<Vec<u8>> = e["other_payloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().as_bytes().to_vec())
            .collect();
        let codes = match scan_file(corpus().join("images").join(file), &limits()) {
            Ok(c) => c,
            Err(err) => {
                failures.push(format!("{file}: error {err}"));
                continue;
            }
        };
        let got: BTreeSet<Vec<u8>> = codes
            .iter()
            .filter(|c| c.kind.is_otp())
            .map(|c| c.bytes.clone())
            .collect();
        if is_hard {
            // Read exactly, or not at all: never a payload that is not in the image.
            assert!(
                got.is_subset(&want),
                "{file}: an otpauth payload that is not in the image"
            );
            hard_read += usize::from(got == want);
        } else if got != want {
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
        for c in codes.iter().filter(|c| c.kind == PayloadKind::Other) {
            assert!(
                others.contains(&c.bytes),
                "{file}: a non-otpauth code that is not in the image: {:?}",
                c.text
            );
        }
    }
    assert!(n > 0, "no images of category {category}");
    if let Some(&(_, floor)) = HARD_FLOOR.iter().find(|(c, _)| *c == category) {
        assert!(
            hard_read >= floor,
            "{category}: {hard_read} of {hard} hard images read (at least {floor} expected)"
        );
    } else {
        assert_eq!(
            hard, 0,
            "hard images of category {category} without a floor"
        );
    }
    // Every image of every category must be read.
    let allowed = 0;
    assert!(
        failures.len() <= allowed,
        "{category}: {} of {n} images failed (allowed {allowed}):\n{}",
        failures.len(),
        failures.join("\n")
    );
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
