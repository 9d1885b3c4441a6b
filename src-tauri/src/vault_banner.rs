//! What the window says when the vault cannot be opened. The vault crate's messages say what
//! went wrong for any front end; the window adds its own way out (its Try again and Unlock
//! buttons) where one helps, and keeps the technical cause (a D-Bus error, the reason a check
//! failed) apart, for a "Details" the user may open. Neither ever holds a secret: both come
//! from the vault's errors. The window's sentences are in its language (crate::i18n); the
//! technical cause and the sentences of errors the window adds nothing to are the vault's own,
//! in English.

use twofold_vault::VaultError;

use crate::i18n::tr;

/// A banner: what is wrong and what to do, then the technical cause, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    pub message: String,
    pub detail: Option<String>,
}

/// The banner for a vault that did not open. `has_passphrase`: whether the vault has a
/// passphrase slot, the way in that does not need the keyring.
pub fn explain(e: &VaultError, has_passphrase: bool) -> Banner {
    let or_passphrase = if has_passphrase {
        tr("shell.or_passphrase", &[])
    } else {
        String::new()
    };
    let or_pass: &[(&str, &dyn std::fmt::Display)] = &[("or_passphrase", &or_passphrase)];
    let (message, detail) = match e {
        VaultError::NoKeyringService { detail } => {
            (tr("shell.banner_no_keyring", or_pass), Some(detail.clone()))
        }
        VaultError::KeyringLocked { detail } => (
            tr("shell.banner_keyring_locked", or_pass),
            Some(detail.clone()),
        ),
        VaultError::KeyringTimeout(secs) => (
            tr(
                "shell.banner_keyring_timeout",
                &[("count", secs), ("or_passphrase", &or_passphrase)],
            ),
            None,
        ),
        VaultError::Keyring { detail } => (
            tr("shell.banner_keyring_failed", or_pass),
            Some(detail.clone()),
        ),
        VaultError::KeyMissing { .. } | VaultError::KeyMismatch { .. } => {
            let what = if matches!(e, VaultError::KeyMissing { .. }) {
                tr("shell.banner_key_missing", &[])
            } else {
                tr("shell.banner_key_mismatch", &[])
            };
            let way_out = if has_passphrase {
                tr("shell.banner_way_out_passphrase", &[])
            } else {
                tr("shell.banner_way_out_none", &[])
            };
            (format!("{what} {way_out}"), Some(e.to_string()))
        }
        VaultError::Tampered {
            path,
            backup,
            reason,
        } => (
            tr(
                "shell.banner_tampered",
                &[("backup", &backup.display()), ("path", &path.display())],
            ),
            Some(reason.clone()),
        ),
        VaultError::MissingWithBackup { path, backup } => (
            tr(
                "shell.banner_missing_with_backup",
                &[("backup", &backup.display()), ("path", &path.display())],
            ),
            None,
        ),
        VaultError::NewerVersion { found, .. } => {
            (tr("shell.banner_newer", &[("found", found)]), None)
        }
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
