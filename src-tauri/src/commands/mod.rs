//! The Tauri commands: each one forwards to a crate and turns its error into one sentence.
//! The front end receives names, codes and seconds left — never a vault key, and a secret only
//! through `reveal_secret` and `account_qr`, which the UI puts behind a confirmation. What a scan
//! or a link finds waits in Rust ([`crate::pending`]); the page gets a handle and the names.

use serde::Serialize;
use tauri::State;

mod accounts;
mod add;
mod vault;

pub use accounts::*;
pub use add::*;
pub use vault::*;

use crate::settings::Settings;
use crate::state::AppState;

pub(crate) use crate::error::{err, long_enough, Res};

pub(crate) use twofold_otp::unix_now as now;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppInfo {
    name: String,
    version: String,
    /// The desktop's locale, for the window's language when Settings say "system".
    locale: String,
}

/// The name and version shown in the window, from the package metadata, and the desktop's
/// locale.
#[tauri::command]
pub fn app_info(app: tauri::AppHandle) -> AppInfo {
    let info = app.package_info();
    AppInfo {
        name: info.name.clone(),
        version: info.version.to_string(),
        locale: crate::settings::desktop_locale(),
    }
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> Res<Settings> {
    Ok(state.settings.lock().unwrap().clone())
}

#[tauri::command]
pub async fn set_settings(state: State<'_, AppState>, settings: Settings) -> Res<Settings> {
    let s = settings.validate()?;
    let before = state.settings.lock().unwrap().clone();
    let backups_changed = s.backup_dir != before.backup_dir || s.backup_keep != before.backup_keep;
    if backups_changed && !s.backup_dir.is_empty() && !crate::backup::password_set(&state) {
        return Err(crate::i18n::tr("shell.need_backup_password", &[]).into());
    }
    s.save(&state.settings_path)?;
    *state.settings.lock().unwrap() = s.clone();
    s.apply_language();
    if s.backup_dir.is_empty() && !before.backup_dir.is_empty() {
        // Automatic backups turned off: their password has no use left in the keyring.
        crate::backup::forget_password(&state);
    }
    if backups_changed {
        // The first backup in a new folder is written at once, not at the next change.
        state.backups.schedule();
    }
    Ok(s)
}
