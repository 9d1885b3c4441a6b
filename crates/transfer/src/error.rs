use std::path::PathBuf;

use thiserror::Error;

/// Every way an import or export can fail. Messages name the file format and, for damaged
/// files, where the damage is, in words for any front end (the CLI adds its flags in
/// `cli/src/error.rs`); they never contain a secret, a password or key material.
#[derive(Debug, Error)]
pub enum TransferError {
    #[error("cannot tell which app wrote this file ({0}): name its format (one of: {list})", list = super::Format::ids())]
    UnknownFormat(String),

    #[error("this {format} file is encrypted: give its password")]
    PasswordRequired { format: &'static str },

    #[error("wrong password for this {format} file (nothing was imported)")]
    WrongPassword { format: &'static str },

    #[error("the {format} file is damaged at {at}: {reason} (nothing was imported)")]
    Corrupt {
        format: &'static str,
        at: String,
        reason: String,
    },

    #[error("the Google Authenticator export is incomplete: QR code {missing} of {size} (export id {batch_id}) is missing; scan or give every code of the export (nothing was imported)")]
    MissingBatch {
        batch_id: i32,
        size: i32,
        /// 1-based positions of the missing codes, comma separated.
        missing: String,
    },

    #[error("this {format} file uses {what}, which Twofold cannot read")]
    Unsupported { format: &'static str, what: String },

    #[error("this {format} file asks for {what}, more key-derivation work than any real export (a file made to keep the import busy?): refused, nothing was imported")]
    TooMuchWork { format: &'static str, what: String },

    #[error("{} is larger than any export ({limit} bytes at most) or never ends (a device or a pipe): give an export file", .path.display())]
    TooLarge { path: PathBuf, limit: u64 },

    #[error("{name}: {reason}")]
    Image { name: String, reason: String },

    #[error("{name}: no QR code found in the image: give a sharper picture of the code, or the export file itself")]
    NoQrCode { name: String },

    #[error("cannot export: {0}")]
    Export(String),

    #[error("the {format} file was written by a newer version (format {found}, Twofold reads up to {supported}): upgrade Twofold")]
    NewerVersion {
        format: &'static str,
        found: u32,
        supported: u32,
    },

    #[error("the system random number generator failed: {0}")]
    Random(String),

    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TransferError {
    pub(crate) fn corrupt(
        format: &'static str,
        at: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        TransferError::Corrupt {
            format,
            at: one_line(at.into()),
            reason: one_line(reason.into()),
        }
    }

    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        TransferError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn unsupported(format: &'static str, what: impl Into<String>) -> Self {
        TransferError::Unsupported {
            format,
            what: one_line(what.into()),
        }
    }

    /// Whether the error is a missing or wrong password (the caller may ask again).
    pub fn is_password(&self) -> bool {
        matches!(
            self,
            TransferError::PasswordRequired { .. } | TransferError::WrongPassword { .. }
        )
    }
}

/// Text from a file (a quoted algorithm name, a parser's message) shown in an error stays on one
/// line: control characters are written as escapes (`\n`, `\u{1b}`).
pub(crate) fn one_line(s: String) -> String {
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
