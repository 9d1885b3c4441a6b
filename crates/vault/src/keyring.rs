//! The keyring slot: the vault key in the OS keyring (Secret Service on Linux), every call behind
//! a timeout because a locked keyring with a display can wait forever on an unlock dialog.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Result, VaultError};
use crate::format::VaultKey;

/// The keyring service name of every Twofold vault key.
pub const KEYRING_SERVICE: &str = "twofold-vault-key";

/// The keyring service name of the password of a vault's automatic backups (desktop app).
pub const BACKUP_PASSWORD_SERVICE: &str = "twofold-backup-password";

/// The keyring user name of the key of vault `vault_id_hex` (and of its backup password).
pub fn keyring_user(vault_id_hex: &str) -> String {
    format!("vault-{vault_id_hex}")
}

/// One keyring item: a vault key, or the password of a vault's automatic backups.
#[derive(Clone, Copy)]
enum Item {
    VaultKey,
    BackupPassword,
}

impl Item {
    fn service(self) -> &'static str {
        match self {
            Item::VaultKey => KEYRING_SERVICE,
            Item::BackupPassword => BACKUP_PASSWORD_SERVICE,
        }
    }

    /// What the keyring's own UI (Seahorse, Keychain Access) shows.
    fn label(self, user: &str) -> String {
        match self {
            Item::VaultKey => format!("Twofold vault key ({user})"),
            Item::BackupPassword => format!("Twofold automatic backup password ({user})"),
        }
    }
}

/// How long one keyring call may take: `TWOFOLD_KEYRING_TIMEOUT` seconds, 10 by default.
pub fn timeout() -> Duration {
    let secs = std::env::var("TWOFOLD_KEYRING_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(10);
    Duration::from_secs(secs)
}

enum Op {
    Get,
    Set(Zeroizing<String>),
    Delete,
}

enum Reply {
    Key(Zeroizing<Vec<u8>>),
    Done,
}

fn run(item: Item, vault_id_hex: &str, op: Op) -> Result<Reply> {
    let user = keyring_user(vault_id_hex);
    let limit = timeout();
    let (tx, rx) = mpsc::channel();
    let u = user.clone();
    // The thread is detached: if the keyring hangs, the caller gets its error and moves on.
    std::thread::Builder::new()
        .name("twofold-keyring".into())
        .spawn(move || {
            let _ = tx.send(call(item, &u, op));
        })
        .map_err(|e| VaultError::Keyring {
            detail: format!("cannot start the keyring thread: {e}"),
        })?;
    match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(|e| map_error(e, item, &user)),
        Err(_) => Err(VaultError::KeyringTimeout(limit.as_secs())),
    }
}

#[cfg(target_os = "linux")]
fn entry(item: Item, user: &str) -> keyring_core::Result<keyring_core::Entry> {
    use keyring_core::api::CredentialStoreApi;
    let store = zbus_secret_service_keyring_store::Store::new()?;
    let label = item.label(user);
    let mods: HashMap<&str, &str> = HashMap::from([("label", label.as_str())]);
    store.build(item.service(), user, Some(&mods))
}

#[cfg(not(target_os = "linux"))]
fn entry(item: Item, user: &str) -> keyring_core::Result<keyring_core::Entry> {
    // Other platforms: whichever default store the application installed
    // (keyring_core::set_default_store); none means a clear "no keyring service" error.
    let _ = HashMap::<&str, &str>::new();
    keyring_core::Entry::new(item.service(), user)
}

fn call(item: Item, user: &str, op: Op) -> keyring_core::Result<Reply> {
    let e = entry(item, user)?;
    match op {
        Op::Get => e.get_secret().map(|v| Reply::Key(Zeroizing::new(v))),
        Op::Set(hex) => e.set_secret(hex.as_bytes()).map(|_| Reply::Done),
        Op::Delete => match e.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(Reply::Done),
            Err(e) => Err(e),
        },
    }
}

fn map_error(e: keyring_core::Error, item: Item, user: &str) -> VaultError {
    use keyring_core::Error as K;
    let detail = e.to_string();
    match e {
        K::NoEntry => VaultError::KeyMissing {
            service: item.service().into(),
            user: user.into(),
        },
        K::NoStorageAccess(_) => VaultError::KeyringLocked { detail },
        K::NoDefaultStore => VaultError::NoKeyringService { detail },
        K::PlatformFailure(_) => {
            let l = detail.to_ascii_lowercase();
            if l.contains("connection")
                || l.contains("serviceunknown")
                || l.contains("service unknown")
                || l.contains("not provided by any .service")
                || l.contains("no such file")
                || l.contains("address")
                || l.contains("unavailable")
                || l.contains("no secret service provider")
                || l.contains("dbus session")
            {
                VaultError::NoKeyringService { detail }
            } else if l.contains("prompt") || l.contains("locked") {
                VaultError::KeyringLocked { detail }
            } else {
                VaultError::Keyring { detail }
            }
        }
        _ => VaultError::Keyring { detail },
    }
}

/// Reads the vault key of `vault_id_hex` from the keyring.
pub fn load_key(vault_id_hex: &str) -> Result<VaultKey> {
    match run(Item::VaultKey, vault_id_hex, Op::Get)? {
        Reply::Key(bytes) => VaultKey::from_hex(&bytes).ok_or_else(|| VaultError::KeyMismatch {
            service: KEYRING_SERVICE.into(),
            user: keyring_user(vault_id_hex),
        }),
        Reply::Done => unreachable!("get returns a key"),
    }
}

/// Stores (or replaces) the vault key of `vault_id_hex` in the keyring.
pub fn store_key(vault_id_hex: &str, key: &VaultKey) -> Result<()> {
    run(Item::VaultKey, vault_id_hex, Op::Set(key.to_hex())).map(|_| ())
}

/// Removes the key of `vault_id_hex` from the keyring (no error when it is absent).
pub fn delete_key(vault_id_hex: &str) -> Result<()> {
    run(Item::VaultKey, vault_id_hex, Op::Delete).map(|_| ())
}

/// The password of the automatic backups of vault `vault_id_hex`, if one was stored.
pub fn load_backup_password(vault_id_hex: &str) -> Result<Option<Zeroizing<String>>> {
    match run(Item::BackupPassword, vault_id_hex, Op::Get) {
        Ok(Reply::Key(bytes)) => std::str::from_utf8(&bytes)
            .map(|s| Some(Zeroizing::new(s.to_owned())))
            .map_err(|_| VaultError::Keyring {
                detail: format!(
                    "the backup password in the keyring ({BACKUP_PASSWORD_SERVICE}) is not text: set it again"
                ),
            }),
        Ok(Reply::Done) => unreachable!("get returns a secret"),
        Err(VaultError::KeyMissing { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Stores (or replaces) the password of the automatic backups of vault `vault_id_hex`.
pub fn store_backup_password(vault_id_hex: &str, password: &str) -> Result<()> {
    run(
        Item::BackupPassword,
        vault_id_hex,
        Op::Set(Zeroizing::new(password.to_owned())),
    )
    .map(|_| ())
}

/// Removes the password of the automatic backups of vault `vault_id_hex` (none is fine).
pub fn delete_backup_password(vault_id_hex: &str) -> Result<()> {
    run(Item::BackupPassword, vault_id_hex, Op::Delete).map(|_| ())
}
