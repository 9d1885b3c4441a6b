//! Server-side verification: a submitted code against a window of steps.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::code::{Kind, OtpParams};
use crate::{OtpError, Secret};

/// Strips what people type around a code: spaces, dashes and other separators (django-allauth
/// removes whitespace and punctuation). Steam codes are upper-cased.
pub fn normalize_code(input: &str) -> Result<Zeroizing<String>, OtpError> {
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    for c in input.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if c.is_whitespace() || matches!(c, '-' | '.' | '_' | ',') {
            continue;
        } else {
            return Err(OtpError::MalformedCode);
        }
    }
    if out.is_empty() || out.len() > 16 {
        return Err(OtpError::MalformedCode);
    }
    Ok(out)
}

/// Compares two codes in constant time (for equal lengths).
pub fn codes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Verifies a TOTP (or Steam) `code` at `unix_time`, accepting steps `now - tolerance ..= now +
/// tolerance`. Returns the matched step so the caller can refuse replays (reject a step not
/// greater than the last accepted one) and track drift. Every step in the window is computed
/// and compared, so timing does not reveal which step matched.
pub fn verify_totp(
    secret: &Secret,
    params: &OtpParams,
    code: &str,
    unix_time: u64,
    tolerance: u64,
) -> Result<Option<u64>, OtpError> {
    params.validate()?;
    let submitted = normalize_code(code)?;
    let now = params.step_at(unix_time)?;
    let first = now.saturating_sub(tolerance);
    let last = now.saturating_add(tolerance);
    Ok(match_in_range(secret, params, &submitted, first, last))
}

/// Verifies an HOTP `code` against counters `counter ..= counter + look_ahead`. Returns the
/// matched counter; the caller stores `matched + 1` as the next counter.
pub fn verify_hotp(
    secret: &Secret,
    params: &OtpParams,
    code: &str,
    look_ahead: u64,
) -> Result<Option<u64>, OtpError> {
    params.validate()?;
    debug_assert_eq!(params.kind, Kind::Hotp);
    let submitted = normalize_code(code)?;
    let first = params.counter;
    Ok(match_in_range(
        secret,
        params,
        &submitted,
        first,
        first.saturating_add(look_ahead),
    ))
}

fn match_in_range(
    secret: &Secret,
    params: &OtpParams,
    submitted: &str,
    first: u64,
    last: u64,
) -> Option<u64> {
    let mut matched = None;
    let mut step = first;
    loop {
        let expected = params.code_for_counter(secret, step);
        if codes_equal(&expected, submitted) && matched.is_none() {
            matched = Some(step);
        }
        if step == last {
            break;
        }
        step += 1;
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Algorithm;

    fn key() -> Secret {
        Secret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn normalizes_typed_codes() {
        assert_eq!(normalize_code("123 456").unwrap().as_str(), "123456");
        assert_eq!(normalize_code("123-456").unwrap().as_str(), "123456");
        assert_eq!(normalize_code(" 12 34 56 ").unwrap().as_str(), "123456");
        assert!(normalize_code("").is_err());
        assert!(normalize_code("12345/6").is_err());
    }

    #[test]
    fn window_returns_matched_step() {
        let p = OtpParams::totp();
        let k = key();
        let t = 1_111_111_109;
        let now = t / 30;
        for delta in [-1i64, 0, 1] {
            let step = (now as i64 + delta) as u64;
            let code = p.code_for_counter(&k, step);
            assert_eq!(verify_totp(&k, &p, &code, t, 1).unwrap(), Some(step));
            let spaced = format!("{} {}", &code[..3], &code[3..]);
            assert_eq!(verify_totp(&k, &p, &spaced, t, 1).unwrap(), Some(step));
        }
        let far = p.code_for_counter(&k, now + 2);
        assert_eq!(verify_totp(&k, &p, &far, t, 1).unwrap(), None);
        assert_eq!(verify_totp(&k, &p, &far, t, 2).unwrap(), Some(now + 2));
        let prev = p.code_for_counter(&k, now - 1);
        assert_eq!(verify_totp(&k, &p, &prev, t, 0).unwrap(), None);
    }

    #[test]
    fn window_at_time_zero_does_not_underflow() {
        let p = OtpParams::totp();
        let k = key();
        let code = p.code_for_counter(&k, 0);
        assert_eq!(verify_totp(&k, &p, &code, 0, 5).unwrap(), Some(0));
    }

    #[test]
    fn hotp_look_ahead() {
        let k = key();
        let p = OtpParams {
            algorithm: Algorithm::Sha1,
            ..OtpParams::hotp(3)
        };
        assert_eq!(verify_hotp(&k, &p, "969429", 0).unwrap(), Some(3));
        assert_eq!(verify_hotp(&k, &p, "254676", 2).unwrap(), Some(5));
        assert_eq!(verify_hotp(&k, &p, "755224", 10).unwrap(), None);
    }
}
