//! Reading a set of files as one import, the way the CLI (`twofold import FILE…`) and the
//! desktop app's Import dialog both do: each file detected (or read as the format given),
//! Google Authenticator migration codes gathered from every file and reassembled by batch (so
//! an export spread over several QR images is checked for a missing code), then everything
//! sorted against the vault with the duplicate rules of [`super::plan`].
//!
//! Images are the caller's business (the vault crate does not scan): give their QR payloads,
//! one per line, as the file's data.

use zeroize::Zeroizing;

use super::{detect, google, importer, plan, Format, ImportPlan, TransferError};
use twofold_vault::Account;

/// One file of an import: a name for messages and its bytes.
pub struct Input {
    pub name: String,
    pub data: Zeroizing<Vec<u8>>,
}

/// The name and size only: the data may be a secret.
impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// What one file held.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub name: String,
    pub format: Format,
    pub encrypted: bool,
    pub accounts: usize,
}

/// Every file of an import read, nothing added yet.
#[derive(Debug, Default)]
pub struct Batch {
    pub files: Vec<FileSummary>,
    pub accounts: Vec<Account>,
    /// Entries left out and why, each prefixed with its file's name.
    pub skipped: Vec<String>,
}

/// A file that could not be read, and why (the reason never holds a secret).
#[derive(Debug, thiserror::Error)]
#[error("{file}: {error}")]
pub struct BatchError {
    pub file: String,
    #[source]
    pub error: TransferError,
}

impl Batch {
    /// Sorts the accounts against the vault's: to add, duplicates, conflicts.
    pub fn plan(self, existing: &[Account]) -> ImportPlan {
        plan(existing, self.accounts)
    }
}

/// Whether any of `inputs` is an encrypted export (so a password must be asked for).
pub fn needs_password(inputs: &[Input], forced: Option<Format>) -> bool {
    inputs.iter().any(|i| {
        forced
            .or_else(|| detect(&i.data))
            .is_some_and(|f| importer(f).is_encrypted(&i.data))
    })
}

/// Reads every input; the first damaged or unreadable one fails the whole import.
pub fn read(
    inputs: &[Input],
    forced: Option<Format>,
    password: Option<&str>,
) -> Result<Batch, BatchError> {
    let mut batch = Batch::default();
    let mut migration: Vec<(String, String)> = Vec::new();
    let mut migration_files: Vec<(String, usize)> = Vec::new();
    for input in inputs {
        let fail = |error| BatchError {
            file: input.name.clone(),
            error,
        };
        let format = match forced {
            Some(f) => f,
            None => detect(&input.data).ok_or_else(|| {
                fail(TransferError::UnknownFormat(if input.data.is_empty() {
                    "the file is empty".into()
                } else {
                    "not a known export".into()
                }))
            })?,
        };
        if format == Format::GoogleMigration {
            let text = String::from_utf8_lossy(&input.data);
            let before = migration.len();
            // The otpauth list's line rule: blank lines and `#` comments are skipped.
            for (n, l) in super::lines::lines(&text) {
                migration.push((format!("{} line {n}", input.name), l.to_string()));
            }
            migration_files.push((input.name.clone(), migration.len() - before));
            continue;
        }
        let imported = importer(format)
            .import(&input.data, password)
            .map_err(fail)?;
        batch.files.push(FileSummary {
            name: input.name.clone(),
            format: imported.format,
            encrypted: imported.encrypted,
            accounts: imported.accounts.len(),
        });
        batch.skipped.extend(
            imported
                .skipped
                .into_iter()
                .map(|s| format!("{}: {s}", input.name)),
        );
        batch.accounts.extend(imported.accounts);
    }
    if !migration.is_empty() {
        let accounts = google::assemble(&migration).map_err(|error| BatchError {
            file: if migration_files.len() == 1 {
                migration_files[0].0.clone()
            } else {
                "the Google Authenticator export".into()
            },
            error,
        })?;
        batch.files.push(FileSummary {
            name: migration_files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            format: Format::GoogleMigration,
            encrypted: false,
            accounts: accounts.len(),
        });
        batch.accounts.extend(accounts);
    }
    Ok(batch)
}
