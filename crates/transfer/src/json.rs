//! Reading JSON exports with the path of every value, so a damaged file is reported where it
//! broke (`db.entries[3].info.secret`), never with the value itself.

use serde_json::{Map, Value};
use twofold_otp::{Algorithm, Kind, Secret};

use super::TransferError;

pub(crate) type Obj = Map<String, Value>;

/// Parses JSON; a syntax error or a truncated file names its line and column.
pub(crate) fn parse(format: &'static str, data: &[u8]) -> Result<Value, TransferError> {
    serde_json::from_slice(data).map_err(|e| {
        let reason = match e.classify() {
            serde_json::error::Category::Eof => "the file ends too early (truncated?)",
            serde_json::error::Category::Syntax => "invalid JSON syntax",
            serde_json::error::Category::Data => "unexpected JSON value",
            serde_json::error::Category::Io => "read error",
        };
        TransferError::corrupt(
            format,
            format!("line {}, column {}", e.line(), e.column()),
            reason,
        )
    })
}

/// A cheap check for detection: the text parses as JSON.
pub(crate) fn sniff(data: &[u8]) -> Option<Value> {
    let t = std::str::from_utf8(data)
        .ok()?
        .trim_start_matches('\u{feff}')
        .trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str(t).ok()
}

/// A field, with JSON `null` read as absent.
pub(crate) fn get<'a>(o: &'a Obj, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

pub(crate) struct Ctx {
    pub format: &'static str,
}

impl Ctx {
    /// An account from the OTP fields Aegis (its `info` object) and andOTP (the entry itself)
    /// share: `secret`, the algorithm under `algo_key`, `digits`, `period` and `counter`, with
    /// the apps' defaults (SHA1, 6 digits, 30 s, counter 0).
    pub fn otp_account(
        &self,
        o: &Obj,
        algo_key: &str,
        at: &str,
        issuer: &str,
        label: &str,
        kind: Kind,
    ) -> Result<twofold_vault::Account, TransferError> {
        let secret = self.secret(self.req_str(o, "secret", at)?, &format!("{at}.secret"))?;
        let algorithm = match self.opt_str(o, algo_key, at)? {
            Some(a) => self.algorithm(a, &format!("{at}.{algo_key}"))?,
            None => Default::default(),
        };
        let digits = self.opt_u64(o, "digits", at)?.unwrap_or(6);
        super::account(
            self.format,
            at,
            super::Fields {
                issuer: issuer.into(),
                label: label.into(),
                secret,
                kind,
                algorithm,
                digits: self.u32_of(digits, at)?,
                period: self.opt_u64(o, "period", at)?.unwrap_or(30),
                counter: self.opt_u64(o, "counter", at)?.unwrap_or(0),
            },
        )
    }

    pub fn err(&self, at: impl Into<String>, reason: impl Into<String>) -> TransferError {
        TransferError::corrupt(self.format, at, reason)
    }

    pub fn obj<'a>(&self, v: &'a Value, at: &str) -> Result<&'a Obj, TransferError> {
        v.as_object()
            .ok_or_else(|| self.err(at, "expected an object"))
    }

    pub fn arr<'a>(&self, v: &'a Value, at: &str) -> Result<&'a Vec<Value>, TransferError> {
        v.as_array().ok_or_else(|| self.err(at, "expected a list"))
    }

    pub fn req<'a>(&self, o: &'a Obj, key: &str, at: &str) -> Result<&'a Value, TransferError> {
        get(o, key).ok_or_else(|| self.err(format!("{at}.{key}"), "missing"))
    }

    pub fn req_obj<'a>(&self, o: &'a Obj, key: &str, at: &str) -> Result<&'a Obj, TransferError> {
        self.obj(self.req(o, key, at)?, &format!("{at}.{key}"))
    }

    pub fn req_arr<'a>(
        &self,
        o: &'a Obj,
        key: &str,
        at: &str,
    ) -> Result<&'a Vec<Value>, TransferError> {
        self.arr(self.req(o, key, at)?, &format!("{at}.{key}"))
    }

    pub fn req_str<'a>(&self, o: &'a Obj, key: &str, at: &str) -> Result<&'a str, TransferError> {
        self.req(o, key, at)?
            .as_str()
            .ok_or_else(|| self.err(format!("{at}.{key}"), "expected a string"))
    }

    pub fn opt_str<'a>(
        &self,
        o: &'a Obj,
        key: &str,
        at: &str,
    ) -> Result<Option<&'a str>, TransferError> {
        match get(o, key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.err(format!("{at}.{key}"), "expected a string")),
        }
    }

    /// A non-negative integer, written as a number or a numeric string.
    pub fn opt_u64(&self, o: &Obj, key: &str, at: &str) -> Result<Option<u64>, TransferError> {
        let Some(v) = get(o, key) else {
            return Ok(None);
        };
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        n.map(Some)
            .ok_or_else(|| self.err(format!("{at}.{key}"), "expected a non-negative integer"))
    }

    pub fn opt_bool(&self, o: &Obj, key: &str, at: &str) -> Result<Option<bool>, TransferError> {
        match get(o, key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => Ok(Some(n.as_u64() != Some(0))),
            Some(_) => Err(self.err(format!("{at}.{key}"), "expected true or false")),
        }
    }

    pub fn secret(&self, text: &str, at: &str) -> Result<Secret, TransferError> {
        Secret::from_base32(text).map_err(|e| self.err(at, otp_reason(&e)))
    }

    pub fn algorithm(&self, text: &str, at: &str) -> Result<Algorithm, TransferError> {
        text.parse().map_err(|e: twofold_otp::OtpError| match e {
            twofold_otp::OtpError::UnknownAlgorithm(_) => self.err(
                at,
                format!(
                    "unknown algorithm '{}': use SHA1, SHA256 or SHA512",
                    quote(text)
                ),
            ),
            other => self.err(at, otp_reason(&other)),
        })
    }

    pub fn kind(&self, text: &str, at: &str) -> Result<Kind, TransferError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "totp" => Ok(Kind::Totp),
            "hotp" => Ok(Kind::Hotp),
            "steam" => Ok(Kind::Steam),
            other => Err(TransferError::unsupported(
                self.format,
                format!("the OTP type '{}' (at {at})", quote(other)),
            )),
        }
    }

    /// The OTP type at `at`, or `None` when Twofold cannot make its codes (mOTP, Yandex…): the
    /// entry is then listed in `skipped` and the import goes on.
    pub fn kind_or_skip(
        &self,
        ty: &str,
        at: &str,
        issuer: &str,
        label: &str,
        skipped: &mut Vec<String>,
    ) -> Result<Option<Kind>, TransferError> {
        match self.kind(ty, &format!("{at}.type")) {
            Ok(k) => Ok(Some(k)),
            Err(TransferError::Unsupported { .. }) => {
                skipped.push(format!(
                    "{issuer} ({label}): the {} type is not supported",
                    ty.chars().take(16).collect::<String>()
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn u32_of(&self, n: u64, at: &str) -> Result<u32, TransferError> {
        u32::try_from(n).map_err(|_| self.err(at, "number out of range"))
    }
}

/// At most the first 8 characters of a value an error quotes: enough to recognise a name
/// (`SHA3-256`, `MOTP`), never enough to give away a secret that landed in the wrong field.
pub(crate) fn quote(text: &str) -> String {
    let mut q: String = text.trim().chars().take(8).collect();
    if text.trim().chars().nth(8).is_some() {
        q.push('…');
    }
    q
}

/// An OTP error as an import error's reason, quoting at most [`quote`] of any value: the otp
/// crate quotes up to 40 characters of a bad parameter, and in a damaged file that parameter can
/// run on into the secret.
pub(crate) fn otp_reason(e: &twofold_otp::OtpError) -> String {
    use twofold_otp::OtpError as E;
    match e {
        E::UnknownAlgorithm(s) => {
            format!(
                "unknown algorithm '{}': use SHA1, SHA256 or SHA512",
                quote(s)
            )
        }
        E::UnknownKind(s) => format!("unknown OTP kind '{}': use totp, hotp or steam", quote(s)),
        E::NotOtpauth(_) => "not an otpauth:// URI".into(),
        E::UnknownUriType(s) => format!(
            "unknown otpauth type '{}': use otpauth://totp/, otpauth://hotp/ or otpauth://steam/",
            quote(s)
        ),
        E::InvalidParameter { name, reason } if reason.contains('\'') => {
            format!("invalid value for '{}' in the URI", quote(name))
        }
        E::InvalidParameter { name, reason } => {
            format!("invalid value for '{}' in the URI: {reason}", quote(name))
        }
        other => other.to_string(),
    }
}
