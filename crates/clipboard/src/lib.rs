//! A clipboard that forgets: codes are written marked as sensitive (excluded from clipboard
//! history and password-manager-hinted where the platform supports it) and cleared after a delay,
//! unless something else was copied since.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use thiserror::Error;
use zeroize::Zeroizing;

#[derive(Debug, Error)]
pub enum ClipboardError {
    #[error("no clipboard is available ({0}): is a desktop session running?")]
    Unavailable(String),
    #[error("could not write to the clipboard ({0}): try again")]
    Write(String),
}

/// A long-lived handle; on X11 the owning process serves the clipboard, so keep it alive for as
/// long as the copied text should stay available.
pub struct SensitiveClipboard {
    inner: Arc<Mutex<arboard::Clipboard>>,
    generation: Arc<AtomicU64>,
}

impl SensitiveClipboard {
    pub fn new() -> Result<Self, ClipboardError> {
        let cb =
            arboard::Clipboard::new().map_err(|e| ClipboardError::Unavailable(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Mutex::new(cb)),
            generation: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Copies `text` and, when `clear_after` is non-zero, clears the clipboard after that delay
    /// if it still holds `text` and no later copy went through this handle.
    pub fn copy(&self, text: &str, clear_after: Duration) -> Result<(), ClipboardError> {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut cb = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            set_sensitive(&mut cb, text)?;
        }
        if clear_after.is_zero() {
            return Ok(());
        }
        let copied = Zeroizing::new(text.to_owned());
        let inner = Arc::clone(&self.inner);
        let gen = Arc::clone(&self.generation);
        thread::spawn(move || {
            thread::sleep(clear_after);
            if gen.load(Ordering::SeqCst) != generation {
                return;
            }
            let mut cb = inner.lock().unwrap_or_else(|p| p.into_inner());
            let current = cb.get_text().map(Zeroizing::new);
            if matches!(&current, Ok(t) if t.as_str() == copied.as_str()) {
                let _ = cb.clear();
            }
        });
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn set_sensitive(cb: &mut arboard::Clipboard, text: &str) -> Result<(), ClipboardError> {
    use arboard::SetExtLinux;
    cb.set()
        .exclude_from_history()
        .text(text)
        .map_err(|e| ClipboardError::Write(e.to_string()))
}

#[cfg(target_os = "windows")]
fn set_sensitive(cb: &mut arboard::Clipboard, text: &str) -> Result<(), ClipboardError> {
    use arboard::SetExtWindows;
    cb.set()
        .exclude_from_cloud()
        .exclude_from_history()
        .text(text)
        .map_err(|e| ClipboardError::Write(e.to_string()))
}

#[cfg(not(any(target_os = "linux", target_os = "windows")))]
fn set_sensitive(cb: &mut arboard::Clipboard, text: &str) -> Result<(), ClipboardError> {
    cb.set_text(text)
        .map_err(|e| ClipboardError::Write(e.to_string()))
}
