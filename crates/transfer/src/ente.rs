//! Ente Auth's exports: the plain text one (otpauth URIs, one per line, with Ente's
//! `codeDisplay` parameter: a JSON object with `pinned`, `trashed`, `tags`, `note`, …) and the
//! encrypted one.
//! Source of truth: github.com/ente-io/ente `docs/docs/auth/migration/export.md` and
//! `mobile/apps/auth/lib/models/code_display.dart`; test file `ente_auth.txt` from Aegis.
//!
//! Encrypted (version 1): `{"version": 1, "kdfParams": {"memLimit": BYTES, "opsLimit": N,
//! "salt": B64}, "encryptedData": B64, "encryptionNonce": B64}`. Key = Argon2id v1.3 (libsodium
//! `crypto_pwhash`, 1 lane, 32 bytes); the data is a libsodium
//! `crypto_secretstream_xchacha20poly1305` stream whose header is `encryptionNonce`, holding
//! the plain text export.

use serde_json::Value;

use super::crypto::{self, b64_decode};
use super::json::{parse, sniff, Ctx};
use super::{text, Format, Imported, Importer, TransferError};
use twofold_vault::account::Account;

const NAME: &str = "Ente Auth";
const ENC_NAME: &str = "Ente Auth encrypted";

pub struct EnteImporter;

impl Importer for EnteImporter {
    fn format(&self) -> Format {
        Format::Ente
    }

    fn detect(&self, data: &[u8]) -> bool {
        super::otpauth_list::OtpauthListImporter.detect(data)
            && text(data).is_some_and(|t| t.contains("codeDisplay="))
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let (accounts, skipped) = parse_text(NAME, data)?;
        Ok(Imported {
            format: Format::Ente,
            encrypted: false,
            accounts,
            skipped,
        })
    }
}

fn parse_text(
    format: &'static str,
    data: &[u8],
) -> Result<(Vec<Account>, Vec<String>), TransferError> {
    let t = text(data)
        .ok_or_else(|| TransferError::corrupt(format, "the start", "the text is not UTF-8"))?;
    let mut accounts = Vec::new();
    let mut skipped = Vec::new();
    for (n, l) in super::lines::lines(t) {
        let uri = super::lines::uri_line(format, n, l)?;
        let mut a = Account::from_key_uri(&uri, 0);
        if let Some(i) = a.extra.iter().position(|(k, _)| k == "codeDisplay") {
            let (_, display) = a.extra.remove(i);
            let d: Value = serde_json::from_str(&display).map_err(|_| {
                TransferError::corrupt(format, format!("line {n}, codeDisplay"), "not valid JSON")
            })?;
            if d.get("trashed").and_then(Value::as_bool) == Some(true) {
                skipped.push(format!("{}: in Ente's trash", a.display_name()));
                continue;
            }
            a.pinned = d.get("pinned").and_then(Value::as_bool).unwrap_or(false);
            if let Some(tags) = d.get("tags").and_then(Value::as_array) {
                a.tags = twofold_vault::account::normalise_tags(
                    tags.iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect(),
                );
            }
            if let Some(note) = d.get("note").and_then(Value::as_str) {
                a.note = note.to_string();
            }
        }
        accounts.push(a);
    }
    Ok((accounts, skipped))
}

pub struct EnteEncryptedImporter;

impl Importer for EnteEncryptedImporter {
    fn format(&self) -> Format {
        Format::EnteEncrypted
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data)
            .is_some_and(|v| v.get("kdfParams").is_some() && v.get("encryptedData").is_some())
    }

    fn is_encrypted(&self, _data: &[u8]) -> bool {
        true
    }

    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: ENC_NAME };
        let root = parse(ENC_NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        let version = cx.opt_u64(root, "version", "export")?.unwrap_or(1);
        if version != 1 {
            return Err(TransferError::NewerVersion {
                format: ENC_NAME,
                found: version as u32,
                supported: 1,
            });
        }
        let kdf = cx.req_obj(root, "kdfParams", "export")?;
        let mem = cx
            .opt_u64(kdf, "memLimit", "kdfParams")?
            .ok_or_else(|| cx.err("kdfParams.memLimit", "missing"))?;
        let ops = cx
            .opt_u64(kdf, "opsLimit", "kdfParams")?
            .ok_or_else(|| cx.err("kdfParams.opsLimit", "missing"))?;
        let salt = b64_decode(cx.req_str(kdf, "salt", "kdfParams")?)
            .ok_or_else(|| cx.err("kdfParams.salt", "not base64"))?;
        let data = b64_decode(cx.req_str(root, "encryptedData", "export")?)
            .ok_or_else(|| cx.err("encryptedData", "not base64"))?;
        let header = b64_decode(cx.req_str(root, "encryptionNonce", "export")?)
            .ok_or_else(|| cx.err("encryptionNonce", "not base64"))?;
        if header.len() != 24 {
            return Err(cx.err("encryptionNonce", "not 24 bytes"));
        }
        if data.len() < 17 {
            return Err(cx.err("encryptedData", "shorter than one stream chunk (truncated)"));
        }
        // libsodium's memLimit is in bytes; the documentation's sample uses small numbers.
        let m_kib = if mem / 1024 >= 8 { mem / 1024 } else { mem };
        // A crafted file is refused as damaged before a password is even asked for.
        crypto::check_argon2id(m_kib, ops, 1).map_err(|e| cx.err("kdfParams", e))?;
        let password = password.ok_or(TransferError::PasswordRequired { format: ENC_NAME })?;
        let key = crypto::argon2id(password.as_bytes(), &salt, m_kib, ops, 1)
            .map_err(|e| cx.err("kdfParams", e))?;
        let plain = crypto::secretstream_open(&key, &header, &data, usize::MAX - 17).ok_or(TransferError::WrongPassword {
            format: "Ente Auth encrypted export (or the file is damaged: the authentication tag does not verify)",
        })?;
        let (accounts, skipped) = parse_text(ENC_NAME, &plain)?;
        Ok(Imported {
            format: Format::EnteEncrypted,
            encrypted: true,
            accounts,
            skipped,
        })
    }
}
