//! The one rule for a new passphrase or password (the vault's passphrase slot, the password of
//! automatic backups), shared by the CLI and the desktop app.

use crate::error::{Result, VaultError};

/// The fewest characters (Unicode scalar values, not bytes or UTF-16 units) of a new passphrase.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// A passphrase read from a file or the environment loses one trailing newline.
pub fn trim_newline(p: &str) -> &str {
    p.strip_suffix("\r\n")
        .or_else(|| p.strip_suffix('\n'))
        .unwrap_or(p)
}

/// Checks a passphrase or password about to be set (existing ones are never re-checked, so a
/// vault made before the rule still opens): at least [`MIN_PASSPHRASE_CHARS`] characters after
/// one trailing newline is dropped.
pub fn check_new_passphrase(p: &str) -> Result<()> {
    let p = trim_newline(p);
    if p.is_empty() {
        return Err(VaultError::EmptyPassphrase);
    }
    let chars = p.chars().count();
    if chars < MIN_PASSPHRASE_CHARS {
        return Err(VaultError::PassphraseTooShort {
            chars,
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes_and_drops_one_newline() {
        assert!(matches!(
            check_new_passphrase(""),
            Err(VaultError::EmptyPassphrase)
        ));
        assert!(matches!(
            check_new_passphrase("seven77\n"),
            Err(VaultError::PassphraseTooShort { chars: 7, min: 8 })
        ));
        // 8 characters of 2-4 bytes each (and an astral one, 2 UTF-16 units) pass.
        assert!(check_new_passphrase("äöüßéèçà").is_ok());
        assert!(check_new_passphrase("🔑🔑🔑🔑🔑🔑🔑🔑").is_ok());
        // 4 astral characters are 8 UTF-16 units but only 4 characters.
        assert!(check_new_passphrase("🔑🔑🔑🔑").is_err());
        assert!(check_new_passphrase("eight888\n").is_ok());
    }
}
