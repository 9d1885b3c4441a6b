//! Images to QR payloads.
//!
//! Twofold reads `otpauth://` codes from image files, pasted or dropped image bytes, the
//! clipboard and the screen. This crate finds **every** QR code in such an image and returns the
//! payloads in reading order (top to bottom, then left to right).
//!
//! * [`scan_file`], [`scan_bytes`], [`scan_image`], [`scan_luma`]: the decoding entry points.
//! * [`clipboard`] (feature `clipboard`): the image on the system clipboard.
//! * [`screen`] (feature `screen`): every monitor, through the xdg-desktop-portal Screenshot
//!   interface where it answers, X11 otherwise.
//!
//! Decoding runs a short list of image variants (see [`pipeline`] and `docs/scanner.md`): the
//! ZXing-style decoder of the `rxing` crate on the grey image and its inverse first, then, only
//! while a finder-pattern triple remains that no decoded code explains, or nothing was found,
//! a global threshold and contrast stretch (low contrast), sharpening and deblurring, a box
//! filter (noise) and sharpened 2x and Lanczos 3x upscales (small modules). `rqrr` stays available to
//! [`pipeline::Plan`]s for measurement.
//!
//! # Payload bytes
//! [`Code::bytes`] holds the payload. For `rqrr` results these are exactly the bytes of the
//! QR's data segments (byte, alphanumeric, numeric and kanji segments concatenated; ECI
//! designators are skipped, not applied). For `rxing` results they are the decoder's text
//! encoded as UTF-8: byte segments without an ECI are interpreted by guessing the charset (valid
//! UTF-8 stays UTF-8, which is what every otpauth generator writes), so a code holding bytes
//! that are not valid UTF-8 comes back as the characters of its guessed charset (typically
//! ISO-8859-1) in UTF-8. [`Code::text`] is the payload as a `str` when the bytes are UTF-8, and
//! `None` otherwise; callers printing payloads write the bytes.
//!
//! # Hostile input
//! Every decode is bounded by [`Limits`]: the declared width and height, the number of pixels
//! (which bounds every buffer the pipeline allocates after decoding, since it works on one
//! byte per pixel), the decoder's own allocation limit, and a time budget after which the
//! variants not yet tried are skipped. Nothing in this crate panics on any input: the two
//! decoders run under `catch_unwind` as a last line of defence.

mod error;
mod load;
pub mod pipeline;
mod preprocess;
mod resample;

#[cfg(feature = "clipboard")]
pub mod clipboard;
#[cfg(feature = "screen")]
pub mod screen;

use std::path::Path;
use std::time::Duration;

pub use error::ScanError;
pub use load::{decode_image, luma_from_image, LumaImage};
pub use pipeline::{Code, Decoder, ScanReport, VariantKind};

/// Bounds against hostile or accidental huge inputs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted width in pixels (default 16384: four 4K monitors side by side).
    pub max_width: u32,
    /// Largest accepted height in pixels (default 16384).
    pub max_height: u32,
    /// Largest accepted number of pixels (default 64 Mpx).
    pub max_pixels: u64,
    /// Largest allocation the image decoder may make (default 512 MiB).
    pub max_alloc: u64,
    /// Largest accepted encoded input in bytes (default 256 MiB).
    pub max_input_bytes: u64,
    /// Time after which no further preprocessing variant is started (default 2 s). The variant
    /// running at that moment finishes; what was found so far is returned.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_width: 16384,
            max_height: 16384,
            max_pixels: 64 << 20,
            max_alloc: 512 << 20,
            max_input_bytes: 256 << 20,
            time_budget: Duration::from_secs(2),
        }
    }
}

/// What kind of payload a QR code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// An `otpauth://` key URI: one account.
    Otpauth,
    /// An `otpauth-migration://` export (Google Authenticator): a batch of accounts.
    Migration,
    /// Anything else (a URL, Wi-Fi credentials, text): not an account.
    Other,
}

impl PayloadKind {
    /// Classifies a payload by its scheme (case-insensitive, leading whitespace ignored).
    pub fn of(bytes: &[u8]) -> PayloadKind {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let b = &bytes[start..];
        let has = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
        if has("otpauth-migration://") {
            PayloadKind::Migration
        } else if has("otpauth://") {
            PayloadKind::Otpauth
        } else {
            PayloadKind::Other
        }
    }

    /// Whether this payload is an account or a batch of accounts.
    pub fn is_otp(self) -> bool {
        self != PayloadKind::Other
    }
}

/// Decodes every QR code in the image file at `path`.
pub fn scan_file(path: impl AsRef<Path>, limits: &Limits) -> Result<Vec<Code>, ScanError> {
    Ok(scan_file_report(path, limits)?.codes)
}

/// As [`scan_file`], with what each variant found and the time it took.
pub fn scan_file_report(path: impl AsRef<Path>, limits: &Limits) -> Result<ScanReport, ScanError> {
    let path = path.as_ref();
    let bytes = load::read_file(path, limits)?;
    scan_bytes_report(&bytes, limits)
}

/// Decodes every QR code in an encoded image (PNG, JPEG, WebP, BMP, GIF, TIFF) held in memory,
/// as pasted or dropped onto the desktop app.
pub fn scan_bytes(bytes: &[u8], limits: &Limits) -> Result<Vec<Code>, ScanError> {
    Ok(scan_bytes_report(bytes, limits)?.codes)
}

/// Whether `bytes` start like an image format the scanner reads.
pub fn is_image(bytes: &[u8]) -> bool {
    use image::ImageFormat as F;
    matches!(
        image::guess_format(bytes),
        Ok(F::Png | F::Jpeg | F::WebP | F::Bmp | F::Gif | F::Tiff)
    )
}

/// For an import that may mix exports and QR images: the text of every QR code in `bytes`
/// (one per line) when they are an image, `None` when they are not.
pub fn qr_text_if_image(bytes: &[u8], limits: &Limits) -> Option<Result<String, ScanError>> {
    if !is_image(bytes) {
        return None;
    }
    Some(scan_bytes(bytes, limits).map(|codes| {
        codes
            .into_iter()
            .filter_map(|c| c.text)
            .collect::<Vec<_>>()
            .join("\n")
    }))
}

/// As [`scan_bytes`], with the per-variant report.
pub fn scan_bytes_report(bytes: &[u8], limits: &Limits) -> Result<ScanReport, ScanError> {
    let start = std::time::Instant::now();
    let img = load::decode_image(bytes, limits)?;
    let luma = load::luma_from_image(&img, limits)?;
    drop(img);
    let mut report = pipeline::scan(&luma, limits, start);
    report.total = start.elapsed();
    Ok(report)
}

/// Decodes every QR code in an already decoded image.
pub fn scan_image(img: &image::DynamicImage, limits: &Limits) -> Result<Vec<Code>, ScanError> {
    let start = std::time::Instant::now();
    let luma = load::luma_from_image(img, limits)?;
    Ok(pipeline::scan(&luma, limits, start).codes)
}

/// Decodes every QR code in an 8-bit grey image (`width * height` bytes, row-major).
pub fn scan_luma(
    width: u32,
    height: u32,
    pixels: &[u8],
    limits: &Limits,
) -> Result<Vec<Code>, ScanError> {
    let start = std::time::Instant::now();
    let luma = LumaImage::new(width, height, pixels.to_vec())?;
    load::check_dimensions(width, height, limits)?;
    Ok(pipeline::scan(&luma, limits, start).codes)
}

/// Decodes every QR code in an RGBA image (`width * height * 4` bytes, row-major, straight
/// alpha), such as a clipboard image or a screen capture.
pub fn scan_rgba(
    width: u32,
    height: u32,
    rgba: &[u8],
    limits: &Limits,
) -> Result<Vec<Code>, ScanError> {
    let start = std::time::Instant::now();
    load::check_dimensions(width, height, limits)?;
    let luma = load::luma_from_rgba(width, height, rgba)?;
    Ok(pipeline::scan(&luma, limits, start).codes)
}

/// CPU time consumed so far by the calling thread (for benchmarks), where the platform tells.
pub fn thread_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime only writes into the timespec we own.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    #[cfg(not(unix))]
    {
        None
    }
}
