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

/// The keyring user name of the key of vault `vault_id_hex`.
pub fn keyring_user(vault_id_hex: &str) -> String {
    format!("vault-{vault_id_hex}")
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

fn run(vault_id_hex: &str, op: Op) -> Result<Reply> {
    let user = keyring_user(vault_id_hex);
    let limit = timeout();
    let (tx, rx) = mpsc::channel();
    let u = user.clone();
    // The thread is detached: if the keyring hangs, the caller gets its error and moves on.
    std::thread::Builder::new()
        .name("twofold-keyring".into())
        .spawn(move || {
            let _ = tx.send(call(&u, op));
        })
        .map_err(|e| VaultError::Keyring {
            detail: format!("cannot start the keyring thread: {e}"),
        })?;
    match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(|e| map_error(e, &user)),
        Err(_) => Err(VaultError::KeyringTimeout(limit.as_secs())),
    }
}

#[cfg(target_os = "linux")]
fn entry(user: &str) -> keyring_core::Result<keyring_core::Entry> {
    use keyring_core::api::CredentialStoreApi;
    let store = zbus_secret_service_keyring_store::Store::new()?;
    let label = format!("Twofold vault key ({user})");
    let mods: HashMap<&str, &str> = HashMap::from([("label", label.as_str())]);
    store.build(KEYRING_SERVICE, user, Some(&mods))
}

#[cfg(not(target_os = "linux"))]
fn entry(user: &str) -> keyring_core::Result<keyring_core::Entry> {
    // Other platforms: whichever default store the application installed
    // (keyring_core::set_default_store); none means a clear "no keyring service" error.
    let _ = HashMap::<&str, &str>::new();
    keyring_core::Entry::new(KEYRING_SERVICE, user)
}

fn call(user: &str, op: Op) -> keyring_core::Result<Reply> {
    let e = entry(user)?;
    match op {
        Op::Get => e.get_secret().map(|v| Reply::Key(Zeroizing::new(v))),
        Op::Set(hex) => e.set_secret(hex.as_bytes()).map(|_| Reply::Done),
        Op::Delete => match e.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(Reply::Done),
            Err(e) => Err(e),
        },
    }
}

fn map_error(e: keyring_core::Error, user: &str) -> VaultError {
    use keyring_core::Error as K;
    let detail = e.to_string();
    match e {
        K::NoEntry => VaultError::KeyMissing {
            service: KEYRING_SERVICE.into(),
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
    match run(vault_id_hex, Op::Get)? {
        Reply::Key(bytes) => VaultKey::from_hex(&bytes).ok_or_else(|| VaultError::KeyMismatch {
            service: KEYRING_SERVICE.into(),
            user: keyring_user(vault_id_hex),
        }),
        Reply::Done => unreachable!("get returns a key"),
    }
}

/// Stores (or replaces) the vault key of `vault_id_hex` in the keyring.
pub fn store_key(vault_id_hex: &str, key: &VaultKey) -> Result<()> {
    run(vault_id_hex, Op::Set(key.to_hex())).map(|_| ())
}

/// Removes the key of `vault_id_hex` from the keyring (no error when it is absent).
pub fn delete_key(vault_id_hex: &str) -> Result<()> {
    run(vault_id_hex, Op::Delete).map(|_| ())
}
