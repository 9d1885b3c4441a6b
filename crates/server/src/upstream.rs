//! Values written exactly as the upstream Django libraries write them, shared by the core and
//! the faces: Python's `urllib.parse.quote`, django-allauth's TOTP URL and recovery codes.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// `recovery_codes/internal/auth.py`, `RecoveryCodes.generate_codes`: one HMAC-SHA1 keyed with
/// the seed's hex text, fed `f"{i:3},"` for each code in turn (cumulatively), the first
/// `RECOVERY_CODE_DIGITS // 2` bytes of each digest big-endian, modulo 10^8, zero-filled.
pub(crate) fn allauth_recovery_codes(seed: &[u8], count: u32) -> Vec<String> {
    const DIGITS: u32 = 8;
    let mut h = <Hmac<Sha1> as Mac>::new_from_slice(seed).expect("any key length");
    (0..count)
        .map(|i| {
            h.update(format!("{i:3},").as_bytes());
            let d = h.clone().finalize().into_bytes();
            let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % 10u32.pow(DIGITS);
            format!("{n:08}")
        })
        .collect()
}

/// Python's `urllib.parse.quote` (unreserved characters kept, and `/` when `keep_slash`, its
/// default `safe`), through the `percent-encoding` crate.
pub(crate) fn quote(s: &str, keep_slash: bool) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');
    let set = if keep_slash {
        UNRESERVED_AND_SLASH
    } else {
        UNRESERVED
    };
    utf8_percent_encode(s, set).to_string()
}

/// `mfa/adapter.py`, `build_totp_url`: the label is the bare e-mail; `digits` and `period`
/// appear only when not the defaults; the algorithm never (SHA1).
pub(crate) fn allauth_totp_url(
    email: &str,
    secret: &str,
    issuer: &str,
    digits: u32,
    period: u64,
) -> String {
    let mut url = format!(
        "otpauth://totp/{}?secret={}&issuer={}",
        quote(email, true),
        quote(secret, false),
        quote(issuer, false)
    );
    if digits != 6 {
        url.push_str(&format!("&digits={digits}"));
    }
    if period != 30 {
        url.push_str(&format!("&period={period}"));
    }
    url
}
