//! The one error every Tauri command answers with (Yaak's `crates-tauri` pattern): whatever
//! failed below (a vault, transfer, OTP or server error, a refusal worded here) becomes its
//! message, which the window shows as it is. It serialises as that message, a plain string, so
//! the page's `errorText` reads it without knowing the Rust types. Messages come from the
//! crates' errors, which never hold a secret.

use serde::{Serialize, Serializer};

/// A command's failure: its message for the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdError(String);

/// Any error (or message) becomes a command error through `?`.
impl<E: std::fmt::Display> From<E> for CmdError {
    fn from(e: E) -> Self {
        CmdError(e.to_string())
    }
}

impl CmdError {
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl Serialize for CmdError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// What a command returns.
pub type Res<T> = Result<T, CmdError>;

/// For `map_err`: any error as a command error.
pub fn err(e: impl std::fmt::Display) -> CmdError {
    CmdError(e.to_string())
}

/// The one rule for a passphrase or password set from the window (the vault's passphrase, the
/// backups' password): the vault crate's (`check_new_passphrase`), in the window's words;
/// `refusal` is the catalog key that names it (crate::i18n).
pub fn long_enough(secret: &str, refusal: &str) -> Res<()> {
    twofold_vault::check_new_passphrase(secret).map_err(|_| {
        err(crate::i18n::tr(
            refusal,
            &[("count", &twofold_vault::MIN_PASSPHRASE_CHARS)],
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_message() {
        let e: CmdError = twofold_vault::VaultError::WrongPassphrase.into();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            "\"wrong passphrase for this vault\""
        );
        let from_str = |s: &str| -> Res<()> { Err(s.into()) };
        assert_eq!(
            from_str("unknown export format"),
            Err(err("unknown export format"))
        );
    }
}
