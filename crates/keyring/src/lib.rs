//! The OS keyring, for the vault key, the automatic-backup password and the test server's key:
//! the Secret Service on Linux (gnome-keyring, KWallet, KeePassXC), the Credential Manager on
//! Windows, the login Keychain on macOS, each chosen at compile time through `keyring-core`'s
//! store for that system. Every call runs on a helper thread with a timeout: a locked keyring
//! waiting on an unlock dialog nobody sees must not hang the caller.
//!
//! Entries are named by a *service* and a *user* (the same names on every system); the label is
//! what the keyring's own UI shows, where it has one.

use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

/// One keyring entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub service: String,
    pub user: String,
    /// Shown by the keyring's UI (Seahorse, KWallet); not used where the store has no labels.
    pub label: String,
}

/// Every way a keyring call can fail, told apart so the caller can name the way out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// No keyring service to talk to (no D-Bus session, no Secret Service provider).
    #[error("no OS keyring service is running ({0})")]
    NoService(String),
    /// The keyring is locked or refused access.
    #[error("the OS keyring is locked or refused access ({0})")]
    Locked(String),
    /// The keyring did not answer in time (probably waiting on an unlock prompt).
    #[error("the OS keyring did not answer within {0} s")]
    Timeout(u64),
    /// Any other failure of the keyring.
    #[error("the OS keyring failed ({0})")]
    Failed(String),
}

/// Which keyring this build talks to, for messages and `twofold vault info`.
pub const STORE_NAME: &str = if cfg!(target_os = "linux") {
    "Secret Service"
} else if cfg!(target_os = "windows") {
    "Windows Credential Manager"
} else if cfg!(target_os = "macos") {
    "macOS Keychain"
} else {
    "none"
};

/// How long one keyring call may take: `TWOFOLD_KEYRING_TIMEOUT` seconds, 10 by default.
pub fn timeout() -> Duration {
    let secs = std::env::var("TWOFOLD_KEYRING_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// The secret of `entry`; `None` when there is no such entry.
pub fn get(entry: &Entry) -> Result<Option<Zeroizing<Vec<u8>>>, KeyringError> {
    run(entry, |e| match e.get_secret() {
        Ok(v) => Ok(Some(Zeroizing::new(v))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(err) => Err(err),
    })
}

/// Stores (or replaces) the secret of `entry`.
pub fn set(entry: &Entry, secret: &[u8]) -> Result<(), KeyringError> {
    let secret = Zeroizing::new(secret.to_vec());
    run(entry, move |e| e.set_secret(&secret))
}

/// Removes `entry` (an absent entry is fine).
pub fn delete(entry: &Entry) -> Result<(), KeyringError> {
    run(entry, |e| match e.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(err) => Err(err),
    })
}

/// Runs `f` on the entry on a detached thread, waiting at most [`timeout`].
fn run<T: Send + 'static>(
    entry: &Entry,
    f: impl FnOnce(&keyring_core::Entry) -> keyring_core::Result<T> + Send + 'static,
) -> Result<T, KeyringError> {
    let limit = timeout();
    let (tx, rx) = mpsc::channel();
    let entry = entry.clone();
    std::thread::Builder::new()
        .name("twofold-keyring".into())
        .spawn(move || {
            let _ = tx.send(build(&entry).and_then(|e| f(&e)));
        })
        .map_err(|e| KeyringError::Failed(format!("cannot start the keyring thread: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(r) => r.map_err(classify),
        Err(_) => Err(KeyringError::Timeout(limit.as_secs())),
    }
}

#[cfg(target_os = "linux")]
fn build(entry: &Entry) -> keyring_core::Result<keyring_core::Entry> {
    use keyring_core::api::CredentialStoreApi;
    let store = zbus_secret_service_keyring_store::Store::new()?;
    let mods = std::collections::HashMap::from([("label", entry.label.as_str())]);
    store.build(&entry.service, &entry.user, Some(&mods))
}

#[cfg(target_os = "windows")]
fn build(entry: &Entry) -> keyring_core::Result<keyring_core::Entry> {
    use keyring_core::api::CredentialStoreApi;
    // Target name `<user>.<service>` (the store's default, as keyring 3 wrote it); the
    // Credential Manager shows no separate label.
    windows_native_keyring_store::Store::new()?.build(&entry.service, &entry.user, None)
}

#[cfg(target_os = "macos")]
fn build(entry: &Entry) -> keyring_core::Result<keyring_core::Entry> {
    use keyring_core::api::CredentialStoreApi;
    // A generic password in the login keychain: service and account are the entry's names.
    apple_native_keyring_store::keychain::Store::new()?.build(&entry.service, &entry.user, None)
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn build(_entry: &Entry) -> keyring_core::Result<keyring_core::Entry> {
    Err(keyring_core::Error::NoDefaultStore)
}

/// Sorts a `keyring-core` error into what the caller can act on.
fn classify(e: keyring_core::Error) -> KeyringError {
    use keyring_core::Error as K;
    let detail = e.to_string();
    match e {
        K::NoStorageAccess(_) => KeyringError::Locked(detail),
        K::NoDefaultStore => KeyringError::NoService(detail),
        K::PlatformFailure(_) => {
            let l = detail.to_ascii_lowercase();
            if [
                "connection",
                "serviceunknown",
                "service unknown",
                "not provided by any .service",
                "no such file",
                "address",
                "unavailable",
                "no secret service provider",
                "dbus session",
            ]
            .iter()
            .any(|k| l.contains(k))
            {
                KeyringError::NoService(detail)
            } else if l.contains("prompt") || l.contains("locked") {
                KeyringError::Locked(detail)
            } else {
                KeyringError::Failed(detail)
            }
        }
        _ => KeyringError::Failed(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_sorted_by_what_the_user_can_do() {
        let e = classify(keyring_core::Error::NoDefaultStore);
        assert!(matches!(e, KeyringError::NoService(_)));
        let e = classify(keyring_core::Error::PlatformFailure(
            "org.freedesktop.DBus.Error.ServiceUnknown".into(),
        ));
        assert!(matches!(e, KeyringError::NoService(_)));
        let e = classify(keyring_core::Error::PlatformFailure(
            "prompt dismissed".into(),
        ));
        assert!(matches!(e, KeyringError::Locked(_)));
        let e = classify(keyring_core::Error::PlatformFailure("boom".into()));
        assert!(matches!(e, KeyringError::Failed(_)));
    }
}
