use std::path::PathBuf;

use thiserror::Error;

/// Every way a vault operation can fail. Each message says what went wrong, in words that fit
/// any front end; a front end adds its own way out (the CLI names its flags and commands in
/// `cli/src/error.rs`, the window its buttons in `src-tauri/src/vault_banner.rs`). No message
/// ever contains a secret, a passphrase or key material.
#[derive(Debug, Error)]
pub enum VaultError {
    #[error("no vault at {}", .0.display())]
    NotFound(PathBuf),

    #[error("no vault at {} but its backup {} exists: copy the backup to the vault path to restore it (nothing was created)", .path.display(), .backup.display())]
    MissingWithBackup { path: PathBuf, backup: PathBuf },

    #[error("a vault already exists at {}: open it instead of creating a new one", .0.display())]
    AlreadyExists(PathBuf),

    #[error("{} is not a Twofold vault (its first bytes are not the vault signature): check the path", .0.display())]
    NotAVault(PathBuf),

    #[error("the vault {} is damaged or was tampered with ({reason}); it was left untouched: restore {} or a copy of your own", .path.display(), .backup.display())]
    Tampered {
        path: PathBuf,
        backup: PathBuf,
        reason: String,
    },

    #[error("the vault {} was written by a newer Twofold (format {found}, this one reads up to {supported}): upgrade Twofold to open it", .path.display())]
    NewerVersion {
        path: PathBuf,
        found: u16,
        supported: u16,
    },

    #[error("no OS keyring service is running ({detail}): start one (gnome-keyring, KWallet, KeePassXC) or unlock the vault with its passphrase")]
    NoKeyringService { detail: String },

    #[error("the OS keyring is locked or refused access ({detail}): unlock it (log in to your desktop session) or unlock the vault with its passphrase")]
    KeyringLocked { detail: String },

    #[error("the OS keyring did not answer within {0} s (probably waiting on an unlock prompt): unlock the keyring and retry, or use the passphrase")]
    KeyringTimeout(u64),

    #[error("the vault key is not in the OS keyring (service '{service}', user '{user}')")]
    KeyMissing { service: String, user: String },

    #[error(
        "the OS keyring holds a key under '{service}' / '{user}' that does not open this vault"
    )]
    KeyMismatch { service: String, user: String },

    #[error("the OS keyring failed ({detail}): retry, or unlock the vault with its passphrase")]
    Keyring { detail: String },

    #[error("invalid icon: {0}")]
    InvalidIcon(String),

    #[error("wrong passphrase for this vault")]
    WrongPassphrase,

    #[error("this vault has no passphrase slot, so a passphrase cannot open it: it opens with the OS keyring")]
    NoPassphraseSlot,

    #[error("this vault has no keyring slot and opens only with its passphrase")]
    PassphraseRequired,

    #[error("the vault has no OS keyring slot left to open it without the passphrase: put the key back in the keyring first")]
    WouldLockOut,

    #[error("the passphrase is empty: choose a non-empty passphrase")]
    EmptyPassphrase,

    #[error("the new passphrase is too short ({chars} characters): choose one of at least {min} characters")]
    PassphraseTooShort { chars: usize, min: usize },

    #[error("the vault's key was changed by another Twofold (a passphrase change or removal) and this one cannot follow: open the vault again")]
    KeyChanged,

    #[error("{} is a symbolic link to a missing file: point the vault path at the real file or restore it", .0.display())]
    DanglingLink(PathBuf),

    #[error("invalid Argon2id parameters ({0})")]
    KdfParams(String),

    #[error("no account with id '{0}'")]
    AccountNotFound(String),

    #[error("{0}")]
    Otp(#[from] twofold_otp::OtpError),

    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the system random number generator failed: {0}")]
    Random(String),

    #[error("cannot find a data directory for the vault (no HOME?)")]
    NoDataDir,
}

impl VaultError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        VaultError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
