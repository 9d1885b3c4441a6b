//! The OTP core of Twofold.
//!
//! * [`code`]: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
//! * [`verify`]: server-side verification over a window of steps, returning the matched step.
//! * [`uri`]: `otpauth://` Key URI parsing and canonical formatting.
//! * [`migration`]: `otpauth-migration://offline?data=…` (Google Authenticator export).
//! * [`qr_svg`]: a Key URI as a QR code in SVG (the desktop app's and the test server's).
//!
//! Secrets live in [`Secret`], a zeroizing buffer whose `Debug` never shows its bytes.

pub mod code;
mod error;
mod fields;
pub mod migration;
mod qr;
mod secret;
pub mod uri;
pub mod verify;

pub use code::{Algorithm, Kind, OtpParams};
pub use error::OtpError;
pub use fields::{parse_number, KeyFields};
pub use qr::qr_svg;
pub use secret::Secret;
pub use uri::KeyUri;

/// The current Unix time in whole seconds (0 if the clock is before 1970): the moment TOTP codes
/// are computed for, and the timestamp every crate records.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
