use thiserror::Error;
use twofold_otp::OtpError;
use twofold_transfer::TransferError;
use twofold_vault::VaultError;

/// Everything the CLI can fail with. `exit_code` maps each to the documented exit status.
#[derive(Debug, Error)]
pub enum CliError {
    /// Bad input: a flag, a URI, a secret. Exit status 2.
    #[error("{0}")]
    Otp(#[from] OtpError),
    #[error("{0}")]
    Usage(String),
    /// An image, the screen or the clipboard could not be read. Exit status 2.
    #[error("{0}")]
    Scan(String),
    /// The test server could not start or stopped on an error. Exit status 1.
    #[error("{0}")]
    Server(String),
    /// The vault could not be opened, unlocked or saved. Exit status 1.
    #[error("{}", vault_message(.0))]
    Vault(#[from] VaultError),
    /// An import or export failed (wrong password, damaged file, unknown format). Exit status 2.
    #[error("{}", transfer_message(.0))]
    Transfer(#[from] TransferError),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Otp(_) | CliError::Usage(_) | CliError::Scan(_) | CliError::Transfer(_) => 2,
            CliError::Output(_) | CliError::Server(_) | CliError::Vault(_) => 1,
        }
    }
}

/// An import's or export's message, with the flag that answers it.
fn transfer_message(e: &TransferError) -> String {
    match e {
        TransferError::UnknownFormat(_) => format!("{e} with --format"),
        TransferError::PasswordRequired { .. } => format!("{e} with --password-file FILE"),
        other => other.to_string(),
    }
}

/// The vault's own message, with the way out in the CLI's terms: its flags, variables and
/// commands (the library's messages name none of them).
fn vault_message(e: &VaultError) -> String {
    const USE_PASSPHRASE: &str = "(TWOFOLD_PASSPHRASE or --passphrase-file)";
    const RESTORE: &str = "'twofold vault keyring restore'";
    match e {
        VaultError::NotFound(_) => format!(
            "{e}: run 'twofold add' to create one, or point --vault / TWOFOLD_VAULT at an existing vault"
        ),
        VaultError::NoKeyringService { .. }
        | VaultError::KeyringLocked { .. }
        | VaultError::KeyringTimeout(_)
        | VaultError::Keyring { .. } => format!("{e} {USE_PASSPHRASE}"),
        VaultError::KeyMissing { .. } => format!(
            "{e}: unlock the vault with its passphrase and run {RESTORE}, or restore the keyring from a backup"
        ),
        VaultError::KeyMismatch { .. } => {
            format!("{e}: unlock with the passphrase and run {RESTORE}")
        }
        VaultError::WrongPassphrase => format!(
            "{e}: check TWOFOLD_PASSPHRASE or the --passphrase-file content (a trailing newline is ignored)"
        ),
        VaultError::NoPassphraseSlot => format!(
            "{e}: leave out TWOFOLD_PASSPHRASE/--passphrase-file, or add one with 'twofold vault passphrase set'"
        ),
        VaultError::PassphraseRequired => {
            format!("{e}: set TWOFOLD_PASSPHRASE or use --passphrase-file")
        }
        VaultError::WouldLockOut => format!("{e} ({RESTORE})"),
        VaultError::AccountNotFound(_) => format!("{e}: see 'twofold list' for the ids"),
        VaultError::NoDataDir => format!("{e}: set TWOFOLD_VAULT or use --vault PATH"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library says what went wrong; the CLI names its own way out.
    #[test]
    fn vault_errors_get_the_clis_way_out() {
        let e = CliError::from(VaultError::WrongPassphrase);
        assert_eq!(
            e.to_string(),
            "wrong passphrase for this vault: check TWOFOLD_PASSPHRASE or the --passphrase-file content (a trailing newline is ignored)"
        );
        assert!(!VaultError::WrongPassphrase.to_string().contains("TWOFOLD"));
        let e = CliError::from(VaultError::AccountNotFound("abcd".into()));
        assert_eq!(
            e.to_string(),
            "no account with id 'abcd': see 'twofold list' for the ids"
        );
        let e = CliError::from(VaultError::KeyringTimeout(5));
        assert!(e
            .to_string()
            .ends_with("use the passphrase (TWOFOLD_PASSPHRASE or --passphrase-file)"));
    }
}
