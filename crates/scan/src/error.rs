use std::path::PathBuf;

use thiserror::Error;

/// Everything scanning can fail with. Finding no QR code is not an error: the result is empty.
#[derive(Debug, Error)]
pub enum ScanError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the input is empty")]
    Empty,
    #[error("not an image in a supported format (PNG, JPEG, WebP, BMP, GIF, TIFF)")]
    UnknownFormat,
    #[error("unsupported image: {0}")]
    Unsupported(String),
    #[error("corrupt or truncated image: {0}")]
    Corrupt(String),
    #[error("image too large: {0}")]
    TooLarge(String),
    #[error("image has no pixels ({width}x{height})")]
    NoPixels { width: u32, height: u32 },
    #[error("no image on the clipboard")]
    ClipboardEmpty,
    #[error("cannot read the clipboard: {0}")]
    Clipboard(String),
    #[error("cannot capture the screen: {0}")]
    ScreenUnavailable(String),
    #[error("screen capture failed: {0}")]
    Screen(String),
}

impl ScanError {
    pub(crate) fn from_image(e: image::ImageError) -> ScanError {
        use image::error::{ImageError, LimitErrorKind};
        match e {
            ImageError::Limits(l) => match l.kind() {
                LimitErrorKind::DimensionError => {
                    ScanError::TooLarge("its declared dimensions exceed the limit".into())
                }
                LimitErrorKind::InsufficientMemory => {
                    ScanError::TooLarge("decoding it would need more memory than allowed".into())
                }
                _ => ScanError::TooLarge(l.to_string()),
            },
            ImageError::Unsupported(u) => match u.kind() {
                image::error::UnsupportedErrorKind::Format(
                    image::error::ImageFormatHint::Unknown,
                ) => ScanError::UnknownFormat,
                _ => ScanError::Unsupported(u.to_string()),
            },
            ImageError::IoError(io) => ScanError::Corrupt(io.to_string()),
            other => ScanError::Corrupt(other.to_string()),
        }
    }
}
