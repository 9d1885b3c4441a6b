//! andOTP's backup, plain JSON and encrypted (`.json.aes`).
//! Source of truth: github.com/andOTP/andOTP (`Utilities/EncryptionHelper.java`,
//! `Utilities/BackupHelper.java`) and the Aegis importer (`AndOtpImporter.java`) with its test
//! files `andotp_plain.json`, `andotp_encrypted.bin`, `andotp_encrypted_old.bin`.
//!
//! New format (andOTP 0.6.3+): `iterations` (u32 big-endian) ‖ salt (12) ‖ nonce (12) ‖
//! AES-256-GCM ciphertext+tag, key = PBKDF2-HMAC-SHA1(password, salt, iterations, 256 bits).
//! Old format: nonce (12) ‖ ciphertext+tag, key = SHA-256(password). The plaintext is the plain
//! JSON list: {secret, issuer, label, digits, type (TOTP/HOTP/STEAM/MOTP), algorithm, period,
//! counter, tags}.

use super::crypto::{aes_gcm_open, pbkdf2_sha1, sha256};
use super::json::{get, parse, sniff, Ctx};
use super::{Format, Imported, Importer, TransferError};

const NAME: &str = "andOTP";

pub struct AndOtpImporter;

fn looks_plain(v: &serde_json::Value) -> bool {
    v.as_array().is_some_and(|a| {
        a.first().is_some_and(|e| {
            e.get("secret").is_some() && e.get("type").is_some() && e.get("label").is_some()
        })
    })
}

/// Encrypted backups have no magic: accept binary data of plausible size that is not text.
fn looks_encrypted(data: &[u8]) -> bool {
    data.len() >= 12 + 16 && std::str::from_utf8(data).is_err()
}

impl Importer for AndOtpImporter {
    fn format(&self) -> Format {
        Format::AndOtp
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| looks_plain(&v)) || looks_encrypted(data)
    }

    fn is_encrypted(&self, data: &[u8]) -> bool {
        sniff(data).is_none()
    }

    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let trimmed = super::text(data).map(str::trim_start);
        let (plain, encrypted) = if trimmed.is_some_and(|t| t.starts_with('[')) {
            (zeroize::Zeroizing::new(data.to_vec()), false)
        } else {
            let password = password.ok_or(TransferError::PasswordRequired { format: NAME })?;
            (decrypt(data, password)?, true)
        };
        let v = parse(NAME, &plain)?;
        let mut accounts = Vec::new();
        let mut skipped = Vec::new();
        for (i, e) in cx.arr(&v, "the top level")?.iter().enumerate() {
            let at = format!("entry {}", i + 1);
            let e = cx.obj(e, &at)?;
            let (issuer, label) = names(
                cx.opt_str(e, "issuer", &at)?.unwrap_or(""),
                cx.opt_str(e, "label", &at)?.unwrap_or(""),
            );
            let (issuer, label) = (issuer.as_str(), label.as_str());
            let ty = cx.req_str(e, "type", &at)?;
            let Some(kind) = cx.kind_or_skip(ty, &at, issuer, label, &mut skipped)? else {
                continue;
            };
            let mut a = cx.otp_account(e, "algorithm", &at, issuer, label, kind)?;
            if let Some(tags) = get(e, "tags") {
                for (j, t) in cx.arr(tags, &format!("{at}.tags"))?.iter().enumerate() {
                    let t = t
                        .as_str()
                        .ok_or_else(|| cx.err(format!("{at}.tags[{j}]"), "expected a string"))?;
                    a.tags.push(t.to_string());
                }
                a.tags = twofold_vault::account::normalise_tags(std::mem::take(&mut a.tags));
            }
            accounts.push(a);
        }
        Ok(Imported {
            format: Format::AndOtp,
            encrypted,
            accounts,
            skipped,
        })
    }
}

/// Versions before the `issuer` field wrote the label as `Issuer - Issuer:account`.
fn names(issuer: &str, label: &str) -> (String, String) {
    if !issuer.trim().is_empty() {
        return (issuer.to_string(), label.to_string());
    }
    let (i, rest) = match label.split_once(" - ") {
        Some((i, rest)) => (i.trim(), rest.trim()),
        None => match label.split_once(':') {
            Some((i, rest)) => (i.trim(), rest.trim()),
            None => return (String::new(), label.to_string()),
        },
    };
    let rest = rest.strip_prefix(&format!("{i}:")).unwrap_or(rest);
    (i.to_string(), rest.trim().to_string())
}

fn decrypt(data: &[u8], password: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, TransferError> {
    if data.len() < 12 + 16 {
        return Err(TransferError::corrupt(
            NAME,
            format!("byte {}", data.len()),
            "the file is too short for an encrypted backup (truncated)",
        ));
    }
    // New format first, when the iteration count is plausible.
    if data.len() >= 4 + 12 + 12 + 16 {
        let iterations = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        // andOTP picks 140 000-160 000; anything above 1 M is not an andOTP header.
        if (1..=1_000_000).contains(&iterations) {
            let key = pbkdf2_sha1(password.as_bytes(), &data[4..16], iterations)
                .map_err(|e| TransferError::corrupt(NAME, "bytes 0-3", e))?;
            if let Some(p) = aes_gcm_open(&key, &data[16..28], &data[28..]) {
                return Ok(p);
            }
        }
    }
    let key = sha256(password.as_bytes());
    aes_gcm_open(&key, &data[..12], &data[12..]).ok_or(TransferError::WrongPassword {
        format: "andOTP (or the file is damaged: no authentication tag verifies)",
    })
}
