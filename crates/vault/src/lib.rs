//! The encrypted account store of Twofold.
//!
//! One file per vault: a plaintext header (format version, vault id, key slots) bound as
//! associated data to one XChaCha20-Poly1305 ciphertext of all accounts. A random 256-bit vault
//! key is kept in the OS keyring (keyring slot) and optionally wrapped under an Argon2id key
//! derived from a passphrase (passphrase slot). Writes are atomic with a backup of the previous
//! generation; an exclusive lock plus a re-read makes concurrent writers safe. The byte layout is
//! in `docs/vault-format.md`.
//!
//! ```no_run
//! use twofold_vault::{Vault, Unlock, CreateOptions};
//! let path = twofold_vault::default_vault_path().unwrap();
//! let (mut vault, _created) = Vault::open_or_create(&path, &Unlock::keyring(), &CreateOptions::default()).unwrap();
//! for a in vault.summaries() { println!("{} {}", a.id, a.issuer); }
//! ```

pub mod account;
mod error;
pub mod format;
pub mod icon;
pub mod intake;
pub mod keyring;
mod listing;
mod passphrase;
mod private_fs;
mod store;

use std::path::PathBuf;

pub use account::{Account, AccountPatch, AccountSummary};
pub use error::{Result, VaultError};
pub use format::{KdfParams, FORMAT_VERSION};
pub use keyring::KEYRING_SERVICE;
pub use listing::{matches, sort, Position, SortOrder};
pub use passphrase::{check_new_passphrase, MIN_PASSPHRASE_CHARS};
pub use private_fs::{create_private_dir_all, read_bounded, read_to_limit, write_private_file};
pub use store::{
    backup_path, inspect, lock_path, unlock_test, Added, Code, CreateOptions, Creation, HeaderInfo,
    SlotInfo, SlotKind, Unlock, Vault,
};

/// The payload encoder of a save, for the benchmark's step-by-step report.
#[doc(hidden)]
pub use store::write_payload;

/// File name of the default vault inside the data directory.
pub const DEFAULT_FILE_NAME: &str = "vault.twofold";

/// The default vault: `<platform data dir>/twofold/vault.twofold` (on Linux
/// `$XDG_DATA_HOME/twofold/vault.twofold`, usually `~/.local/share/twofold/vault.twofold`).
pub fn default_vault_path() -> Result<PathBuf> {
    dirs::data_dir()
        .map(|d| d.join("twofold").join(DEFAULT_FILE_NAME))
        .ok_or(VaultError::NoDataDir)
}

/// Makes the process unable to leak secrets through a core dump: on Linux the core size limit
/// is set to 0 and the process is made non-dumpable (`PR_SET_DUMPABLE` 0, which also stops
/// other processes of the same user from ptrace-attaching). Call first thing in `main`.
/// Returns whether both steps succeeded (elsewhere: `true`, nothing to do).
pub fn harden_process() -> bool {
    #[cfg(target_os = "linux")]
    {
        let rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain syscalls with valid arguments and no memory shared with Rust.
        let a = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &rl) } == 0;
        let b = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
        a && b
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn harden_process_makes_the_process_non_dumpable() {
        assert!(super::harden_process());
        let d = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
        assert_eq!(d, 0);
    }
}
