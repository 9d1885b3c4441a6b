//! The vault on disk: open, unlock, change under an exclusive lock, write atomically.
//!
//! `file.rs`: the files (paths beside the vault, the lock, atomic writes, backups);
//! `payload.rs`: the accounts inside the encryption; `slots.rs`: unlocking and the key slots
//! (passphrase, OS keyring, key rotation); `accounts.rs`: adding, changing and removing
//! accounts, and codes; this file: the vault's types, opening and creating, and the one locked
//! change every write goes through.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::account::{find, new_id, Account, AccountPatch, AccountSummary};
use crate::error::{Result, VaultError};
use crate::format::{self, FormatError, Header, KdfParams, Slot, VaultKey, FORMAT_VERSION};
use crate::intake;
use crate::keyring::{self, KEYRING_SERVICE};
use crate::passphrase::{check_new_passphrase, trim_newline};
use crate::private_fs;
use crate::private_fs::parent;
use twofold_otp::unix_now as now;

mod accounts;
mod file;
mod payload;
mod slots;

pub use accounts::Added;
use file::*;
pub use file::{backup_path, lock_path};
pub use payload::write_payload;
use payload::*;
use slots::*;
pub use slots::{inspect, unlock_test};

/// Largest vault file Twofold reads (a crafted or corrupt file cannot make it allocate more).
const MAX_FILE_LEN: u64 = 512 * 1024 * 1024;

/// Which key slot opened the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    Keyring,
    Passphrase,
}

/// How to unlock: the keyring slot unless a passphrase is given.
#[derive(Clone, Default)]
pub struct Unlock {
    pub passphrase: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Unlock {
    pub fn keyring() -> Self {
        Self { passphrase: None }
    }
    pub fn passphrase(p: Zeroizing<String>) -> Self {
        Self {
            passphrase: Some(p),
        }
    }
}

/// Which slots a new vault gets.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Store the key in the OS keyring (a failure is reported, not fatal, when a passphrase
    /// slot is made instead).
    pub keyring: bool,
    /// Argon2id cost of a passphrase slot.
    pub kdf: KdfParams,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            keyring: true,
            kdf: KdfParams::DEFAULT,
        }
    }
}

/// What happened when a vault was created.
#[derive(Debug)]
pub struct Creation {
    pub slots: Vec<SlotKind>,
    /// Why the keyring slot could not be made, when it could not.
    pub keyring_error: Option<VaultError>,
}

/// A code and what a UI needs around it.
#[derive(Debug)]
pub struct Code {
    pub code: Zeroizing<String>,
    /// Seconds until a TOTP/Steam code changes.
    pub seconds_left: Option<u64>,
    /// The counter an HOTP code was made for (the stored counter is now one more).
    pub counter: Option<u64>,
}

/// What the header says, readable without unlocking.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderInfo {
    pub path: PathBuf,
    pub backup_path: PathBuf,
    pub lock_path: PathBuf,
    pub format_version: u16,
    pub vault_id: String,
    pub generation: u64,
    pub saved_at: u64,
    pub file_size: u64,
    pub slots: Vec<SlotInfo>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SlotInfo {
    Keyring {
        /// The OS keyring this build uses (`Secret Service`, `Windows Credential Manager`,
        /// `macOS Keychain`).
        store: &'static str,
        service: String,
        user: String,
    },
    Passphrase {
        kdf: &'static str,
        memory_kib: u32,
        iterations: u32,
        lanes: u32,
    },
}

/// An unlocked vault. It keeps the vault key (zeroized on drop) and a copy of the accounts;
/// every change re-reads the file under the lock, applies itself, and writes a new generation.
pub struct Vault {
    path: PathBuf,
    header: Header,
    key: VaultKey,
    accounts: Vec<Account>,
    unlocked_by: SlotKind,
    /// The file's bytes as last read or written (ciphertext only, nothing secret). The re-read
    /// under the lock compares the file with them: equal bytes need no decryption; any other
    /// bytes are decrypted and authenticated again before anything is written.
    file: Vec<u8>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("vault_id", &self.header.vault_id_hex())
            .field("generation", &self.header.generation)
            .field("accounts", &self.accounts.len())
            .field("unlocked_by", &self.unlocked_by)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Opens and unlocks the vault at `path`. Nothing is ever written by opening.
    pub fn open(path: &Path, unlock: &Unlock) -> Result<Vault> {
        let path = &resolve(path)?;
        let bytes = read_file(path)?;
        let (header, len) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
        let (key, unlocked_by) = unlock_key(path, &header, unlock)?;
        let plain = format::open(&bytes, len, &header, &key).map_err(|e| map_format(path, e))?;
        let accounts = decode_payload(path, &plain)?;
        Ok(Vault {
            path: path.to_path_buf(),
            header,
            key,
            accounts,
            unlocked_by,
            file: bytes,
        })
    }

    /// Creates a new, empty vault at `path`; fails if one exists (or only its backup does).
    /// The keyring slot is made when `opts.keyring` and the keyring works; the passphrase slot
    /// when `unlock` carries a passphrase. At least one must succeed.
    pub fn create(path: &Path, unlock: &Unlock, opts: &CreateOptions) -> Result<(Vault, Creation)> {
        let path = &resolve(path)?;
        let _guard = lock(path)?;
        Self::create_locked(path, unlock, opts)
    }

    /// Opens the vault, or creates it (see [`Vault::create`]) when there is none at `path`.
    /// Two processes doing this at once end with one vault.
    pub fn open_or_create(
        path: &Path,
        unlock: &Unlock,
        opts: &CreateOptions,
    ) -> Result<(Vault, Option<Creation>)> {
        let path = &resolve(path)?;
        match Vault::open(path, unlock) {
            Err(VaultError::NotFound(_)) => {}
            other => return other.map(|v| (v, None)),
        }
        let guard = lock(path)?;
        if path.exists() {
            drop(guard);
            return Vault::open(path, unlock).map(|v| (v, None));
        }
        Self::create_locked(path, unlock, opts).map(|(v, c)| (v, Some(c)))
    }

    fn create_locked(
        path: &Path,
        unlock: &Unlock,
        opts: &CreateOptions,
    ) -> Result<(Vault, Creation)> {
        if path.exists() {
            return Err(VaultError::AlreadyExists(path.to_path_buf()));
        }
        let bak = backup_path(path);
        if bak.exists() {
            return Err(VaultError::MissingWithBackup {
                path: path.to_path_buf(),
                backup: bak,
            });
        }
        if let Some(p) = &unlock.passphrase {
            check_new_passphrase(p)?;
        }
        let key = VaultKey::random().map_err(|e| map_format(path, e))?;
        let mut vault_id = [0u8; 16];
        format::fill_random(&mut vault_id).map_err(|e| map_format(path, e))?;
        let id_hex = hex::encode(vault_id);
        let mut slots = Vec::new();
        let mut kinds = Vec::new();
        let mut keyring_error = None;
        if opts.keyring {
            // The slot is only recorded once the key is really there.
            match keyring::store_key_checked(&id_hex, &key) {
                Ok(()) => {
                    slots
                        .push(Slot::new_keyring(&key, &vault_id).map_err(|e| map_format(path, e))?);
                    kinds.push(SlotKind::Keyring);
                }
                Err(e) => keyring_error = Some(e),
            }
        }
        if let Some(p) = &unlock.passphrase {
            let p = trim_newline(p);
            slots.push(
                Slot::new_passphrase(&key, &vault_id, p.as_bytes(), opts.kdf)
                    .map_err(|e| map_format(path, e))?,
            );
            kinds.push(SlotKind::Passphrase);
        }
        if slots.is_empty() {
            return Err(keyring_error.unwrap_or(VaultError::PassphraseRequired));
        }
        let mut header = Header {
            version: FORMAT_VERSION,
            vault_id,
            generation: 1,
            saved_at: now(),
            nonce: [0; format::NONCE_LEN],
            slots,
        };
        let file = format::seal_with(&mut header, &key, payload_hint(0), |w| {
            write_payload(w, &[])
        })
        .map_err(|e| map_format(path, e))?;
        if let Err(e) = atomic_write(path, &file) {
            if kinds.contains(&SlotKind::Keyring) {
                let _ = keyring::delete_key(&id_hex);
            }
            return Err(e);
        }
        let unlocked_by = if unlock.passphrase.is_some() {
            SlotKind::Passphrase
        } else {
            SlotKind::Keyring
        };
        Ok((
            Vault {
                path: path.to_path_buf(),
                header,
                key,
                accounts: Vec::new(),
                unlocked_by,
                file,
            },
            Creation {
                slots: kinds,
                keyring_error,
            },
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn unlocked_by(&self) -> SlotKind {
        self.unlocked_by
    }

    pub fn vault_id(&self) -> String {
        self.header.vault_id_hex()
    }

    pub fn info(&self) -> HeaderInfo {
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        header_info(&self.path, &self.header, size)
    }

    pub fn has_passphrase_slot(&self) -> bool {
        self.header.passphrase_slot().is_some()
    }

    /// The accounts as last read (secrets included: keep them in the Rust process).
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The accounts without secrets, pinned first, then by issuer and label.
    pub fn summaries(&self) -> Vec<AccountSummary> {
        let mut v: Vec<AccountSummary> = self.accounts.iter().map(Account::summary).collect();
        v.sort_by(|a, b| {
            b.pinned
                .cmp(&a.pinned)
                .then_with(|| a.issuer.to_lowercase().cmp(&b.issuer.to_lowercase()))
                .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
        });
        v
    }

    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Accounts matched by issuer, label, `issuer:label`, id or id prefix (best level only).
    pub fn find(&self, query: &str) -> Vec<&Account> {
        find(&self.accounts, query)
    }

    fn refresh(&mut self) -> Result<()> {
        let bytes = read_file(&self.path)?;
        if bytes == self.file {
            // Byte for byte what this handle last read or wrote: nothing to decrypt.
            return Ok(());
        }
        let (header, len) = Header::decode(&bytes).map_err(|e| map_format(&self.path, e))?;
        if header.vault_id != self.header.vault_id {
            return Err(VaultError::Tampered {
                path: self.path.clone(),
                backup: backup_path(&self.path),
                reason: "the file now holds another vault (its vault id changed)".into(),
            });
        }
        let plain = match format::open(&bytes, len, &header, &self.key) {
            Ok(p) => p,
            // Another process rotated the key (every slot is rewritten then): follow it through
            // the keyring when this handle came in that way; a passphrase is not kept, so a
            // handle opened with one has to be opened again.
            Err(FormatError::Crypto) if header.slots != self.header.slots => {
                if self.unlocked_by != SlotKind::Keyring || header.keyring_slot().is_none() {
                    return Err(VaultError::KeyChanged);
                }
                let (key, _) = unlock_key(&self.path, &header, &Unlock::keyring())
                    .map_err(|_| VaultError::KeyChanged)?;
                let plain = format::open(&bytes, len, &header, &key)
                    .map_err(|e| map_format(&self.path, e))?;
                self.key = key;
                plain
            }
            Err(e) => return Err(map_format(&self.path, e)),
        };
        self.accounts = decode_payload(&self.path, &plain)?;
        self.header = header;
        self.file = bytes;
        Ok(())
    }

    /// Writes the accounts held now under `header` as the next generation (lock held).
    fn write(&mut self, mut header: Header) -> Result<()> {
        header.generation = self.header.generation.wrapping_add(1);
        header.saved_at = now();
        let hint = if self.file.is_empty() {
            payload_hint(self.accounts.len())
        } else {
            self.file.len() + 1024
        };
        let accounts = &self.accounts;
        let file = format::seal_with(&mut header, &self.key, hint, |w| write_payload(w, accounts))
            .map_err(|e| map_format(&self.path, e))?;
        atomic_write(&self.path, &file)?;
        self.header = header;
        self.file = file;
        Ok(())
    }

    /// Puts the accounts back as the bytes last read or written hold them, after a change that
    /// failed half-way; if even that fails, the next re-read decrypts the file on disk.
    fn roll_back(&mut self) {
        let restored = Header::decode(&self.file)
            .ok()
            .and_then(|(h, len)| format::open(&self.file, len, &h, &self.key).ok())
            .and_then(|plain| decode_payload(&self.path, &plain).ok());
        match restored {
            Some(accounts) => self.accounts = accounts,
            None => self.file.clear(),
        }
    }

    /// Runs `f` on the current accounts under the exclusive lock, after re-reading the file, and
    /// saves the result as a new generation. If `f` or the write fails nothing is written and
    /// the accounts are as they were.
    pub fn modify<R>(&mut self, f: impl FnOnce(&mut Vec<Account>, u64) -> Result<R>) -> Result<R> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        // `f` changes the accounts in place (no copy of 10,000 accounts per save); a failure
        // rolls them back from the file's bytes.
        let header = self.header.clone();
        let r = f(&mut self.accounts, now()).and_then(|r| self.write(header).map(|()| r));
        if r.is_err() {
            self.roll_back();
        }
        r
    }
}

#[cfg(test)]
mod tests;
