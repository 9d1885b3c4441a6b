use thiserror::Error;
use twofold_otp::OtpError;

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
    #[error("{0}")]
    Vault(#[from] twofold_vault::VaultError),
    /// An import or export failed (wrong password, damaged file, unknown format). Exit status 2.
    #[error("{0}")]
    Transfer(String),
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
