//! Flags that describe one account by hand, shared by `code`, `uri` (and `add`).

use std::path::PathBuf;

use clap::Args;
use twofold_otp::{Algorithm, KeyFields, KeyUri, Kind, OtpError};
use zeroize::Zeroizing;

use crate::error::CliError;

#[derive(Debug, Args, Default)]
pub struct OtpArgs {
    /// The shared secret in base32 (any case; spaces, dashes and padding are ignored). Other
    /// local users can read it in the process list and it stays in the shell's history: prefer
    /// --secret-file
    #[arg(long, value_name = "BASE32", conflicts_with = "secret_file")]
    pub secret: Option<String>,
    /// Read the base32 secret from this file (- for standard input): the safe way to give it
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// totp, hotp or steam
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// SHA1, SHA256 or SHA512
    #[arg(long, value_name = "ALG")]
    pub algorithm: Option<String>,
    /// Number of digits, 6 to 10
    #[arg(long, value_name = "N")]
    pub digits: Option<u32>,
    /// TOTP step in seconds
    #[arg(long, value_name = "SECONDS")]
    pub period: Option<u64>,
    /// HOTP counter
    #[arg(long, value_name = "N")]
    pub counter: Option<u64>,
}

impl OtpArgs {
    pub fn any_set(&self) -> bool {
        self.has_secret()
            || self.kind.is_some()
            || self.algorithm.is_some()
            || self.digits.is_some()
            || self.period.is_some()
            || self.counter.is_some()
    }

    /// Whether a secret was given, on the command line or as a file.
    pub fn has_secret(&self) -> bool {
        self.secret.is_some() || self.secret_file.is_some()
    }

    /// The base32 secret from --secret or --secret-file.
    pub fn secret_text(&self) -> Result<Option<Zeroizing<String>>, CliError> {
        crate::secret_input::value_or_file(
            self.secret.as_deref(),
            self.secret_file.as_deref(),
            "secret",
        )
    }

    /// Builds a Key URI from the flags; `--secret` is required. `to_keep`: the account is to be
    /// stored, so it needs a name (an issuer or a label), as in the app's form.
    pub fn to_key_uri(
        &self,
        issuer: Option<String>,
        account: String,
        to_keep: bool,
    ) -> Result<KeyUri, CliError> {
        let secret = self.secret_text()?.ok_or_else(|| {
            CliError::Usage(
                "give --uri-file FILE or --secret-file FILE (or --uri / --secret) to say which account"
                    .into(),
            )
        })?;
        let kind: Kind = match &self.kind {
            Some(k) => k.parse()?,
            None => Kind::Totp,
        };
        let algorithm = self
            .algorithm
            .as_deref()
            .map(str::parse::<Algorithm>)
            .transpose()?;
        let fields = KeyFields {
            kind,
            secret: secret.as_str(),
            issuer: issuer.as_deref().unwrap_or(""),
            label: &account,
            algorithm,
            digits: self.digits,
            period: self.period,
            counter: self.counter,
        };
        if to_keep && fields.require_name().is_err() {
            return Err(CliError::Usage(
                "the account has no name: give a non-empty --issuer or --label".into(),
            ));
        }
        KeyUri::from_fields(&fields).map_err(|e| {
            match e {
            // The library says what is wrong; the flags to change are the CLI's to name.
            OtpError::MissingCounter => {
                CliError::Usage("an HOTP account needs its counter: add --counter N".into())
            }
            OtpError::CounterNotHotp => CliError::Usage(
                "--counter is for HOTP only: add --kind hotp or leave it out".into(),
            ),
            OtpError::SteamFixed => CliError::Usage(
                "Steam codes always have 5 characters from SHA1: leave out --digits and --algorithm"
                    .into(),
            ),
            e => e.into(),
        }
        })
    }
}
