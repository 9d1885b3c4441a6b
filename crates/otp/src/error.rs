use thiserror::Error;

/// Every way an OTP input can be wrong. Messages name the problem and never contain a secret.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OtpError {
    #[error("the secret is empty: give the base32 secret shown by the service")]
    EmptySecret,
    #[error("the secret is not valid base32 ({0}): use the letters A-Z and digits 2-7")]
    InvalidBase32(String),
    #[error("digits must be between {min} and {max}, got {got}")]
    InvalidDigits { got: u64, min: u32, max: u32 },
    #[error("the period must be at least 1 second, got {0}")]
    InvalidPeriod(u64),
    #[error("unknown algorithm '{0}': use SHA1, SHA256 or SHA512")]
    UnknownAlgorithm(String),
    #[error(
        "the MD5 algorithm is not supported by any authenticator: this account cannot be imported"
    )]
    Md5Unsupported,
    #[error("unknown OTP kind '{0}': use totp, hotp or steam")]
    UnknownKind(String),
    #[error("the time {time} is before T0 {t0}")]
    BeforeT0 { time: u64, t0: u64 },
    /// The text is never quoted whole: it may be a bare secret pasted in the wrong place.
    #[error("not an otpauth URI: it must start with otpauth:// ({0})")]
    NotOtpauth(String),
    #[error(
        "unknown otpauth type '{0}': use otpauth://totp/, otpauth://hotp/ or otpauth://steam/"
    )]
    UnknownUriType(String),
    #[error("the otpauth URI has no secret parameter: add secret=BASE32")]
    MissingSecret,
    #[error("an HOTP URI needs a counter parameter: add counter=N")]
    MissingCounter,
    #[error("invalid value for '{name}' in the URI: {reason}")]
    InvalidParameter { name: String, reason: String },
    #[error("the label is not valid percent-encoded UTF-8")]
    InvalidLabel,
    #[error(
        "not a Google Authenticator export: it must start with otpauth-migration://offline?data="
    )]
    NotMigration,
    #[error("the migration payload is damaged ({0}): scan the QR code again")]
    InvalidMigration(String),
    #[error("the code is empty or is not made of digits")]
    MalformedCode,
    #[error("Steam Guard codes always have 5 characters from SHA1: leave out the digits and the algorithm")]
    SteamFixed,
    #[error("a counter is for HOTP accounts only: choose HOTP or leave the counter out")]
    CounterNotHotp,
    #[error("the account has no name: give an issuer or an account name")]
    MissingName,
    /// A form's number field holding something else (the field's name).
    #[error("the {0} must be a whole number, 0 or more")]
    NotANumber(&'static str),
}

impl OtpError {
    /// Which field of a typed-in account ([`crate::KeyFields`]) the error is about, for a form
    /// that shows it beside that field: `secret`, `digits`, `period`, `counter`, `algorithm`,
    /// `kind` or `name`; `None` for errors of URIs and codes.
    pub fn field(&self) -> Option<&'static str> {
        Some(match self {
            OtpError::EmptySecret | OtpError::InvalidBase32(_) => "secret",
            OtpError::InvalidDigits { .. } | OtpError::SteamFixed => "digits",
            OtpError::InvalidPeriod(_) => "period",
            OtpError::MissingCounter | OtpError::CounterNotHotp => "counter",
            OtpError::UnknownAlgorithm(_) | OtpError::Md5Unsupported => "algorithm",
            OtpError::UnknownKind(_) => "kind",
            OtpError::MissingName => "name",
            OtpError::NotANumber(field) => field,
            _ => return None,
        })
    }

    /// A stable name for the error, for a front end that words it in its own language.
    pub fn code(&self) -> &'static str {
        match self {
            OtpError::EmptySecret => "empty_secret",
            OtpError::InvalidBase32(_) => "invalid_base32",
            OtpError::InvalidDigits { .. } => "invalid_digits",
            OtpError::InvalidPeriod(_) => "invalid_period",
            OtpError::UnknownAlgorithm(_) => "unknown_algorithm",
            OtpError::Md5Unsupported => "md5_unsupported",
            OtpError::UnknownKind(_) => "unknown_kind",
            OtpError::BeforeT0 { .. } => "before_t0",
            OtpError::NotOtpauth(_) => "not_otpauth",
            OtpError::UnknownUriType(_) => "unknown_uri_type",
            OtpError::MissingSecret => "missing_secret",
            OtpError::MissingCounter => "missing_counter",
            OtpError::InvalidParameter { .. } => "invalid_parameter",
            OtpError::InvalidLabel => "invalid_label",
            OtpError::NotMigration => "not_migration",
            OtpError::InvalidMigration(_) => "invalid_migration",
            OtpError::MalformedCode => "malformed_code",
            OtpError::SteamFixed => "steam_fixed",
            OtpError::CounterNotHotp => "counter_not_hotp",
            OtpError::MissingName => "missing_name",
            OtpError::NotANumber(_) => "not_a_number",
        }
    }
}
