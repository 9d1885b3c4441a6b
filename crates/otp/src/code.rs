//! Code generation: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{OtpError, Secret};

/// The HMAC hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;
    /// Any case, with or without a dash (`sha1`, `SHA-256`).
    fn from_str(s: &str) -> Result<Self, OtpError> {
        match s.trim().to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            "MD5" => Err(OtpError::Md5Unsupported),
            _ => Err(OtpError::UnknownAlgorithm(truncate(s))),
        }
    }
}

/// What kind of one-time password an account produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Kind {
    #[default]
    Totp,
    Hotp,
    /// Steam Guard: TOTP/SHA1/30 s rendered as 5 characters of [`STEAM_ALPHABET`].
    Steam,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp => "totp",
            Kind::Hotp => "hotp",
            Kind::Steam => "steam",
        }
    }
    /// Whether codes depend on time (TOTP and Steam) rather than on a counter.
    pub fn is_timed(self) -> bool {
        !matches!(self, Kind::Hotp)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = OtpError;
    fn from_str(s: &str) -> Result<Self, OtpError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "totp" => Ok(Kind::Totp),
            "hotp" => Ok(Kind::Hotp),
            "steam" => Ok(Kind::Steam),
            _ => Err(OtpError::UnknownKind(truncate(s))),
        }
    }
}

pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The characters of a Steam Guard code.
pub const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";
/// Steam Guard codes have five characters.
pub const STEAM_DIGITS: u32 = 5;
pub const MIN_DIGITS: u32 = 6;
pub const MAX_DIGITS: u32 = 10;
pub const DEFAULT_PERIOD: u64 = 30;

/// Everything but the secret that determines a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtpParams {
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u32,
    /// Step length in seconds (TOTP, Steam).
    pub period: u64,
    /// Unix time at which step 0 starts (RFC 6238 T0).
    pub t0: u64,
    /// Moving factor (HOTP).
    pub counter: u64,
}

impl OtpParams {
    /// The parameters of an account or a Key URI (T0 is always 0 for those).
    pub fn of(kind: Kind, algorithm: Algorithm, digits: u32, period: u64, counter: u64) -> Self {
        OtpParams {
            kind,
            algorithm,
            digits,
            period,
            t0: 0,
            counter,
        }
    }
}

impl Default for OtpParams {
    fn default() -> Self {
        Self::totp()
    }
}

impl OtpParams {
    pub fn totp() -> Self {
        Self {
            kind: Kind::Totp,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: DEFAULT_PERIOD,
            t0: 0,
            counter: 0,
        }
    }

    pub fn hotp(counter: u64) -> Self {
        Self {
            kind: Kind::Hotp,
            counter,
            ..Self::totp()
        }
    }

    pub fn steam() -> Self {
        Self {
            kind: Kind::Steam,
            digits: STEAM_DIGITS,
            ..Self::totp()
        }
    }

    /// Checks digits and period; Steam is always SHA1, 5 characters.
    pub fn validate(&self) -> Result<(), OtpError> {
        if self.kind != Kind::Steam && !(MIN_DIGITS..=MAX_DIGITS).contains(&self.digits) {
            return Err(OtpError::InvalidDigits {
                got: self.digits as u64,
                min: MIN_DIGITS,
                max: MAX_DIGITS,
            });
        }
        if self.kind.is_timed() && self.period == 0 {
            return Err(OtpError::InvalidPeriod(0));
        }
        Ok(())
    }

    /// The TOTP step number at `unix_time`.
    pub fn step_at(&self, unix_time: u64) -> Result<u64, OtpError> {
        if self.period == 0 {
            return Err(OtpError::InvalidPeriod(0));
        }
        if unix_time < self.t0 {
            return Err(OtpError::BeforeT0 {
                time: unix_time,
                t0: self.t0,
            });
        }
        Ok((unix_time - self.t0) / self.period)
    }

    /// Seconds until the code valid at `unix_time` changes (1..=period).
    pub fn seconds_left(&self, unix_time: u64) -> u64 {
        if self.period == 0 {
            return 0;
        }
        let elapsed = unix_time.saturating_sub(self.t0) % self.period;
        self.period - elapsed
    }

    /// The code for `unix_time` (TOTP, Steam) or for the stored counter (HOTP).
    pub fn code(&self, secret: &Secret, unix_time: u64) -> Result<Zeroizing<String>, OtpError> {
        self.validate()?;
        let moving = match self.kind {
            Kind::Hotp => self.counter,
            Kind::Totp | Kind::Steam => self.step_at(unix_time)?,
        };
        Ok(self.code_for_counter(secret, moving))
    }

    /// The code for an explicit moving factor (a counter, or a TOTP step).
    pub fn code_for_counter(&self, secret: &Secret, moving: u64) -> Zeroizing<String> {
        let value = truncated(secret.as_bytes(), moving, self.algorithm);
        match self.kind {
            Kind::Steam => steam_chars(value),
            _ => decimal(value, self.digits),
        }
    }
}

/// HMAC of the big-endian counter, dynamically truncated to 31 bits (RFC 4226 §5.3).
pub fn truncated(key: &[u8], counter: u64, algorithm: Algorithm) -> u32 {
    let msg = counter.to_be_bytes();
    macro_rules! mac {
        ($d:ty) => {{
            let mut m =
                <Hmac<$d> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
            m.update(&msg);
            m.finalize().into_bytes().to_vec()
        }};
    }
    let digest: Zeroizing<Vec<u8>> = Zeroizing::new(match algorithm {
        Algorithm::Sha1 => mac!(sha1::Sha1),
        Algorithm::Sha256 => mac!(sha2::Sha256),
        Algorithm::Sha512 => mac!(sha2::Sha512),
    });
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ])
}

fn decimal(value: u32, digits: u32) -> Zeroizing<String> {
    // 10 digits exceed u32: the 31-bit value is then shown whole, zero-padded.
    let modulus = 10u64.pow(digits);
    Zeroizing::new(format!(
        "{:0width$}",
        value as u64 % modulus,
        width = digits as usize
    ))
}

fn steam_chars(mut value: u32) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(STEAM_DIGITS as usize));
    for _ in 0..STEAM_DIGITS {
        out.push(STEAM_ALPHABET[(value % 26) as usize] as char);
        value /= 26;
    }
    out
}

/// RFC 4226 HOTP.
pub fn hotp(secret: &Secret, counter: u64, algorithm: Algorithm, digits: u32) -> Zeroizing<String> {
    decimal(truncated(secret.as_bytes(), counter, algorithm), digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii(s: &str) -> Secret {
        Secret::from_bytes(s.as_bytes().to_vec())
    }

    const RFC_SEED: &str = "12345678901234567890";

    /// RFC 4226 Appendix D.
    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        let truncated_expected: [u32; 10] = [
            1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922,
            82162583, 673399871, 645520489,
        ];
        let key = ascii(RFC_SEED);
        for (c, want) in expected.iter().enumerate() {
            assert_eq!(hotp(&key, c as u64, Algorithm::Sha1, 6).as_str(), *want);
            assert_eq!(
                truncated(key.as_bytes(), c as u64, Algorithm::Sha1),
                truncated_expected[c]
            );
        }
    }

    /// RFC 6238 Appendix B, all three algorithms, 8 digits.
    #[test]
    fn rfc6238_appendix_b() {
        let k1 = ascii(RFC_SEED);
        let k256 = ascii("12345678901234567890123456789012");
        let k512 = ascii("1234567890123456789012345678901234567890123456789012345678901234");
        let rows: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, s1, s256, s512) in rows {
            for (key, alg, want) in [
                (&k1, Algorithm::Sha1, s1),
                (&k256, Algorithm::Sha256, s256),
                (&k512, Algorithm::Sha512, s512),
            ] {
                let p = OtpParams {
                    algorithm: alg,
                    digits: 8,
                    ..OtpParams::totp()
                };
                assert_eq!(p.code(key, t).unwrap().as_str(), want, "{alg} at {t}");
            }
        }
    }

    /// django-otp's TOTPDevice tests use the RFC 6238 key with step 30 and 8 digits; its
    /// HOTPDevice tests use key d2e8a68036f68960b1c30532bb6c56da5934d879 (hex).
    #[test]
    fn django_otp_vectors() {
        let key = ascii(RFC_SEED);
        let p = OtpParams {
            digits: 8,
            ..OtpParams::totp()
        };
        assert_eq!(p.code(&key, 1111111109).unwrap().as_str(), "07081804");
        let hex = "d2e8a68036f68960b1c30532bb6c56da5934d879";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let key = Secret::from_bytes(bytes);
        let codes: Vec<String> = (0..3)
            .map(|c| hotp(&key, c, Algorithm::Sha1, 6).to_string())
            .collect();
        assert_eq!(codes, ["782373", "313268", "307722"]);
    }

    #[test]
    fn ten_digits_pad_the_whole_value() {
        let key = ascii(RFC_SEED);
        // truncated value for counter 2 is 137359152
        assert_eq!(hotp(&key, 2, Algorithm::Sha1, 10).as_str(), "0137359152");
        assert_eq!(hotp(&key, 0, Algorithm::Sha1, 10).as_str(), "1284755224");
        assert_eq!(hotp(&key, 0, Algorithm::Sha1, 7).as_str(), "4755224");
    }

    #[test]
    fn steam_codes_use_the_steam_alphabet() {
        // Reference value computed with the steam algorithm of Aegis/andOTP for this key/time.
        let key = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let p = OtpParams::steam();
        let code = p.code(&key, 1_700_000_000).unwrap();
        assert_eq!(code.len(), 5);
        assert!(code.bytes().all(|b| STEAM_ALPHABET.contains(&b)));
        // The characters are the base-26 digits of the truncated value, least significant first.
        let mut v = truncated(key.as_bytes(), 1_700_000_000 / 30, Algorithm::Sha1);
        let mut expect = String::new();
        for _ in 0..5 {
            expect.push(STEAM_ALPHABET[(v % 26) as usize] as char);
            v /= 26;
        }
        assert_eq!(code.as_str(), expect);
    }

    #[test]
    fn t0_and_period() {
        let key = ascii(RFC_SEED);
        let p = OtpParams {
            period: 1,
            t0: 100,
            ..OtpParams::totp()
        };
        assert_eq!(
            p.code(&key, 105).unwrap(),
            hotp(&key, 5, Algorithm::Sha1, 6)
        );
        assert!(matches!(p.code(&key, 99), Err(OtpError::BeforeT0 { .. })));
        let p = OtpParams::totp();
        assert_eq!(p.seconds_left(0), 30);
        assert_eq!(p.seconds_left(29), 1);
        assert_eq!(p.seconds_left(30), 30);
    }

    #[test]
    fn validation() {
        let key = ascii(RFC_SEED);
        for digits in [0, 5, 11] {
            let p = OtpParams {
                digits,
                ..OtpParams::totp()
            };
            assert!(matches!(
                p.code(&key, 0),
                Err(OtpError::InvalidDigits { .. })
            ));
        }
        let p = OtpParams {
            period: 0,
            ..OtpParams::totp()
        };
        assert!(p.code(&key, 0).is_err());
        assert_eq!("sha-256".parse::<Algorithm>().unwrap(), Algorithm::Sha256);
        assert_eq!(
            "md5".parse::<Algorithm>().unwrap_err(),
            OtpError::Md5Unsupported
        );
    }
}
