//! Twofold's own encrypted backup. The byte layout is documented in `docs/backup-format.md` and
//! read independently by `docs/decrypt_backup.py`:
//!
//! ```text
//! 0   8  magic "TWOFOLDB"
//! 8   2  format version, u16 little-endian (1)
//! 10  1  KDF id (1 = Argon2id v1.3)
//! 11  4  Argon2id memory in KiB, u32 LE
//! 15  4  Argon2id passes, u32 LE
//! 19  4  Argon2id lanes, u32 LE
//! 23 16  salt
//! 39 24  XChaCha20-Poly1305 nonce
//! 63  …  ciphertext and 16-byte tag; associated data = bytes 0..63
//! ```
//! The plaintext is UTF-8 JSON `{"twofold_backup": 1, "created": UNIX, "accounts": [...]}` with
//! the vault's own account objects.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::crypto;
use super::{
    ExportFile, ExportFormat, Exported, Exporter, Format, Imported, Importer, TransferError,
};
use twofold_vault::account::Account;
use twofold_vault::KdfParams;

pub const MAGIC: &[u8; 8] = b"TWOFOLDB";
pub const VERSION: u16 = 1;
pub const KDF_ARGON2ID: u8 = 1;
pub const HEADER_LEN: usize = 63;
/// The file name extension of backups.
pub const EXTENSION: &str = "twofoldbackup";

const NAME: &str = "Twofold backup";

#[derive(Serialize, Deserialize)]
struct Payload_ {
    twofold_backup: u32,
    created: u64,
    accounts: Vec<Account>,
}

/// Seals `accounts` into a backup file's bytes.
pub fn seal(
    accounts: &[Account],
    password: &str,
    kdf: KdfParams,
    now: u64,
) -> Result<Vec<u8>, TransferError> {
    if password.is_empty() {
        return Err(TransferError::Export(
            "the backup password is empty: choose a non-empty password".into(),
        ));
    }
    kdf.check().map_err(TransferError::Export)?;
    let salt: [u8; 16] = crypto::random()?;
    let nonce: [u8; 24] = crypto::random()?;
    let mut out = Vec::with_capacity(HEADER_LEN + 256 * accounts.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.push(KDF_ARGON2ID);
    out.extend_from_slice(&kdf.m_kib.to_le_bytes());
    out.extend_from_slice(&kdf.t.to_le_bytes());
    out.extend_from_slice(&kdf.p.to_le_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    debug_assert_eq!(out.len(), HEADER_LEN);
    let key = crypto::argon2id(
        password.as_bytes(),
        &salt,
        kdf.m_kib as u64,
        kdf.t as u64,
        kdf.p as u64,
    )
    .map_err(TransferError::Export)?;
    let body = Payload_ {
        twofold_backup: 1,
        created: now,
        accounts: accounts.to_vec(),
    };
    let plain = Zeroizing::new(
        serde_json::to_vec(&body).map_err(|e| TransferError::Export(e.to_string()))?,
    );
    drop(body);
    let cipher = XChaCha20Poly1305::new_from_slice(&key[..])
        .map_err(|e| TransferError::Export(e.to_string()))?;
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &out,
            },
        )
        .map_err(|_| TransferError::Export("encryption failed".into()))?;
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a backup file's bytes.
pub fn open(data: &[u8], password: &str) -> Result<Vec<Account>, TransferError> {
    if data.len() < 8 || &data[..8] != MAGIC {
        return Err(TransferError::corrupt(
            NAME,
            "byte 0",
            "the file does not start with TWOFOLDB",
        ));
    }
    if data.len() < HEADER_LEN + 16 {
        return Err(TransferError::corrupt(
            NAME,
            format!("byte {}", data.len()),
            format!(
                "the file ends inside the {HEADER_LEN}-byte header or before the tag (truncated)"
            ),
        ));
    }
    let version = u16::from_le_bytes([data[8], data[9]]);
    if version != VERSION {
        return Err(TransferError::NewerVersion {
            format: NAME,
            found: version as u32,
            supported: VERSION as u32,
        });
    }
    if data[10] != KDF_ARGON2ID {
        return Err(TransferError::corrupt(
            NAME,
            "byte 10",
            format!("unknown KDF id {}", data[10]),
        ));
    }
    let u = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let kdf = KdfParams {
        m_kib: u(11),
        t: u(15),
        p: u(19),
    };
    kdf.check()
        .map_err(|e| TransferError::corrupt(NAME, "bytes 11-22 (Argon2id parameters)", e))?;
    let salt = &data[23..39];
    let nonce = &data[39..63];
    let key = crypto::argon2id(
        password.as_bytes(),
        salt,
        kdf.m_kib as u64,
        kdf.t as u64,
        kdf.p as u64,
    )
    .map_err(|e| TransferError::corrupt(NAME, "bytes 11-22 (Argon2id parameters)", e))?;
    let cipher = XChaCha20Poly1305::new_from_slice(&key[..])
        .map_err(|e| TransferError::Export(e.to_string()))?;
    // A wrong password and a damaged file are indistinguishable under an AEAD; say both.
    let plain = Zeroizing::new(
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: &data[HEADER_LEN..], aad: &data[..HEADER_LEN] })
            .map_err(|_| TransferError::WrongPassword { format: "Twofold backup (or the file is damaged: the authentication tag does not verify)" })?,
    );
    let body: Payload_ = serde_json::from_slice(&plain).map_err(|e| {
        TransferError::corrupt(
            NAME,
            format!(
                "the decrypted JSON, line {}, column {}",
                e.line(),
                e.column()
            ),
            "unexpected content",
        )
    })?;
    if body.twofold_backup != 1 {
        return Err(TransferError::NewerVersion {
            format: NAME,
            found: body.twofold_backup,
            supported: 1,
        });
    }
    for (i, a) in body.accounts.iter().enumerate() {
        a.params().validate().map_err(|e| {
            TransferError::corrupt(
                NAME,
                format!("account {}", i + 1),
                super::json::otp_reason(&e),
            )
        })?;
    }
    Ok(body.accounts)
}

pub struct TwofoldImporter;

impl Importer for TwofoldImporter {
    fn format(&self) -> Format {
        Format::Twofold
    }
    fn detect(&self, data: &[u8]) -> bool {
        data.starts_with(MAGIC)
    }
    fn is_encrypted(&self, _data: &[u8]) -> bool {
        true
    }
    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        if data.len() >= 8 && &data[..8] == MAGIC && data.len() < HEADER_LEN + 16 {
            return open(data, "").map(|_| unreachable_imported());
        }
        let password = password.ok_or(TransferError::PasswordRequired { format: NAME })?;
        Ok(Imported {
            format: Format::Twofold,
            encrypted: true,
            accounts: open(data, password)?,
            skipped: Vec::new(),
        })
    }
}

fn unreachable_imported() -> Imported {
    // `open` always fails on a truncated header; this keeps the types simple.
    Imported {
        format: Format::Twofold,
        encrypted: true,
        accounts: Vec::new(),
        skipped: Vec::new(),
    }
}

pub struct TwofoldExporter {
    pub kdf: KdfParams,
}

impl Exporter for TwofoldExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Twofold
    }
    fn export(
        &self,
        accounts: &[Account],
        password: Option<&str>,
    ) -> Result<Exported, TransferError> {
        let password = password.ok_or_else(|| {
            TransferError::Export(
                "a Twofold backup is always encrypted: give a password (--password-file FILE)"
                    .into(),
            )
        })?;
        let bytes = seal(accounts, password, self.kdf, twofold_otp::unix_now())?;
        Ok(Exported {
            files: vec![ExportFile {
                name: format!("twofold-backup.{EXTENSION}"),
                bytes: Zeroizing::new(bytes),
            }],
            skipped: Vec::new(),
        })
    }
}
