//! A clipboard that forgets: codes are written marked as sensitive (excluded from clipboard
//! history and password-manager-hinted where the platform supports it) and cleared after a delay,
//! or at once with [`SensitiveClipboard::forget`] (the app locks or quits), unless something else
//! was copied since.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
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

/// What the handle needs of a clipboard: the system's (arboard), or a stand-in in the tests.
trait Board: Send {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError>;
    /// The text the clipboard holds now, whoever put it there; `None` when it holds none.
    fn text(&mut self) -> Option<Zeroizing<String>>;
    fn clear(&mut self);
}

impl Board for arboard::Clipboard {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
        set_sensitive(self, text)
    }

    fn text(&mut self) -> Option<Zeroizing<String>> {
        self.get_text().ok().map(Zeroizing::new)
    }

    fn clear(&mut self) {
        let _ = arboard::Clipboard::clear(self);
    }
}

/// The board and the last text copied through this handle (until it is cleared or forgotten).
struct Inner {
    board: Box<dyn Board>,
    copied: Option<Zeroizing<String>>,
}

impl Inner {
    /// Clears the clipboard if it still holds the text this handle copied; forgets that text.
    fn clear_if_ours(&mut self) -> bool {
        let Some(copied) = self.copied.take() else {
            return false;
        };
        let ours = self
            .board
            .text()
            .is_some_and(|t| t.as_str() == copied.as_str());
        if ours {
            self.board.clear();
        }
        ours
    }
}

/// A long-lived handle; on X11 the owning process serves the clipboard, so keep it alive for as
/// long as the copied text should stay available.
pub struct SensitiveClipboard {
    inner: Arc<Mutex<Inner>>,
    generation: Arc<AtomicU64>,
}

impl SensitiveClipboard {
    pub fn new() -> Result<Self, ClipboardError> {
        let cb =
            arboard::Clipboard::new().map_err(|e| ClipboardError::Unavailable(e.to_string()))?;
        Ok(Self::with_board(Box::new(cb)))
    }

    fn with_board(board: Box<dyn Board>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                board,
                copied: None,
            })),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies `text` and, when `clear_after` is non-zero, clears the clipboard after that delay
    /// if it still holds `text` and no later copy went through this handle.
    pub fn copy(&self, text: &str, clear_after: Duration) -> Result<(), ClipboardError> {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut inner = self.lock();
            inner.copied = None;
            inner.board.set_sensitive(text)?;
            inner.copied = Some(Zeroizing::new(text.to_owned()));
        }
        if clear_after.is_zero() {
            return Ok(());
        }
        let inner = Arc::clone(&self.inner);
        let gen = Arc::clone(&self.generation);
        thread::spawn(move || {
            thread::sleep(clear_after);
            let mut inner = inner.lock().unwrap_or_else(|p| p.into_inner());
            // Checked under the lock: a copy or a forget in between wins.
            if gen.load(Ordering::SeqCst) == generation {
                inner.clear_if_ours();
            }
        });
        Ok(())
    }

    /// Clears the clipboard now if it still holds the last text copied through this handle
    /// (the app locks or quits); anything copied since, here or elsewhere, is left alone.
    /// Returns whether it cleared. A delayed clear still pending has nothing left to do.
    pub fn forget(&self) -> bool {
        let mut inner = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        inner.clear_if_ours()
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

/// macOS: marked `org.nspasteboard.ConcealedType`, which clipboard managers (Maccy, Paste,
/// Alfred) skip.
#[cfg(target_os = "macos")]
fn set_sensitive(cb: &mut arboard::Clipboard, text: &str) -> Result<(), ClipboardError> {
    use arboard::SetExtApple;
    cb.set()
        .exclude_from_history()
        .text(text)
        .map_err(|e| ClipboardError::Write(e.to_string()))
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn set_sensitive(cb: &mut arboard::Clipboard, text: &str) -> Result<(), ClipboardError> {
    cb.set_text(text)
        .map_err(|e| ClipboardError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clipboard in memory, shared with the test so it can play another app copying.
    #[derive(Clone, Default)]
    struct Fake(Arc<Mutex<Option<String>>>);

    impl Fake {
        fn holds(&self) -> Option<String> {
            self.0.lock().unwrap().clone()
        }
        fn other_app_copies(&self, text: &str) {
            *self.0.lock().unwrap() = Some(text.into());
        }
    }

    impl Board for Fake {
        fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
            *self.0.lock().unwrap() = Some(text.into());
            Ok(())
        }
        fn text(&mut self) -> Option<Zeroizing<String>> {
            self.0.lock().unwrap().clone().map(Zeroizing::new)
        }
        fn clear(&mut self) {
            *self.0.lock().unwrap() = None;
        }
    }

    fn clipboard() -> (SensitiveClipboard, Fake) {
        let fake = Fake::default();
        (SensitiveClipboard::with_board(Box::new(fake.clone())), fake)
    }

    #[test]
    fn forget_clears_what_this_handle_copied() {
        let (cb, board) = clipboard();
        cb.copy("123456", Duration::from_secs(30)).unwrap();
        assert_eq!(board.holds().as_deref(), Some("123456"));
        assert!(cb.forget());
        assert_eq!(board.holds(), None);
        // Nothing left to forget.
        assert!(!cb.forget());
    }

    #[test]
    fn forget_leaves_what_another_app_copied_since() {
        let (cb, board) = clipboard();
        cb.copy("123456", Duration::ZERO).unwrap();
        board.other_app_copies("a shopping list");
        assert!(!cb.forget());
        assert_eq!(board.holds().as_deref(), Some("a shopping list"));
    }

    #[test]
    fn forget_with_nothing_copied_leaves_the_clipboard_alone() {
        let (cb, board) = clipboard();
        board.other_app_copies("123456");
        assert!(!cb.forget());
        assert_eq!(board.holds().as_deref(), Some("123456"));
    }

    #[test]
    fn only_the_last_copy_is_forgotten() {
        let (cb, board) = clipboard();
        cb.copy("111111", Duration::ZERO).unwrap();
        cb.copy("222222", Duration::ZERO).unwrap();
        board.other_app_copies("111111");
        assert!(
            !cb.forget(),
            "the clipboard holds an earlier code, copied again elsewhere"
        );
        assert_eq!(board.holds().as_deref(), Some("111111"));
    }

    #[test]
    fn the_delayed_clear_still_clears_and_skips_a_later_copy() {
        let (cb, board) = clipboard();
        cb.copy("123456", Duration::from_millis(50)).unwrap();
        thread::sleep(Duration::from_millis(400));
        assert_eq!(board.holds(), None);
        cb.copy("654321", Duration::from_millis(50)).unwrap();
        board.other_app_copies("a shopping list");
        thread::sleep(Duration::from_millis(400));
        assert_eq!(board.holds().as_deref(), Some("a shopping list"));
    }

    #[test]
    fn a_forget_before_the_delay_leaves_a_later_copy_of_the_same_text() {
        let (cb, board) = clipboard();
        cb.copy("123456", Duration::from_millis(100)).unwrap();
        assert!(cb.forget());
        // The user copies the same text from elsewhere: the pending clear must not take it.
        board.other_app_copies("123456");
        thread::sleep(Duration::from_millis(400));
        assert_eq!(board.holds().as_deref(), Some("123456"));
    }
}
