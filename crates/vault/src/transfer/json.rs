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
        Secret::from_base32(text).map_err(|e| self.err(at, e.to_string()))
    }

    pub fn algorithm(&self, text: &str, at: &str) -> Result<Algorithm, TransferError> {
        text.parse()
            .map_err(|e: twofold_otp::OtpError| self.err(at, e.to_string()))
    }

    pub fn kind(&self, text: &str, at: &str) -> Result<Kind, TransferError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "totp" => Ok(Kind::Totp),
            "hotp" => Ok(Kind::Hotp),
            "steam" => Ok(Kind::Steam),
            other => Err(TransferError::Unsupported {
                format: self.format,
                what: format!(
                    "the OTP type '{}' (at {at})",
                    other.chars().take(16).collect::<String>()
                ),
            }),
        }
    }

    pub fn u32_of(&self, n: u64, at: &str) -> Result<u32, TransferError> {
        u32::try_from(n).map_err(|_| self.err(at, "number out of range"))
    }
}
