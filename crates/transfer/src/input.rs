//! One import file as both faces read it: bounded in size, and an image (a screenshot of
//! Google Authenticator's export, a QR code saved from another app) turned into the text of
//! its QR codes, one per line, which the importers then recognise like any text export.

use std::path::Path;

use zeroize::Zeroizing;

use crate::batch::Input;
use crate::TransferError;

/// The largest import file read: far above any real export (Aegis with 10,000 accounts and
/// icons is a few MiB), small enough that `/dev/zero` or an endless pipe ends at once.
pub const MAX_INPUT: u64 = 64 << 20;

impl Input {
    /// Reads `path` (a file, standard input's `/dev/stdin`, a pipe), at most [`MAX_INPUT`]
    /// bytes.
    pub fn from_file(path: &Path) -> Result<Input, TransferError> {
        let bytes = twofold_vault::read_bounded(path, MAX_INPUT).map_err(|e| {
            if e.kind() == std::io::ErrorKind::FileTooLarge {
                TransferError::TooLarge {
                    path: path.to_path_buf(),
                    limit: MAX_INPUT,
                }
            } else {
                TransferError::io("read", path, e)
            }
        })?;
        Input::from_bytes(path.display().to_string(), bytes)
    }

    /// A file already read (the desktop's file picker), under the name shown in messages.
    pub fn from_bytes(name: String, bytes: Zeroizing<Vec<u8>>) -> Result<Input, TransferError> {
        if bytes.len() as u64 > MAX_INPUT {
            return Err(TransferError::TooLarge {
                path: name.into(),
                limit: MAX_INPUT,
            });
        }
        let data = match twofold_scan::qr_text_if_image(&bytes, &twofold_scan::Limits::default()) {
            None => bytes,
            Some(Err(e)) => {
                return Err(TransferError::Image {
                    name,
                    reason: e.to_string(),
                })
            }
            Some(Ok(text)) if text.is_empty() => return Err(TransferError::NoQrCode { name }),
            Some(Ok(text)) => Zeroizing::new(text.into_bytes()),
        };
        Ok(Input { name, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_through_and_an_image_without_a_code_is_named() {
        let i = Input::from_bytes("a.txt".into(), Zeroizing::new(b"otpauth://x".to_vec())).unwrap();
        assert_eq!(&i.data[..], b"otpauth://x");

        let mut png = Vec::new();
        image::DynamicImage::new_luma8(64, 64)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let e = Input::from_bytes("blank.png".into(), Zeroizing::new(png)).unwrap_err();
        assert_eq!(e.to_string(), "blank.png: no QR code found in the image: give a sharper picture of the code, or the export file itself");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused_after_the_limit() {
        let e = Input::from_file(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, TransferError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("never ends"), "{e}");
    }
}
