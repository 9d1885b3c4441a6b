//! Stratum (formerly Authenticator Pro) backup, plain JSON and encrypted.
//! Source of truth: github.com/stratumauth/app (`Stratum.Core/Backup/Backup.cs`,
//! `Encryption/StrongBackupEncryption.cs`) and the Aegis importer (`StratumImporter.java`) with
//! its test files `stratum_plain.json`, `stratum_encrypted.bin`.
//!
//! Plain: `{"Authenticators": [{Type (1 HOTP, 2 TOTP, 3 mOTP, 4 Steam, 5 Yandex), Issuer,
//! Username, Secret, Algorithm (0 SHA1, 1 SHA256, 2 SHA512), Digits, Period, Counter, Ranking}],
//! "Categories": [{Id, Name}], "AuthenticatorCategories": [{CategoryId, AuthenticatorSecret}]}`.
//! Encrypted: `AUTHENTICATORPRO` ‖ salt (16) ‖ IV (12) ‖ AES-256-GCM ciphertext+tag, key =
//! Argon2id(password, salt, 3 passes, 64 MiB, 4 lanes, 32 bytes).

use twofold_otp::{Algorithm, Kind};

use super::crypto::{aes_gcm_open, argon2id};
use super::json::{get, parse, sniff, Ctx};
use super::{account, Fields, Format, Imported, Importer, TransferError};

const NAME: &str = "Stratum";
const MAGIC: &[u8] = b"AUTHENTICATORPRO";

pub struct StratumImporter;

impl Importer for StratumImporter {
    fn format(&self) -> Format {
        Format::Stratum
    }

    fn detect(&self, data: &[u8]) -> bool {
        data.starts_with(MAGIC) || sniff(data).is_some_and(|v| v.get("Authenticators").is_some())
    }

    fn is_encrypted(&self, data: &[u8]) -> bool {
        data.starts_with(MAGIC)
    }

    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let (plain, encrypted) = if data.starts_with(MAGIC) {
            let body = &data[MAGIC.len()..];
            if body.len() < 16 + 12 + 16 {
                return Err(cx.err(
                    format!("byte {}", data.len()),
                    "the file ends before the ciphertext (truncated)",
                ));
            }
            let password = password.ok_or(TransferError::PasswordRequired { format: NAME })?;
            let key = argon2id(password.as_bytes(), &body[..16], 64 * 1024, 3, 4)
                .map_err(|e| cx.err("the header", e))?;
            let p =
                aes_gcm_open(&key, &body[16..28], &body[28..])
                    .ok_or(TransferError::WrongPassword {
                    format:
                        "Stratum (or the file is damaged: the authentication tag does not verify)",
                })?;
            (p, true)
        } else {
            (zeroize::Zeroizing::new(data.to_vec()), false)
        };
        let root = parse(NAME, &plain)?;
        let root = cx.obj(&root, "the top level")?;
        let mut categories = std::collections::HashMap::new();
        if let Some(c) = get(root, "Categories") {
            for (i, c) in cx.arr(c, "Categories")?.iter().enumerate() {
                let at = format!("Categories[{i}]");
                let c = cx.obj(c, &at)?;
                if let (Some(id), Some(n)) =
                    (cx.opt_str(c, "Id", &at)?, cx.opt_str(c, "Name", &at)?)
                {
                    categories.insert(id.to_string(), n.to_string());
                }
            }
        }
        let mut links: Vec<(String, String)> = Vec::new();
        if let Some(l) = get(root, "AuthenticatorCategories") {
            for (i, l) in cx.arr(l, "AuthenticatorCategories")?.iter().enumerate() {
                let at = format!("AuthenticatorCategories[{i}]");
                let l = cx.obj(l, &at)?;
                if let (Some(c), Some(s)) = (
                    cx.opt_str(l, "CategoryId", &at)?,
                    cx.opt_str(l, "AuthenticatorSecret", &at)?,
                ) {
                    if let Some(n) = categories.get(c) {
                        links.push((s.to_string(), n.clone()));
                    }
                }
            }
        }
        let mut accounts = Vec::new();
        let mut skipped = Vec::new();
        for (i, e) in cx
            .req_arr(root, "Authenticators", "backup")?
            .iter()
            .enumerate()
        {
            let at = format!("Authenticators[{i}]");
            let e = cx.obj(e, &at)?;
            let issuer = cx.opt_str(e, "Issuer", &at)?.unwrap_or("");
            let label = cx.opt_str(e, "Username", &at)?.unwrap_or("");
            let kind = match cx.opt_u64(e, "Type", &at)?.unwrap_or(2) {
                1 => Kind::Hotp,
                2 => Kind::Totp,
                4 => Kind::Steam,
                _ => {
                    skipped.push(format!("{issuer} ({label}): unsupported type"));
                    continue;
                }
            };
            let algorithm = match cx.opt_u64(e, "Algorithm", &at)?.unwrap_or(0) {
                0 => Algorithm::Sha1,
                1 => Algorithm::Sha256,
                2 => Algorithm::Sha512,
                _ => return Err(cx.err(format!("{at}.Algorithm"), "unknown algorithm")),
            };
            let secret_text = cx.req_str(e, "Secret", &at)?;
            let mut a = account(
                NAME,
                &at,
                Fields {
                    issuer: issuer.into(),
                    label: label.into(),
                    secret: cx.secret(secret_text, &format!("{at}.Secret"))?,
                    kind,
                    algorithm,
                    digits: cx.u32_of(cx.opt_u64(e, "Digits", &at)?.unwrap_or(6), &at)?,
                    period: cx.opt_u64(e, "Period", &at)?.unwrap_or(30),
                    counter: cx.opt_u64(e, "Counter", &at)?.unwrap_or(0),
                },
            )?;
            a.tags = links
                .iter()
                .filter(|(s, _)| s == secret_text)
                .map(|(_, n)| n.clone())
                .collect();
            accounts.push(a);
        }
        Ok(Imported {
            format: Format::Stratum,
            encrypted,
            accounts,
            skipped,
        })
    }
}
