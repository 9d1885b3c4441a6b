//! FreeOTP+'s JSON backup (its URI list export is read by the otpauth list importer).
//! Source of truth: github.com/helloworld1/FreeOTPPlus (`token-data` module: `Token`,
//! `TokenTypeAdapter`) and the Aegis importer (`FreeOtpPlusImporter.java`) with its test file
//! `freeotp_plus.json`.
//!
//! `{"tokenOrder": [...], "tokens": [{algo, counter, digits, issuerExt, issuerInt, label,
//! period, secret (signed bytes), type}]}`. Quirk: FreeOTP+ stores an HOTP counter one lower
//! than the account's counter (it increments before generating), so 1 is added on import.

use twofold_otp::{Kind, Secret};

use super::json::{parse, sniff, Ctx};
use super::{account, Fields, Format, Imported, Importer, TransferError};

const NAME: &str = "FreeOTP+";

pub struct FreeOtpImporter;

impl Importer for FreeOtpImporter {
    fn format(&self) -> Format {
        Format::FreeOtpPlus
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| v.get("tokens").is_some_and(|t| t.is_array()))
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let root = parse(NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        let mut accounts = Vec::new();
        let mut skipped = Vec::new();
        for (i, t) in cx.req_arr(root, "tokens", "backup")?.iter().enumerate() {
            let at = format!("tokens[{i}]");
            let t = cx.obj(t, &at)?;
            let issuer = cx
                .opt_str(t, "issuerExt", &at)?
                .or(cx.opt_str(t, "issuerInt", &at)?)
                .unwrap_or("");
            let label = cx.opt_str(t, "label", &at)?.unwrap_or("");
            let ty = cx.opt_str(t, "type", &at)?.unwrap_or("TOTP");
            let kind = match cx.kind(ty, &format!("{at}.type")) {
                Ok(k) => k,
                Err(TransferError::Unsupported { .. }) => {
                    skipped.push(format!("{issuer} ({label}): unsupported type"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let bytes = cx.req_arr(t, "secret", &at)?;
            let mut secret = zeroize::Zeroizing::new(Vec::with_capacity(bytes.len()));
            for (j, b) in bytes.iter().enumerate() {
                let b = b
                    .as_i64()
                    .filter(|b| (-128..=255).contains(b))
                    .ok_or_else(|| cx.err(format!("{at}.secret[{j}]"), "expected a byte"))?;
                secret.push(b as u8);
            }
            if secret.is_empty() {
                return Err(cx.err(format!("{at}.secret"), "the secret is empty"));
            }
            let algorithm = match cx.opt_str(t, "algo", &at)? {
                Some(a) => cx.algorithm(a, &format!("{at}.algo"))?,
                None => Default::default(),
            };
            let counter = cx.opt_u64(t, "counter", &at)?.unwrap_or(0);
            let digits = cx.opt_u64(t, "digits", &at)?.unwrap_or(6);
            accounts.push(account(
                NAME,
                &at,
                Fields {
                    issuer: issuer.into(),
                    label: label.into(),
                    secret: Secret::from_bytes(secret.to_vec()),
                    kind,
                    algorithm,
                    digits: cx.u32_of(digits, &at)?,
                    period: cx.opt_u64(t, "period", &at)?.unwrap_or(30),
                    counter: if kind == Kind::Hotp {
                        counter.saturating_add(1)
                    } else {
                        0
                    },
                },
            )?);
        }
        Ok(Imported {
            format: Format::FreeOtpPlus,
            encrypted: false,
            accounts,
            skipped,
        })
    }
}
