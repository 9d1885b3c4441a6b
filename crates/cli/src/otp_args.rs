//! Flags that describe one account by hand, shared by `code`, `uri` (and `add`).

use clap::Args;
use twofold_otp::{Algorithm, KeyUri, Kind, Secret};

use crate::error::CliError;

#[derive(Debug, Args, Default)]
pub struct OtpArgs {
    /// The shared secret in base32 (any case; spaces, dashes and padding are ignored)
    #[arg(long, value_name = "BASE32")]
    pub secret: Option<String>,
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
        self.secret.is_some()
            || self.kind.is_some()
            || self.algorithm.is_some()
            || self.digits.is_some()
            || self.period.is_some()
            || self.counter.is_some()
    }

    /// Builds a Key URI from the flags; `--secret` is required.
    pub fn to_key_uri(&self, issuer: Option<String>, account: String) -> Result<KeyUri, CliError> {
        let secret = self.secret.as_deref().ok_or_else(|| {
            CliError::Usage("give --uri URI or --secret BASE32 to say which account".into())
        })?;
        let kind: Kind = match &self.kind {
            Some(k) => k.parse()?,
            None => Kind::Totp,
        };
        let mut uri = KeyUri::new(kind, Secret::from_base32(secret)?, issuer, account);
        if let Some(a) = &self.algorithm {
            uri.algorithm = a.parse::<Algorithm>()?;
        }
        if let Some(d) = self.digits {
            if kind == Kind::Steam {
                return Err(CliError::Usage(
                    "Steam codes always have 5 characters: leave out --digits".into(),
                ));
            }
            uri.digits = d;
        }
        if let Some(p) = self.period {
            uri.period = p;
        }
        match (kind, self.counter) {
            (Kind::Hotp, Some(c)) => uri.counter = c,
            (Kind::Hotp, None) => {
                return Err(CliError::Usage(
                    "an HOTP account needs its counter: add --counter N".into(),
                ))
            }
            (_, Some(_)) => {
                return Err(CliError::Usage(
                    "--counter is for HOTP only: add --kind hotp or leave it out".into(),
                ))
            }
            _ => {}
        }
        uri.params().validate()?;
        Ok(uri)
    }
}
