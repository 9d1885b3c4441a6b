//! The screen on Windows (GDI) and macOS (CoreGraphics), every monitor, through the `xcap`
//! crate. macOS asks the user once for the Screen Recording permission; until it is given the
//! capture fails, and the error says where to give it.

use crate::{Limits, LumaImage, ScanError};

/// One grey image per monitor.
pub fn capture(limits: &Limits) -> Result<Vec<LumaImage>, ScanError> {
    let hint = if cfg!(target_os = "macos") {
        " (allow Screen Recording for Twofold in System Settings › Privacy & Security)"
    } else {
        ""
    };
    let monitors = xcap::Monitor::all().map_err(|e| {
        ScanError::ScreenUnavailable(format!("cannot list the monitors: {e}{hint}"))
    })?;
    if monitors.is_empty() {
        return Err(ScanError::ScreenUnavailable("no monitor found".into()));
    }
    let mut out = Vec::with_capacity(monitors.len());
    for m in monitors {
        let rgba = m.capture_image().map_err(|e| {
            ScanError::ScreenUnavailable(format!("cannot capture the screen: {e}{hint}"))
        })?;
        let (w, h) = rgba.dimensions();
        crate::load::check_dimensions(w, h, limits)?;
        out.push(crate::load::luma_from_rgba(w, h, rgba.as_raw())?);
    }
    Ok(out)
}
