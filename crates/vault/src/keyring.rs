//! The keyring slot: the vault key in the OS keyring (through `twofold-keyring`: the Secret
//! Service on Linux, the Credential Manager on Windows, the Keychain on macOS, every call behind
//! a timeout), and the password of a vault's automatic backups beside it.

use zeroize::Zeroizing;

use twofold_keyring::{Entry, KeyringError};

use crate::error::{Result, VaultError};
use crate::format::VaultKey;

pub use twofold_keyring::{timeout, STORE_NAME};

/// The keyring service name of every Twofold vault key.
pub const KEYRING_SERVICE: &str = "twofold-vault-key";

/// The keyring service name of the password of a vault's automatic backups (desktop app).
pub const BACKUP_PASSWORD_SERVICE: &str = "twofold-backup-password";

/// The keyring user name of the key of vault `vault_id_hex` (and of its backup password).
pub fn keyring_user(vault_id_hex: &str) -> String {
    format!("vault-{vault_id_hex}")
}

fn key_entry(vault_id_hex: &str) -> Entry {
    let user = keyring_user(vault_id_hex);
    Entry {
        service: KEYRING_SERVICE.into(),
        label: format!("Twofold vault key ({user})"),
        user,
    }
}

fn backup_entry(vault_id_hex: &str) -> Entry {
    let user = keyring_user(vault_id_hex);
    Entry {
        service: BACKUP_PASSWORD_SERVICE.into(),
        label: format!("Twofold automatic backup password ({user})"),
        user,
    }
}

fn map_error(e: KeyringError) -> VaultError {
    match e {
        KeyringError::NoService(detail) => VaultError::NoKeyringService { detail },
        KeyringError::Locked(detail) => VaultError::KeyringLocked { detail },
        KeyringError::Timeout(secs) => VaultError::KeyringTimeout(secs),
        KeyringError::Failed(detail) => VaultError::Keyring { detail },
    }
}

/// Reads the vault key of `vault_id_hex` from the keyring.
pub fn load_key(vault_id_hex: &str) -> Result<VaultKey> {
    let entry = key_entry(vault_id_hex);
    let mismatch = || VaultError::KeyMismatch {
        service: entry.service.clone(),
        user: entry.user.clone(),
    };
    match twofold_keyring::get(&entry).map_err(map_error)? {
        Some(bytes) => VaultKey::from_hex(&bytes).ok_or_else(mismatch),
        None => Err(VaultError::KeyMissing {
            service: entry.service.clone(),
            user: entry.user.clone(),
        }),
    }
}

/// Stores (or replaces) the vault key of `vault_id_hex` in the keyring.
pub fn store_key(vault_id_hex: &str, key: &VaultKey) -> Result<()> {
    twofold_keyring::set(&key_entry(vault_id_hex), key.to_hex().as_bytes()).map_err(map_error)
}

/// Stores the key, then reads it back: it counts as stored only once the keyring returns it.
pub fn store_key_checked(vault_id_hex: &str, key: &VaultKey) -> Result<()> {
    store_key(vault_id_hex, key)?;
    if load_key(vault_id_hex)?.0[..] != key.0[..] {
        return Err(VaultError::Keyring {
            detail: "the keyring returned another key than the one stored".into(),
        });
    }
    Ok(())
}

/// Removes the key of `vault_id_hex` from the keyring (no error when it is absent).
pub fn delete_key(vault_id_hex: &str) -> Result<()> {
    twofold_keyring::delete(&key_entry(vault_id_hex)).map_err(map_error)
}

/// The password of the automatic backups of vault `vault_id_hex`, if one was stored.
pub fn load_backup_password(vault_id_hex: &str) -> Result<Option<Zeroizing<String>>> {
    match twofold_keyring::get(&backup_entry(vault_id_hex)).map_err(map_error)? {
        None => Ok(None),
        Some(bytes) => std::str::from_utf8(&bytes)
            .map(|s| Some(Zeroizing::new(s.to_owned())))
            .map_err(|_| VaultError::Keyring {
                detail: format!(
                    "the backup password in the keyring ({BACKUP_PASSWORD_SERVICE}) is not text: set it again"
                ),
            }),
    }
}

/// Stores (or replaces) the password of the automatic backups of vault `vault_id_hex`.
pub fn store_backup_password(vault_id_hex: &str, password: &str) -> Result<()> {
    twofold_keyring::set(&backup_entry(vault_id_hex), password.as_bytes()).map_err(map_error)
}

/// Removes the password of the automatic backups of vault `vault_id_hex` (none is fine).
pub fn delete_backup_password(vault_id_hex: &str) -> Result<()> {
    twofold_keyring::delete(&backup_entry(vault_id_hex)).map_err(map_error)
}
