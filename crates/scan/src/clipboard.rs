//! The image on the system clipboard (arboard: X11 selections, or Wayland through XWayland;
//! macOS and Windows natively).

use crate::{Code, Limits, LumaImage, ScanError};

/// The clipboard's image as grey pixels, alpha composited onto white.
pub fn clipboard_image(limits: &Limits) -> Result<LumaImage, ScanError> {
    let mut cb = arboard::Clipboard::new().map_err(|e| ScanError::Clipboard(e.to_string()))?;
    let img = match cb.get_image() {
        Ok(img) => img,
        Err(arboard::Error::ContentNotAvailable) => return Err(ScanError::ClipboardEmpty),
        Err(e) => return Err(ScanError::Clipboard(e.to_string())),
    };
    let (w, h) = (
        u32::try_from(img.width).map_err(|_| ScanError::TooLarge("clipboard image".into()))?,
        u32::try_from(img.height).map_err(|_| ScanError::TooLarge("clipboard image".into()))?,
    );
    crate::load::check_dimensions(w, h, limits)?;
    crate::load::luma_from_rgba(w, h, &img.bytes)
}

/// Decodes every QR code in the clipboard's image.
pub fn scan_clipboard(limits: &Limits) -> Result<Vec<Code>, ScanError> {
    let start = std::time::Instant::now();
    let luma = clipboard_image(limits)?;
    Ok(crate::pipeline::scan(&luma, limits, start).codes)
}
