//! Property tests: URI round trips, migration round trips, and verification windows.

use proptest::prelude::*;
use twofold_otp::verify::verify_totp;
use twofold_otp::{migration, Algorithm, KeyUri, Kind, OtpParams, Secret};

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

/// Names as people write them: any printable text, including `+ # % & = ? / @` and non-ASCII,
/// without leading/trailing spaces (they are trimmed) and without ':' in the issuer.
fn name(allow_colon: bool) -> impl Strategy<Value = String> {
    let re = if allow_colon {
        "[A-Za-z0-9 +#%&=?/@.:_~é漢-]{1,24}"
    } else {
        "[A-Za-z0-9 +#%&=?/@._~é漢-]{1,24}"
    };
    re.prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty", |s| !s.is_empty())
}

prop_compose! {
    fn key_uri()(
        kind in prop_oneof![Just(Kind::Totp), Just(Kind::Hotp), Just(Kind::Steam)],
        secret in proptest::collection::vec(any::<u8>(), 1..64),
        issuer in proptest::option::of(name(false)),
        account in name(true),
        algorithm in algorithm(),
        digits in 6u32..=10,
        period in 1u64..=600,
        counter in any::<u64>(),
        extra in proptest::collection::vec(("(image|color|icon|x-[a-z]{1,5})", "[ -~]{0,20}"), 0..3),
    ) -> KeyUri {
        // Without an issuer, a ':' in the account would read as the issuer separator (the Key
        // URI format has no escape for it), so such accounts only come with an issuer.
        let account = if issuer.is_none() { account.replace(':', "_") } else { account };
        let mut k = KeyUri::new(kind, Secret::from_bytes(secret), issuer, account);
        if kind != Kind::Steam {
            k.algorithm = algorithm;
            k.digits = digits;
        }
        if kind == Kind::Hotp { k.counter = counter; }
        if kind != Kind::Hotp { k.period = period; }
        k.extra = extra;
        k
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn uri_round_trip(k in key_uri()) {
        let text = k.to_uri();
        let back = KeyUri::parse(&text).unwrap();
        prop_assert_eq!(back.issuer(), k.issuer());
        prop_assert_eq!(&back.account, &k.account);
        prop_assert_eq!(&back.secret, &k.secret);
        prop_assert_eq!(back.params(), k.params());
        prop_assert_eq!(&back.extra, &k.extra);
        // Formatting is canonical: a second round gives the same text.
        prop_assert_eq!(back.to_uri(), text);
    }

    #[test]
    fn migration_round_trip(mut ks in proptest::collection::vec(key_uri(), 1..6)) {
        for k in &mut ks {
            if k.kind == Kind::Steam { k.kind = Kind::Totp; }
            k.digits = if k.digits % 2 == 0 { 6 } else { 8 };
            k.period = 30;
            if k.kind == Kind::Totp { k.counter = 0; }
            k.counter = k.counter.min(i64::MAX as u64);
            k.extra.clear();
        }
        let uri = migration::encode(&ks, 3, 1, 77).unwrap();
        let batch = migration::decode(&uri).unwrap();
        prop_assert_eq!((batch.batch_size, batch.batch_index, batch.batch_id), (3, 1, 77));
        prop_assert_eq!(batch.accounts.len(), ks.len());
        for (a, b) in batch.accounts.iter().zip(&ks) {
            prop_assert_eq!(a.issuer(), b.issuer());
            prop_assert_eq!(&a.account, &b.account);
            prop_assert_eq!(&a.secret, &b.secret);
            prop_assert_eq!(a.params(), b.params());
        }
    }

    /// With 10 digits the whole 31-bit value is compared, so chance collisions are negligible:
    /// a code verifies exactly when its step lies within the tolerance, and the step is returned.
    #[test]
    fn verification_window(
        secret in proptest::collection::vec(any::<u8>(), 10..40),
        time in 1_000_000u64..4_000_000_000,
        tolerance in 0u64..4,
        delta in -6i64..=6,
        period in 1u64..=120,
        algorithm in algorithm(),
    ) {
        let s = Secret::from_bytes(secret);
        let p = OtpParams { algorithm, digits: 10, period, ..OtpParams::totp() };
        let now = time / period;
        let step = (now as i64 + delta) as u64;
        let code = p.code_for_counter(&s, step);
        let got = verify_totp(&s, &p, &code, time, tolerance).unwrap();
        if delta.unsigned_abs() <= tolerance {
            prop_assert_eq!(got, Some(step));
        } else {
            prop_assert_eq!(got, None);
        }
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,200}") {
        let _ = KeyUri::parse(&s);
        let _ = KeyUri::parse(&format!("otpauth://totp/{s}"));
        let _ = KeyUri::parse(&format!("otpauth://totp/x?secret={s}"));
        let _ = migration::decode(&format!("otpauth-migration://offline?data={s}"));
    }

    #[test]
    fn migration_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = migration::decode_payload(&b);
    }
}
