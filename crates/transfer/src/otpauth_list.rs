//! A plain list of `otpauth://` URIs, one per line (FreeOTP+'s URI export, Aegis's and many
//! others' "plain text" export). Source of truth: the Key Uri Format
//! (github.com/google/google-authenticator/wiki/Key-Uri-Format); quirks in `docs/formats.md`.

use super::lines::{is_uri_line, lines};
use super::{
    text, ExportFile, ExportFormat, Exported, Exporter, Format, Imported, Importer, TransferError,
};
use twofold_vault::account::Account;

pub struct OtpauthListImporter;

impl Importer for OtpauthListImporter {
    fn format(&self) -> Format {
        Format::OtpauthList
    }

    fn detect(&self, data: &[u8]) -> bool {
        // Mixed lists with Google migration lines are read too; only-migration lists are Google's.
        text(data).is_some_and(|t| {
            let mut any = false;
            lines(t).all(|(_, l)| {
                any |= is_uri_line(l);
                is_uri_line(l) || twofold_otp::migration::is_migration_uri(l)
            }) && any
        })
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let accounts = parse_lines(Format::OtpauthList.name(), data)?;
        Ok(Imported {
            format: Format::OtpauthList,
            encrypted: false,
            accounts,
            skipped: Vec::new(),
        })
    }
}

/// Every line as a Key URI; a bad line fails with its line number.
pub(crate) fn parse_lines(
    format: &'static str,
    data: &[u8],
) -> Result<Vec<Account>, TransferError> {
    let t = text(data)
        .ok_or_else(|| TransferError::corrupt(format, "the start", "the file is not UTF-8 text"))?;
    let mut out = Vec::new();
    let mut migration = Vec::new();
    for (n, l) in lines(t) {
        if twofold_otp::migration::is_migration_uri(l) {
            migration.push((format!("line {n}"), l.to_string()));
            continue;
        }
        let uri = super::lines::uri_line(format, n, l)?;
        out.push(Account::from_key_uri(&uri, 0));
    }
    if !migration.is_empty() {
        out.extend(super::google::assemble(&migration)?);
    }
    Ok(out)
}

pub struct OtpauthListExporter;

impl Exporter for OtpauthListExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Otpauth
    }

    fn export(
        &self,
        accounts: &[Account],
        _password: Option<&str>,
    ) -> Result<Exported, TransferError> {
        let mut out = zeroize::Zeroizing::new(Vec::new());
        for a in accounts {
            out.extend_from_slice(a.to_key_uri().to_uri().as_bytes());
            out.push(b'\n');
        }
        Ok(Exported {
            files: vec![ExportFile {
                name: "twofold-accounts.txt".into(),
                bytes: out,
            }],
            skipped: Vec::new(),
        })
    }
}
