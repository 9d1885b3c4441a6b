//! What the window says when the vault cannot be opened. The vault crate's messages say what
//! went wrong for any front end; the window adds its own way out (its Try again and Unlock
//! buttons) where one helps, and keeps the technical cause (a D-Bus error, the reason a check
//! failed) apart, for a "Details" the user may open. Neither ever holds a secret: both come
//! from the vault's errors.

use twofold_vault::VaultError;

/// A banner: what is wrong and what to do, then the technical cause, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    pub message: String,
    pub detail: Option<String>,
}

const TRY_AGAIN: &str = "then choose Try again";

/// The banner for a vault that did not open. `has_passphrase`: whether the vault has a
/// passphrase slot, the way in that does not need the keyring.
pub fn explain(e: &VaultError, has_passphrase: bool) -> Banner {
    let or_passphrase = if has_passphrase {
        ", or unlock with your passphrase"
    } else {
        ""
    };
    let (message, detail) = match e {
        VaultError::NoKeyringService { detail } => (
            format!(
                "Twofold can't reach the system keyring, which holds the key to your vault. \
                 Start your keyring service (GNOME Keyring, KWallet or KeePassXC) and {TRY_AGAIN}{or_passphrase}."
            ),
            Some(detail.clone()),
        ),
        VaultError::KeyringLocked { detail } => (
            format!(
                "The system keyring is locked or refused Twofold the key to your vault. \
                 Unlock it (logging in to your desktop unlocks the login keyring) and {TRY_AGAIN}{or_passphrase}."
            ),
            Some(detail.clone()),
        ),
        VaultError::KeyringTimeout(secs) => (
            format!(
                "The system keyring did not answer within {secs} seconds; it may be waiting for \
                 you to unlock it. Unlock it and {TRY_AGAIN}{or_passphrase}."
            ),
            None,
        ),
        VaultError::Keyring { detail } => (
            format!(
                "The system keyring failed to give Twofold the key to your vault. Choose Try \
                 again; if it keeps failing, restart your keyring service{or_passphrase}."
            ),
            Some(detail.clone()),
        ),
        VaultError::KeyMissing { .. } | VaultError::KeyMismatch { .. } => {
            let what = if matches!(e, VaultError::KeyMissing { .. }) {
                "The key to your vault is missing from the system keyring"
            } else {
                "The system keyring holds a key that does not open your vault"
            };
            let way_out = if has_passphrase {
                "Unlock with your passphrase, then run 'twofold vault keyring restore' to put the key back."
            } else {
                "The vault has no passphrase to open it instead: restore your keyring from a backup and choose Try again, or restore your accounts from a Twofold backup."
            };
            (format!("{what}. {way_out}"), Some(e.to_string()))
        }
        VaultError::Tampered {
            path,
            backup,
            reason,
        } => (
            format!(
                "Your vault file is damaged or was changed outside Twofold, so it was not opened \
                 and was left untouched. Copy its backup {} over {} (or use a backup of your \
                 own) and {TRY_AGAIN}.",
                backup.display(),
                path.display()
            ),
            Some(reason.clone()),
        ),
        VaultError::MissingWithBackup { path, backup } => (
            format!(
                "Your vault is missing, but its backup is there. Copy {} to {} and {TRY_AGAIN}; \
                 Twofold created nothing in its place.",
                backup.display(),
                path.display()
            ),
            None,
        ),
        VaultError::NewerVersion { found, .. } => (
            format!(
                "Your vault was written by a newer version of Twofold (vault format {found}). \
                 Update Twofold to open it; the vault was left untouched."
            ),
            None,
        ),
        // The rest (a file that cannot be read, not a vault, no data directory) already say
        // what is wrong and what to do without naming a CLI flag.
        other => (other.to_string(), None),
    };
    Banner { message, detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// CLI-only wording a window user could not act on.
    fn assert_for_the_window(b: &Banner) {
        for cli in ["TWOFOLD_PASSPHRASE", "--passphrase-file", "--vault"] {
            assert!(!b.message.contains(cli), "{cli} in {:?}", b.message);
        }
    }

    #[test]
    fn no_keyring_service_says_what_to_start_and_keeps_the_cause_apart() {
        let e = VaultError::NoKeyringService {
            detail: "zbus error: Failed to connect".into(),
        };
        let b = explain(&e, false);
        assert_for_the_window(&b);
        assert!(b.message.contains("GNOME Keyring, KWallet or KeePassXC"));
        assert!(b.message.contains("Try again"));
        assert!(
            !b.message.contains("passphrase"),
            "no passphrase slot, none offered"
        );
        assert!(!b.message.contains("zbus"));
        assert_eq!(b.detail.as_deref(), Some("zbus error: Failed to connect"));
        assert!(explain(&e, true)
            .message
            .contains("unlock with your passphrase"));
    }

    #[test]
    fn a_missing_key_offers_the_passphrase_only_when_there_is_one() {
        let e = VaultError::KeyMissing {
            service: "twofold".into(),
            user: "vault-1".into(),
        };
        let without = explain(&e, false);
        assert_for_the_window(&without);
        assert!(without.message.contains("no passphrase"));
        let with = explain(&e, true);
        assert!(with.message.contains("Unlock with your passphrase"));
        assert!(with.message.contains("twofold vault keyring restore"));
    }

    #[test]
    fn a_damaged_vault_names_its_backup_and_keeps_the_reason_apart() {
        let e = VaultError::Tampered {
            path: PathBuf::from("/v/vault.twofold"),
            backup: PathBuf::from("/v/vault.twofold.bak"),
            reason: "header MAC mismatch".into(),
        };
        let b = explain(&e, false);
        assert_for_the_window(&b);
        assert!(b
            .message
            .contains("/v/vault.twofold.bak over /v/vault.twofold"));
        assert_eq!(b.detail.as_deref(), Some("header MAC mismatch"));
    }

    #[test]
    fn other_errors_keep_their_own_sentence() {
        let e = VaultError::NotAVault(PathBuf::from("/tmp/x"));
        assert_eq!(
            explain(&e, false),
            Banner {
                message: e.to_string(),
                detail: None
            }
        );
    }
}
