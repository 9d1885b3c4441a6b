//! The window's life beside the tray: closing it keeps Twofold in the tray where a tray icon is
//! shown (a setting, on by default, with a one-time note), it can start hidden there, and its
//! size and position are remembered (tauri-plugin-window-state, in Twofold's config folder).

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Manager, Runtime, WebviewWindow, WindowEvent};

use crate::events::{Events, PageEvent};
use crate::state::AppState;

/// A tray icon was made and a tray host is there to show it.
static TRAY_SHOWN: AtomicBool = AtomicBool::new(false);

pub fn tray_shown() -> bool {
    TRAY_SHOWN.load(Ordering::SeqCst)
}

/// Called once the tray icon is made (or could not be): where nothing shows it, a window that
/// was to start hidden is shown after all.
pub fn tray_ready<R: Runtime>(app: &AppHandle<R>, made: bool) {
    TRAY_SHOWN.store(made && tray_host(), Ordering::SeqCst);
    TRAY_CHECKED.store(true, Ordering::SeqCst);
    if !tray_shown() && start_hidden(app) {
        crate::show_main_window_of(app);
    }
}

/// On Linux a tray icon is shown by a StatusNotifierItem host, which owns this name.
#[cfg(target_os = "linux")]
fn tray_host() -> bool {
    use gio::prelude::*;
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&("org.kde.StatusNotifierWatcher",).to_variant()),
        None,
        gio::DBusCallFlags::NONE,
        1000,
        gio::Cancellable::NONE,
    )
    .ok()
    .and_then(|v| v.child_value(0).get::<bool>())
    .unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
fn tray_host() -> bool {
    true
}

fn start_hidden<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.state::<AppState>()
        .settings
        .lock()
        .unwrap()
        .start_hidden
}

/// Whether the page, once loaded, shows the window: not when it starts hidden in a tray (the
/// tray may not be made yet: [`tray_ready`] shows the window if it never is).
pub fn show_on_load<R: Runtime>(app: &AppHandle<R>) -> bool {
    !start_hidden(app) || TRAY_CHECKED.load(Ordering::SeqCst) && !tray_shown()
}

/// Set once [`tray_ready`] has run.
static TRAY_CHECKED: AtomicBool = AtomicBool::new(false);

/// The window's close button: to the tray when one is shown and the setting says so (the first
/// time, the page says what happened and offers Quit); otherwise the app quits.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    let (to_tray, noted) = {
        let s = app.state::<AppState>();
        let s = s.settings.lock().unwrap();
        (s.close_to_tray, s.close_note_shown)
    };
    if !(to_tray && tray_shown()) {
        return;
    }
    api.prevent_close();
    if noted {
        let _ = window.hide();
    } else {
        app.state::<Events>().push(PageEvent::CloseToTrayNote);
    }
}

/// A desktop notification that a code was copied from the tray (never the code itself), through
/// the freedesktop notification service on the session bus; nothing where there is none.
#[cfg(target_os = "linux")]
pub fn notify_copied(seconds: u64) {
    use gio::prelude::*;
    use std::collections::HashMap;
    let body = if seconds > 0 {
        crate::i18n::tr("shell.clipboard_clears", &[("count", &seconds)])
    } else {
        String::new()
    };
    let title = crate::i18n::tr("shell.code_copied", &[]);
    std::thread::spawn(move || {
        let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
            return;
        };
        let hints: HashMap<String, gio::glib::Variant> = HashMap::new();
        let args = (
            "Twofold",
            0u32,
            "",
            title,
            body,
            Vec::<String>::new(),
            hints,
            4000i32,
        );
        let _ = bus.call_sync(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "Notify",
            Some(&args.to_variant()),
            None,
            gio::DBusCallFlags::NONE,
            2000,
            gio::Cancellable::NONE,
        );
    });
}

#[cfg(not(target_os = "linux"))]
pub fn notify_copied(_seconds: u64) {}

/// "Keep running in the tray" under the one-time note: noted, and the window hides.
#[tauri::command]
pub async fn hide_to_tray(
    window: WebviewWindow,
    state: tauri::State<'_, AppState>,
) -> Result<(), String> {
    let mut s = state.settings.lock().unwrap().clone();
    if !s.close_note_shown {
        s.close_note_shown = true;
        s.save(&state.settings_path)?;
        *state.settings.lock().unwrap() = s;
    }
    window.hide().map_err(|e| e.to_string())
}

/// Quit from the window's menu (the tray has its own).
#[tauri::command]
pub fn quit_app(app: AppHandle) {
    app.exit(0);
}

/// Whether a tray icon is shown (the settings about it are offered only then).
#[tauri::command]
pub fn tray_available() -> bool {
    tray_shown()
}

/// Remembers the window's size and position in Twofold's config folder, restored at start;
/// its visibility stays Twofold's (hidden until the page has loaded, or in the tray).
pub fn state_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_window_state::StateFlags;
    let file = crate::settings::settings_path().with_file_name("window-state.json");
    tauri_plugin_window_state::Builder::default()
        .with_filename(file.to_string_lossy())
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}
