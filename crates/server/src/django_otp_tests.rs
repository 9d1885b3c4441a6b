//! The django-otp rules on an injected time (milliseconds passed in), each citing its upstream
//! rule. Tokens: RFC 4226's key `12345678901234567890`, as `django_otp/oath.py`'s doctests use it
//! (step 0: 755224, step 1: 287082, step 2: 359152).

use super::*;
use twofold_otp::{OtpParams, Secret};

fn key() -> Secret {
    Secret::from_bytes(b"12345678901234567890".to_vec())
}

fn params() -> OtpParams {
    OtpParams::totp()
}

fn code_at_step(t: u64) -> String {
    params().code_for_counter(&key(), t).to_string()
}

/// Milliseconds at the middle of step `t`.
fn at_step(t: u64) -> u64 {
    t * 30_000 + 15_000
}

#[test]
fn oath_doctest_tokens() {
    // django_otp/oath.py, TOTP docstring: totp.time = 30 -> token 287082.
    assert_eq!(code_at_step(0), "755224");
    assert_eq!(code_at_step(1), "287082");
    assert_eq!(code_at_step(2), "359152");
}

/// django_otp/models.py, ThrottlingMixin.verify_is_allowed: delay_required = factor × 2^(n−1)
/// after n consecutive failures (1, 2, 4, 8 … s with OTP_TOTP_THROTTLE_FACTOR = 1); a refused
/// attempt is not counted (TOTPDevice.verify_token returns before throttle_increment), and a
/// correct code is refused too while throttled.
#[test]
fn throttling_backoff_doubles_and_refusals_do_not_count() {
    let rules = Rules::default();
    let mut d = TotpDevice::default();
    let t = 1_000;
    let mut now = at_step(t);
    let good = |s: u64| code_at_step(s);
    assert_eq!(
        d.verify_token(&key(), &params(), "000000", &rules, now),
        Verdict::Invalid
    );
    assert_eq!(d.throttle.failure_count, 1);
    // 0.999 s later: still refused, a correct code included, and not counted.
    let r = d.verify_token(&key(), &params(), &good(t), &rules, now + 999);
    let Verdict::Throttled(refusal) = r else {
        panic!("expected throttled, got {r:?}")
    };
    assert_eq!(refusal.failure_count, 1);
    assert_eq!(refusal.locked_until_ms, now + 1_000);
    assert_eq!(
        refusal.message(),
        "Verification temporarily disabled because of 1 failed attempt, please try again soon."
    );
    assert_eq!(d.throttle.failure_count, 1);
    // 1 s after: allowed; a second failure -> 2 s.
    now += 1_000;
    assert_eq!(
        d.verify_token(&key(), &params(), "000000", &rules, now),
        Verdict::Invalid
    );
    assert_eq!(d.throttle.delay_required_ms(1), 2_000);
    assert!(matches!(
        d.verify_token(&key(), &params(), "000000", &rules, now + 1_999),
        Verdict::Throttled(Refusal {
            failure_count: 2,
            ..
        })
    ));
    now += 2_000;
    assert_eq!(
        d.verify_token(&key(), &params(), "000000", &rules, now),
        Verdict::Invalid
    );
    // Third failure: 4 s, with the plural message.
    let Verdict::Throttled(r3) = d.verify_token(&key(), &params(), &good(t), &rules, now + 3_999)
    else {
        panic!("expected throttled")
    };
    assert_eq!(
        r3.message(),
        "Verification temporarily disabled because of 3 failed attempts, please try again soon."
    );
    assert_eq!(r3.retry_after_secs(now + 3_000), 1);
    // Only a success resets (throttle_reset).
    now += 4_000;
    assert_eq!(
        d.verify_token(&key(), &params(), &good(t), &rules, now),
        Verdict::Accepted
    );
    assert_eq!(d.throttle, Throttle::default());
}

/// ThrottlingMixin.throttling_enabled: a factor of 0 disables throttling.
#[test]
fn throttle_factor_zero_disables() {
    let rules = Rules {
        throttle_factor: 0,
        ..Rules::default()
    };
    let mut d = TotpDevice::default();
    let now = at_step(500);
    for _ in 0..5 {
        assert_eq!(
            d.verify_token(&key(), &params(), "000000", &rules, now),
            Verdict::Invalid
        );
    }
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(500), &rules, now),
        Verdict::Accepted
    );
}

/// OTP_THROTTLE_FACTOR scales the delays: factor 3 -> 3, 6 s.
#[test]
fn throttle_factor_scales() {
    let mut th = Throttle::default();
    th.increment(10_000);
    assert_eq!(th.delay_required_ms(3), 3_000);
    th.increment(10_000);
    assert_eq!(th.delay_required_ms(3), 6_000);
    assert!(th.verify_is_allowed(3, 15_999).is_err());
    assert!(th.verify_is_allowed(3, 16_000).is_ok());
}

/// django_otp/plugins/otp_totp/models.py, TOTPDevice.verify_token with OTP_TOTP_SYNC = True:
/// `self.drift = totp.drift` after a match (oath.py, TOTP.verify sets drift = drift + offset).
/// After a +1 code the window is centred one step ahead: the current code is refused, a +2
/// code accepted.
#[test]
fn drift_follows_an_off_centre_code() {
    let rules = Rules::default();
    let mut d = TotpDevice::default();
    let t = 2_000;
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(t + 1), &rules, at_step(t)),
        Verdict::Accepted
    );
    assert_eq!(d.drift, 1);
    assert_eq!(d.last_t, (t + 1) as i64);
    // Next step: the current code (t+1) is not above last_t; the window is t+1..t+3.
    let now = at_step(t + 1);
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(t + 1), &rules, now),
        Verdict::Invalid
    );
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(t + 3), &rules, now + 1_000),
        Verdict::Accepted
    );
    assert_eq!(d.drift, 2);
}

/// A drift of 2 refuses the right clock's code (the window is t+1..t+3) until a +1 code walks
/// the drift back (offset −1 on drift 2).
#[test]
fn drift_of_two_locks_out_a_correct_clock_until_walked_back() {
    let rules = Rules::default();
    let mut d = TotpDevice {
        drift: 2,
        ..TotpDevice::default()
    };
    let t = 3_000;
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(t), &rules, at_step(t)),
        Verdict::Invalid
    );
    assert_eq!(
        d.verify_token(
            &key(),
            &params(),
            &code_at_step(t + 1),
            &rules,
            at_step(t) + 1_000
        ),
        Verdict::Accepted
    );
    assert_eq!(d.drift, 1);
    // Two steps on, drift 1: the window t+2..t+4 holds the correct clock's code again.
    assert_eq!(
        d.verify_token(
            &key(),
            &params(),
            &code_at_step(t + 2),
            &rules,
            at_step(t + 2)
        ),
        Verdict::Accepted
    );
    assert_eq!(d.drift, 0);
}

/// OTP_TOTP_SYNC = False: the drift stays where it is, last_t still moves.
#[test]
fn no_sync_keeps_drift() {
    let rules = Rules {
        sync: false,
        ..Rules::default()
    };
    let mut d = TotpDevice::default();
    let t = 4_000;
    assert_eq!(
        d.verify_token(&key(), &params(), &code_at_step(t + 1), &rules, at_step(t)),
        Verdict::Accepted
    );
    assert_eq!((d.drift, d.last_t), (0, (t + 1) as i64));
}

/// TOTPDevice.last_t defaults to −1: the code that proved the device at setup is still good
/// at the first login; a token is accepted once (min_t = last_t + 1).
#[test]
fn setup_code_not_spent_and_replay_refused() {
    let rules = Rules::default();
    let t = 5_000;
    let now = at_step(t);
    let code = code_at_step(t);
    assert_eq!(
        setup_drift(&key(), &params(), python_int(&code).unwrap(), now / 1000),
        Some(0)
    );
    let mut d = TotpDevice::default();
    assert_eq!(
        d.verify_token(&key(), &params(), &code, &rules, now),
        Verdict::Accepted
    );
    assert_eq!(
        d.verify_token(&key(), &params(), &code, &rules, now + 2_000),
        Verdict::Invalid
    );
}

/// two_factor/forms.py, TOTPDeviceForm.clean_token: the offset found becomes the drift.
#[test]
fn setup_offset_becomes_drift() {
    let t = 6_000;
    let now = at_step(t) / 1000;
    assert_eq!(
        setup_drift(
            &key(),
            &params(),
            python_int(&code_at_step(t - 1)).unwrap(),
            now
        ),
        Some(-1)
    );
    assert_eq!(
        setup_drift(
            &key(),
            &params(),
            python_int(&code_at_step(t + 1)).unwrap(),
            now
        ),
        Some(1)
    );
    assert_eq!(
        setup_drift(
            &key(),
            &params(),
            python_int(&code_at_step(t + 2)).unwrap(),
            now
        ),
        None
    );
}

/// Python's int(): a token with a leading zero still compares as a number; junk is a failure.
#[test]
fn python_int_as_the_device_parses() {
    assert_eq!(python_int(" 012345 "), Some(12345));
    assert_eq!(python_int("+7"), Some(7));
    assert_eq!(python_int("1_000"), Some(1000));
    assert_eq!(python_int("1__0"), None);
    assert_eq!(python_int("12a"), None);
    assert_eq!(python_int(""), None);
}

/// otp_static: StaticToken.random_token is b32encode(5 bytes).lower(); StaticDevice.verify_token
/// deletes the token it matches and has its own throttle (OTP_STATIC_THROTTLE_FACTOR).
#[test]
fn static_tokens_single_use_with_their_own_throttle() {
    let t = static_token([0xff, 0, 0x10, 0x42, 0x99]);
    assert_eq!(t.len(), 8);
    assert!(t.chars().all(|c| matches!(c, 'a'..='z' | '2'..='7')));
    assert_eq!(static_token([0; 5]), "aaaaaaaa");
    assert_eq!(static_token([0xff; 5]), "77777777");
    let unused = vec![(0, "abcdefgh".to_string()), (1, "23456777".to_string())];
    let mut th = Throttle::default();
    let (v, i) = verify_static(&mut th, &unused, " 23456777 ", 1, 1_000);
    assert_eq!((v, i), (Verdict::Accepted, Some(1)));
    // Case matters: the lookup is an exact match.
    let (v, _) = verify_static(&mut th, &unused, "ABCDEFGH", 1, 2_000);
    assert_eq!(v, Verdict::Invalid);
    let (v, _) = verify_static(&mut th, &unused, "abcdefgh", 1, 2_500);
    assert!(matches!(
        v,
        Verdict::Throttled(Refusal {
            failure_count: 1,
            ..
        })
    ));
    let (v, i) = verify_static(&mut th, &unused, "abcdefgh", 1, 3_000);
    assert_eq!((v, i), (Verdict::Accepted, Some(0)));
}
