//! Google Authenticator's "Transfer accounts" export: `otpauth-migration://offline?data=…`, one
//! URI per QR code, a large export split over several codes sharing a `batch_id`.
//! Source of truth: the protobuf reverse-engineered in
//! github.com/dim13/otpauth (`migration/migration.proto`) and `../shared/ANCHORS.md`.

use std::collections::BTreeMap;

use twofold_otp::migration;

use super::json::otp_reason;
use super::{text, Format, Imported, Importer, TransferError};
use twofold_vault::account::Account;

pub struct GoogleImporter;

const NAME: &str = "Google Authenticator export";

impl Importer for GoogleImporter {
    fn format(&self) -> Format {
        Format::GoogleMigration
    }

    fn detect(&self, data: &[u8]) -> bool {
        text(data).is_some_and(|t| {
            let mut it = super::lines::lines(t).peekable();
            it.peek().is_some() && it.all(|(_, l)| migration::is_migration_uri(l))
        })
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let t = text(data).ok_or_else(|| {
            TransferError::corrupt(NAME, "the start", "the file is not UTF-8 text")
        })?;
        let mut uris = Vec::new();
        for (n, l) in super::lines::lines(t) {
            if !migration::is_migration_uri(l) {
                return Err(TransferError::corrupt(
                    NAME,
                    format!("line {n}"),
                    "not an otpauth-migration:// URI",
                ));
            }
            uris.push((format!("line {n}"), l.to_string()));
        }
        Ok(Imported {
            format: Format::GoogleMigration,
            encrypted: false,
            accounts: assemble(&uris)?,
            skipped: Vec::new(),
        })
    }
}

/// Decodes migration URIs (each with where it came from, for errors), reassembles their
/// batches by `batch_id` and checks that no code of any batch is missing. Accounts come in
/// batch order. The same code given twice counts once.
pub fn assemble(uris: &[(String, String)]) -> Result<Vec<Account>, TransferError> {
    let mut batches: BTreeMap<i32, (i32, BTreeMap<i32, Vec<Account>>)> = BTreeMap::new();
    let mut order: Vec<i32> = Vec::new();
    for (at, uri) in uris {
        let b = migration::decode(uri)
            .map_err(|e| TransferError::corrupt(NAME, at.clone(), otp_reason(&e)))?;
        if b.batch_index < 0 || b.batch_index >= b.batch_size {
            return Err(TransferError::corrupt(
                NAME,
                at.clone(),
                format!(
                    "code index {} is outside its export of {}",
                    b.batch_index, b.batch_size
                ),
            ));
        }
        let entry = batches.entry(b.batch_id).or_insert_with(|| {
            order.push(b.batch_id);
            (b.batch_size, BTreeMap::new())
        });
        if entry.0 != b.batch_size {
            return Err(TransferError::corrupt(
                NAME,
                at.clone(),
                format!(
                    "export {} says {} codes here and {} elsewhere",
                    b.batch_id, b.batch_size, entry.0
                ),
            ));
        }
        entry.1.entry(b.batch_index).or_insert_with(|| {
            b.accounts
                .iter()
                .map(|k| Account::from_key_uri(k, 0))
                .collect()
        });
    }
    let mut out = Vec::new();
    for id in order {
        let (size, parts) = batches.remove(&id).unwrap_or_default();
        let missing: Vec<String> = (0..size)
            .filter(|i| !parts.contains_key(i))
            .map(|i| (i + 1).to_string())
            .collect();
        if !missing.is_empty() {
            return Err(TransferError::MissingBatch {
                batch_id: id,
                size,
                missing: missing.join(", "),
            });
        }
        out.extend(parts.into_values().flatten());
    }
    Ok(out)
}
