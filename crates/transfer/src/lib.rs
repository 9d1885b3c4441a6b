//! Import from the authenticators people already use, and export to Twofold's own encrypted
//! backup and to formats other apps read.
//!
//! One module per format, behind one pair of traits (the pattern of GNOME Authenticator's
//! `backup/` module): an [`Importer`] recognises its format from the content and parses it,
//! with a password when the file is encrypted, into an [`Imported`] preview; an [`Exporter`]
//! turns accounts into one or more files. [`plan`] sorts a preview against the vault with the
//! vault's own duplicate rules ([`twofold_vault::intake::duplicate_of`]). Every parser is total: a
//! damaged file gives [`TransferError::Corrupt`] naming where it broke, never a panic, and
//! nothing secret appears in an error. The formats and their sources of truth are listed in
//! `docs/formats.md`; Twofold's backup format is in `docs/backup-format.md`.

pub mod aegis;
pub mod andotp;
pub mod auto;
pub mod batch;
pub mod bitwarden;
mod crypto;
pub mod ente;
mod error;
pub mod freeotp;
pub mod google;
mod input;
mod json;
mod lines;
pub mod otpauth_list;
pub mod proton;
pub mod qr;
mod save;
pub use save::write_private;
pub mod stratum;
pub mod twofas;
pub mod twofold;

use twofold_otp::{Algorithm, Kind, Secret};
use zeroize::Zeroizing;

pub use error::TransferError;
pub use input::MAX_INPUT;

use twofold_vault::account::Account;
use twofold_vault::intake::{duplicate_of, Duplicate};

/// Every format Twofold reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Twofold's encrypted backup (`docs/backup-format.md`).
    Twofold,
    Aegis,
    TwoFas,
    AndOtp,
    FreeOtpPlus,
    Bitwarden,
    BitwardenCsv,
    /// Ente Auth's plain text export (otpauth URIs with `codeDisplay`).
    Ente,
    /// Ente Auth's encrypted export (Argon2id + XChaCha20-Poly1305 secretstream).
    EnteEncrypted,
    Proton,
    /// Stratum / Authenticator Pro.
    Stratum,
    /// Google Authenticator's `otpauth-migration://` export.
    GoogleMigration,
    /// A plain list of `otpauth://` URIs (also FreeOTP+'s URI export).
    OtpauthList,
}

impl Format {
    pub const ALL: [Format; 13] = [
        Format::Twofold,
        Format::Aegis,
        Format::TwoFas,
        Format::AndOtp,
        Format::FreeOtpPlus,
        Format::Bitwarden,
        Format::BitwardenCsv,
        Format::Ente,
        Format::EnteEncrypted,
        Format::Proton,
        Format::Stratum,
        Format::GoogleMigration,
        Format::OtpauthList,
    ];

    /// The name used on the command line (`--format`).
    pub fn id(self) -> &'static str {
        match self {
            Format::Twofold => "twofold",
            Format::Aegis => "aegis",
            Format::TwoFas => "2fas",
            Format::AndOtp => "andotp",
            Format::FreeOtpPlus => "freeotp+",
            Format::Bitwarden => "bitwarden",
            Format::BitwardenCsv => "bitwarden-csv",
            Format::Ente => "ente",
            Format::EnteEncrypted => "ente-encrypted",
            Format::Proton => "proton",
            Format::Stratum => "stratum",
            Format::GoogleMigration => "google",
            Format::OtpauthList => "otpauth",
        }
    }

    /// The name shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Format::Twofold => "Twofold backup",
            Format::Aegis => "Aegis",
            Format::TwoFas => "2FAS",
            Format::AndOtp => "andOTP",
            Format::FreeOtpPlus => "FreeOTP+",
            Format::Bitwarden => "Bitwarden JSON",
            Format::BitwardenCsv => "Bitwarden CSV",
            Format::Ente => "Ente Auth",
            Format::EnteEncrypted => "Ente Auth encrypted",
            Format::Proton => "Proton Authenticator",
            Format::Stratum => "Stratum/Authenticator Pro",
            Format::GoogleMigration => "Google Authenticator export",
            Format::OtpauthList => "otpauth URI list",
        }
    }

    pub fn from_id(s: &str) -> Option<Format> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "freeotp" | "freeotpplus" | "freeotp-plus" => "freeotp+",
            "twofas" => "2fas",
            "google-authenticator" | "migration" => "google",
            "uri" | "uris" | "otpauth-list" | "txt" => "otpauth",
            "authenticatorpro" | "authenticator-pro" => "stratum",
            other => other,
        };
        Format::ALL.into_iter().find(|f| f.id() == alias)
    }

    /// All ids, comma separated (for messages and help).
    pub fn ids() -> String {
        Format::ALL.map(|f| f.id()).join(", ")
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an importer found in a file: a preview, not yet in the vault.
#[derive(Debug, Clone)]
pub struct Imported {
    pub format: Format,
    pub encrypted: bool,
    pub accounts: Vec<Account>,
    /// Entries that were left out and why (e.g. an unsupported OTP type), without secrets.
    pub skipped: Vec<String>,
}

/// Reads one format.
pub trait Importer: Sync {
    fn format(&self) -> Format;
    /// Whether `data` looks like this format (from the content only, cheap, never fails).
    fn detect(&self, data: &[u8]) -> bool;
    /// Whether reading `data` needs a password.
    fn is_encrypted(&self, _data: &[u8]) -> bool {
        false
    }
    /// Parses `data` into accounts. All or nothing: any damaged entry fails the whole import.
    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError>;
}

/// Every format Twofold writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// Twofold's encrypted backup (password required).
    Twofold,
    /// One `otpauth://` URI per line, in clear.
    Otpauth,
    /// Aegis JSON: encrypted when a password is given, plain otherwise.
    Aegis,
    /// Google Authenticator migration QR codes (PNG), 10 accounts per code.
    GoogleQr,
    /// One `otpauth://` QR code (PNG) per account.
    Qr,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Twofold,
        ExportFormat::Otpauth,
        ExportFormat::Aegis,
        ExportFormat::GoogleQr,
        ExportFormat::Qr,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ExportFormat::Twofold => "twofold",
            ExportFormat::Otpauth => "otpauth",
            ExportFormat::Aegis => "aegis",
            ExportFormat::GoogleQr => "google-qr",
            ExportFormat::Qr => "qr",
        }
    }

    pub fn from_id(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let s = match s.as_str() {
            "uri" | "uris" | "txt" | "plain" => "otpauth",
            "google" | "migration" => "google-qr",
            other => other,
        }
        .to_string();
        ExportFormat::ALL.into_iter().find(|f| f.id() == s)
    }

    pub fn ids() -> String {
        ExportFormat::ALL.map(|f| f.id()).join(", ")
    }

    /// Whether the output holds secrets in clear (the caller must warn).
    pub fn is_plaintext(self, with_password: bool) -> bool {
        match self {
            ExportFormat::Twofold => false,
            ExportFormat::Aegis => !with_password,
            _ => true,
        }
    }

    /// Whether the output is several files (written into a directory).
    pub fn is_multi_file(self) -> bool {
        matches!(self, ExportFormat::GoogleQr | ExportFormat::Qr)
    }

    /// The name an export made at Unix time `now` gets when the user names none (the app's
    /// Export dialog, `twofold export --out DIR`): the format and the day, e.g.
    /// `twofold-backup-20261206.twofoldbackup`; a folder's name for the formats that write several
    /// files.
    pub fn default_name(self, now: u64) -> String {
        let stamp = auto::timestamp(now);
        let day = stamp.split('-').next().unwrap_or(&stamp);
        match self {
            ExportFormat::Twofold => format!("twofold-backup-{day}.{}", twofold::EXTENSION),
            ExportFormat::Otpauth => format!("twofold-otpauth-{day}.txt"),
            ExportFormat::Aegis => format!("twofold-aegis-{day}.json"),
            ExportFormat::GoogleQr => format!("twofold-google-{day}"),
            ExportFormat::Qr => format!("twofold-qr-{day}"),
        }
    }
}

/// One output file: a suggested name and its bytes (zeroized on drop: they may hold secrets).
pub struct ExportFile {
    pub name: String,
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExportFile({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// What an exporter wrote, and what it had to leave out.
#[derive(Debug)]
pub struct Exported {
    pub files: Vec<ExportFile>,
    /// Accounts the format cannot hold (e.g. Steam in a Google export), by display name.
    pub skipped: Vec<String>,
}

/// Writes one format.
pub trait Exporter {
    fn format(&self) -> ExportFormat;
    fn export(
        &self,
        accounts: &[Account],
        password: Option<&str>,
    ) -> Result<Exported, TransferError>;
}

/// Every importer, in detection order (most specific first).
pub fn importers() -> Vec<Box<dyn Importer>> {
    vec![
        Box::new(twofold::TwofoldImporter),
        Box::new(stratum::StratumImporter),
        Box::new(aegis::AegisImporter),
        Box::new(twofas::TwoFasImporter),
        Box::new(bitwarden::BitwardenImporter),
        Box::new(bitwarden::BitwardenCsvImporter),
        Box::new(freeotp::FreeOtpImporter),
        Box::new(ente::EnteEncryptedImporter),
        Box::new(proton::ProtonImporter),
        Box::new(andotp::AndOtpImporter),
        Box::new(google::GoogleImporter),
        Box::new(ente::EnteImporter),
        Box::new(otpauth_list::OtpauthListImporter),
    ]
}

/// The importer of one format.
pub fn importer(format: Format) -> Box<dyn Importer> {
    importers()
        .into_iter()
        .find(|i| i.format() == format)
        .expect("every format has an importer")
}

/// The format of `data`, from its content. A damaged or truncated JSON export is still
/// recognised by its keys, so that importing it reports where it broke.
pub fn detect(data: &[u8]) -> Option<Format> {
    importers()
        .into_iter()
        .find(|i| i.detect(data))
        .map(|i| i.format())
        .or_else(|| detect_broken_json(data))
}

fn detect_broken_json(data: &[u8]) -> Option<Format> {
    let t = String::from_utf8_lossy(&data[..data.len().min(64 * 1024)]);
    let t = t.trim_start_matches('\u{feff}').trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let has = |k: &str| t.contains(&format!("\"{k}\""));
    Some(if has("header") && has("db") {
        Format::Aegis
    } else if has("servicesEncrypted") || has("schemaVersion") || has("services") {
        Format::TwoFas
    } else if has("Authenticators") {
        Format::Stratum
    } else if has("kdfParams") {
        Format::EnteEncrypted
    } else if has("tokens") {
        Format::FreeOtpPlus
    } else if has("items") || has("login") {
        Format::Bitwarden
    } else if has("entries") && has("content") {
        Format::Proton
    } else if t.starts_with('[') && has("secret") {
        Format::AndOtp
    } else {
        return None;
    })
}

/// Detects (unless `format` is given) and imports `data`.
pub fn import_bytes(
    data: &[u8],
    format: Option<Format>,
    password: Option<&str>,
) -> Result<Imported, TransferError> {
    let format = match format {
        Some(f) => f,
        None => detect(data).ok_or_else(|| TransferError::UnknownFormat(describe(data)))?,
    };
    importer(format).import(data, password)
}

fn describe(data: &[u8]) -> String {
    if data.is_empty() {
        "the file is empty".into()
    } else if std::str::from_utf8(data).is_ok() {
        "text that is no known export".into()
    } else {
        format!("{} bytes of binary data", data.len())
    }
}

/// The exporter of one format. `kdf` sets the Argon2id cost of Twofold backups.
pub fn exporter(format: ExportFormat, kdf: twofold_vault::KdfParams) -> Box<dyn Exporter> {
    match format {
        ExportFormat::Twofold => Box::new(twofold::TwofoldExporter { kdf }),
        ExportFormat::Otpauth => Box::new(otpauth_list::OtpauthListExporter),
        ExportFormat::Aegis => Box::new(aegis::AegisExporter::default()),
        ExportFormat::GoogleQr => Box::new(qr::GoogleQrExporter {
            per_code: qr::GOOGLE_BATCH,
        }),
        ExportFormat::Qr => Box::new(qr::QrExporter),
    }
}

/// An imported preview sorted against the vault.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// Not in the vault: to add.
    pub add: Vec<Account>,
    /// Same secret, issuer and label as an account in the vault or earlier in the import: skipped.
    pub duplicates: Vec<Account>,
    /// Same issuer and label as a vault account with another secret: ask before adding.
    pub conflicts: Vec<Account>,
}

/// Sorts `candidates` with the vault's duplicate rules.
pub fn plan(existing: &[Account], candidates: Vec<Account>) -> ImportPlan {
    let mut p = ImportPlan::default();
    for c in candidates {
        if duplicate_of(&p.add, &c) == Duplicate::Same
            || duplicate_of(&p.conflicts, &c) == Duplicate::Same
        {
            p.duplicates.push(c);
            continue;
        }
        match duplicate_of(existing, &c) {
            Duplicate::None => p.add.push(c),
            Duplicate::Same => p.duplicates.push(c),
            Duplicate::Conflict => p.conflicts.push(c),
        }
    }
    p
}

/// The fields an importer fills; the rest take their defaults.
pub(crate) struct Fields {
    pub issuer: String,
    pub label: String,
    pub secret: Secret,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
    pub counter: u64,
}

/// Builds and validates an account; `at` names the entry for errors.
pub(crate) fn account(format: &'static str, at: &str, f: Fields) -> Result<Account, TransferError> {
    let (algorithm, digits) = if f.kind == Kind::Steam {
        (Algorithm::Sha1, twofold_otp::code::STEAM_DIGITS)
    } else {
        (f.algorithm, f.digits)
    };
    let a = Account {
        id: String::new(),
        issuer: f.issuer.trim().to_string(),
        label: f.label.trim().to_string(),
        secret: f.secret,
        kind: f.kind,
        algorithm,
        digits,
        period: if f.period == 0 && f.kind != Kind::Hotp {
            30
        } else {
            f.period.max(1)
        },
        counter: if f.kind == Kind::Hotp { f.counter } else { 0 },
        tags: Vec::new(),
        pinned: false,
        note: String::new(),
        created: 0,
        updated: 0,
        last_used: None,
        extra: Vec::new(),
        icon: String::new(),
    };
    a.params()
        .validate()
        .map_err(|e| TransferError::corrupt(format, at, json::otp_reason(&e)))?;
    Ok(a)
}

/// Text of `data` for line-based formats (BOM dropped).
pub(crate) fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data)
        .ok()
        .map(|t| t.trim_start_matches('\u{feff}'))
}

#[cfg(test)]
mod tests;
