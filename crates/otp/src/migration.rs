//! `otpauth-migration://offline?data=…`: Google Authenticator's export, a base64 protobuf
//! `MigrationPayload` (schema in ARCHITECTURE.md).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use prost::Message;
use zeroize::Zeroizing;

use crate::code::{Algorithm, Kind, DEFAULT_PERIOD};
use crate::uri::KeyUri;
use crate::{OtpError, Secret};

#[derive(Clone, PartialEq, prost::Message)]
#[prost(skip_debug)]
struct Payload {
    #[prost(message, repeated, tag = "1")]
    otp_parameters: Vec<Parameters>,
    #[prost(int32, tag = "2")]
    version: i32,
    #[prost(int32, tag = "3")]
    batch_size: i32,
    #[prost(int32, tag = "4")]
    batch_index: i32,
    #[prost(int32, tag = "5")]
    batch_id: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
#[prost(skip_debug)]
struct Parameters {
    #[prost(bytes = "vec", tag = "1")]
    secret: Vec<u8>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    issuer: String,
    #[prost(int32, tag = "4")]
    algorithm: i32,
    #[prost(int32, tag = "5")]
    digits: i32,
    #[prost(int32, tag = "6")]
    r#type: i32,
    #[prost(int64, tag = "7")]
    counter: i64,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload({} accounts)", self.otp_parameters.len())
    }
}

impl std::fmt::Debug for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parameters(<redacted>)")
    }
}

impl Drop for Parameters {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// One decoded export QR code: its accounts and where it sits in a multi-code export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationBatch {
    pub accounts: Vec<KeyUri>,
    pub version: i32,
    /// How many QR codes the whole export has (1 when unspecified).
    pub batch_size: i32,
    /// This code's position, from 0.
    pub batch_index: i32,
    /// Shared by all codes of one export.
    pub batch_id: i32,
}

pub const PREFIX: &str = "otpauth-migration://offline?";

/// Whether `s` looks like a migration URI (so callers can route it here).
pub fn is_migration_uri(s: &str) -> bool {
    s.trim()
        .get(..20)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration://"))
}

/// Decodes an `otpauth-migration://offline?data=…` URI.
pub fn decode(uri: &str) -> Result<MigrationBatch, OtpError> {
    let uri = uri.trim();
    if !is_migration_uri(uri) {
        return Err(OtpError::NotMigration);
    }
    let query = uri.split_once('?').map(|(_, q)| q).unwrap_or("");
    let data = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "data")
        .map(|(_, v)| v.into_owned())
        .ok_or(OtpError::NotMigration)?;
    // An unescaped '+' in base64 reads back as a space from form encoding: restore it.
    let data = Zeroizing::new(data.trim().replace(' ', "+"));
    let bytes = Zeroizing::new(
        STANDARD
            .decode(data.as_bytes())
            .or_else(|_| STANDARD_NO_PAD.decode(data.trim_end_matches('=').as_bytes()))
            .map_err(|_| OtpError::InvalidMigration("the data parameter is not base64".into()))?,
    );
    decode_payload(&bytes)
}

/// Decodes the protobuf bytes of a `MigrationPayload`.
pub fn decode_payload(bytes: &[u8]) -> Result<MigrationBatch, OtpError> {
    let payload = Payload::decode(bytes)
        .map_err(|_| OtpError::InvalidMigration("the protobuf payload is malformed".into()))?;
    let mut accounts = Vec::with_capacity(payload.otp_parameters.len());
    for (i, p) in payload.otp_parameters.iter().enumerate() {
        accounts.push(to_key_uri(p).map_err(|e| match e {
            OtpError::Md5Unsupported => OtpError::Md5Unsupported,
            other => OtpError::InvalidMigration(format!("account {}: {other}", i + 1)),
        })?);
    }
    Ok(MigrationBatch {
        accounts,
        version: payload.version,
        batch_size: payload.batch_size.max(1),
        batch_index: payload.batch_index,
        batch_id: payload.batch_id,
    })
}

fn to_key_uri(p: &Parameters) -> Result<KeyUri, OtpError> {
    if p.secret.is_empty() {
        return Err(OtpError::EmptySecret);
    }
    let algorithm = match p.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err(OtpError::Md5Unsupported),
        n => return Err(OtpError::UnknownAlgorithm(format!("enum value {n}"))),
    };
    let digits = match p.digits {
        0 | 1 => 6,
        2 => 8,
        n => {
            return Err(OtpError::InvalidParameter {
                name: "digits".into(),
                reason: format!("unknown digit count enum value {n}"),
            })
        }
    };
    let kind = match p.r#type {
        0 | 2 => Kind::Totp,
        1 => Kind::Hotp,
        n => return Err(OtpError::UnknownKind(format!("enum value {n}"))),
    };
    // The name may be `Issuer:account`, with or without the issuer field.
    let (label_issuer, account) = match p.name.split_once(':') {
        Some((i, a)) => (
            Some(i.trim().to_string()).filter(|s| !s.is_empty()),
            a.trim(),
        ),
        None => (None, p.name.trim()),
    };
    let issuer_param = Some(p.issuer.trim().to_string()).filter(|s| !s.is_empty());
    Ok(KeyUri {
        kind,
        secret: Secret::from_bytes(p.secret.clone()),
        account: account.to_string(),
        label_issuer,
        issuer_param,
        algorithm,
        digits,
        period: DEFAULT_PERIOD,
        counter: if kind == Kind::Hotp {
            p.counter.max(0) as u64
        } else {
            0
        },
        extra: Vec::new(),
    })
}

/// Encodes accounts as one `otpauth-migration://` URI. Google's format has no period and only
/// 6 or 8 digits: accounts that do not fit are refused with a clear error.
pub fn encode(
    accounts: &[KeyUri],
    batch_size: i32,
    batch_index: i32,
    batch_id: i32,
) -> Result<Zeroizing<String>, OtpError> {
    let mut otp_parameters = Vec::with_capacity(accounts.len());
    for a in accounts {
        if a.kind == Kind::Steam {
            return Err(OtpError::InvalidParameter {
                name: "kind".into(),
                reason: "Google Authenticator cannot hold Steam accounts".into(),
            });
        }
        if a.kind == Kind::Totp && a.period != DEFAULT_PERIOD {
            return Err(OtpError::InvalidParameter {
                name: "period".into(),
                reason: format!("Google Authenticator only supports 30 s, not {}", a.period),
            });
        }
        let digits = match a.digits {
            6 => 1,
            8 => 2,
            n => {
                return Err(OtpError::InvalidParameter {
                    name: "digits".into(),
                    reason: format!("Google Authenticator only supports 6 or 8 digits, not {n}"),
                })
            }
        };
        let issuer = a.issuer().unwrap_or("").to_string();
        let name = if issuer.is_empty() {
            a.account.clone()
        } else {
            format!("{issuer}:{}", a.account)
        };
        otp_parameters.push(Parameters {
            secret: a.secret.as_bytes().to_vec(),
            name,
            issuer,
            algorithm: match a.algorithm {
                Algorithm::Sha1 => 1,
                Algorithm::Sha256 => 2,
                Algorithm::Sha512 => 3,
            },
            digits,
            r#type: if a.kind == Kind::Hotp { 1 } else { 2 },
            counter: a.counter as i64,
        });
    }
    let payload = Payload {
        otp_parameters,
        version: 1,
        batch_size,
        batch_index,
        batch_id,
    };
    let bytes = Zeroizing::new(payload.encode_to_vec());
    let b64 = Zeroizing::new(STANDARD.encode(&*bytes));
    let mut out = Zeroizing::new(String::from("otpauth-migration://offline?data="));
    out.extend(form_urlencoded::byte_serialize(b64.as_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real export (from the Aegis test resources) with an undocumented field 8.
    fn sample() -> Vec<u8> {
        let mut p = Parameters {
            secret: b"12345678901234567890".to_vec(),
            name: "ACME:alice".into(),
            issuer: String::new(),
            algorithm: 0,
            digits: 0,
            r#type: 0,
            counter: 0,
        }
        .encode_to_vec();
        // field 8, wire type 2 (length-delimited): "xyz"
        p.extend_from_slice(&[0x42, 3, b'x', b'y', b'z']);
        let mut out = vec![0x0a, p.len() as u8];
        out.extend(p);
        out.extend_from_slice(&[0x10, 1, 0x18, 2, 0x20, 1, 0x28, 0x2a]);
        out
    }

    #[test]
    fn unspecified_enums_and_unknown_fields() {
        let b = decode_payload(&sample()).unwrap();
        assert_eq!((b.batch_size, b.batch_index, b.batch_id), (2, 1, 42));
        let a = &b.accounts[0];
        assert_eq!(
            (a.kind, a.algorithm, a.digits),
            (Kind::Totp, Algorithm::Sha1, 6)
        );
        assert_eq!((a.issuer(), a.account.as_str()), (Some("ACME"), "alice"));
    }

    #[test]
    fn round_trip_through_uri() {
        let mut h = KeyUri::new(
            Kind::Hotp,
            Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap(),
            Some("Corp".into()),
            "bob@x.org".into(),
        );
        h.counter = 9;
        h.digits = 8;
        h.algorithm = Algorithm::Sha512;
        let uri = encode(std::slice::from_ref(&h), 1, 0, 7).unwrap();
        assert!(uri.starts_with("otpauth-migration://offline?data="));
        let b = decode(&uri).unwrap();
        assert_eq!(b.accounts, vec![h]);
    }

    #[test]
    fn md5_is_refused_clearly() {
        let p = Payload {
            otp_parameters: vec![Parameters {
                secret: vec![1; 10],
                name: "x".into(),
                issuer: String::new(),
                algorithm: 4,
                digits: 1,
                r#type: 2,
                counter: 0,
            }],
            version: 1,
            batch_size: 1,
            batch_index: 0,
            batch_id: 0,
        };
        assert_eq!(
            decode_payload(&p.encode_to_vec()).unwrap_err(),
            OtpError::Md5Unsupported
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for s in [
            "otpauth-migration://offline?data=%%%",
            "otpauth-migration://offline?data=AAAA",
            "otpauth-migration://offline",
            "otpauth://totp/x",
        ] {
            assert!(decode(s).is_err(), "{s}");
        }
        assert!(decode_payload(&[0xff, 0xff, 0xff]).is_err());
    }
}
