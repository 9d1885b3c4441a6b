//! Automatic backups: after every change the app makes to the vault, an encrypted Twofold backup
//! is written to the folder chosen in Settings, keeping the newest N
//! (`twofold_transfer::auto`, the code behind `twofold export --auto-dir`). Its password
//! lives in the OS keyring beside the vault key (`twofold_vault::keyring`), never in a file.
//!
//! A worker thread writes the backups, so a change never waits on Argon2id. Changes that come
//! within `backup_queue::SETTLE` of each other make one backup.

use tauri::{AppHandle, Manager, State};
use twofold_transfer as transfer;
use twofold_vault::{keyring, KdfParams};
use zeroize::Zeroizing;

use crate::backup_queue::BackupStatus;
use crate::events::{Events, PageEvent};
use crate::i18n::tr;
use crate::state::AppState;

use crate::error::{err, CmdError, Res};

/// Starts the worker that writes the backups. It lives as long as the app.
pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new()
        .name("twofold-backup".into())
        .spawn(move || {
            let state = app.state::<AppState>();
            loop {
                // `wait_for_change` leaves `dirty` clear, so a change made while a backup is
                // being written makes another one.
                state.backups.wait_for_change();
                if state.status().state == crate::state::VaultState::Locked {
                    state.backups.flags.lock().unwrap().after_unlock = true;
                    continue;
                }
                if let Err(e) = write(&state) {
                    app.state::<Events>()
                        .push(PageEvent::BackupFailed(e.message().to_owned()));
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("twofold: automatic backups are off: cannot start their thread: {e}");
    }
}

/// Writes one backup now, if backups are on. `Ok(None)`: they are off.
fn write(state: &AppState) -> Res<Option<String>> {
    let settings = state.settings.lock().unwrap().clone();
    if settings.backup_dir.is_empty() {
        return Ok(None);
    }
    let (vault_id, accounts) = state
        .with_vault(false, |v| Ok((v.vault_id(), v.accounts().to_vec())))
        .map_err(|e| {
            let error = e.message().to_string();
            fail(state, tr("shell.backup_not_written", &[("error", &error)]))
        })?;
    let password = match keyring::load_backup_password(&vault_id) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(fail(state, tr("shell.backup_password_missing", &[]))),
        Err(e) => {
            return Err(fail(
                state,
                tr("shell.backup_not_written", &[("error", &e)]),
            ))
        }
    };
    let path = transfer::auto::write_backup(
        std::path::Path::new(&settings.backup_dir),
        &accounts,
        &password,
        // The vault's default cost, or TWOFOLD_KDF as for the CLI (a bad value: the default).
        KdfParams::from_env().unwrap_or(KdfParams::DEFAULT),
        settings.backup_keep as usize,
    )
    .map_err(|e| fail(state, tr("shell.backup_failed", &[("error", &e)])))?;
    let shown = path.display().to_string();
    let mut st = state.backups.status.lock().unwrap();
    st.last_path = Some(shown.clone());
    st.last_time = Some(twofold_otp::unix_now());
    st.error = None;
    Ok(Some(shown))
}

fn fail(state: &AppState, message: String) -> CmdError {
    state.backups.status.lock().unwrap().error = Some(message.clone());
    err(message)
}

/// The vault id under which the backup password is kept; creates the vault when there is none
/// yet, so backups can be set up before the first account.
fn vault_id(state: &AppState) -> Res<String> {
    state.with_vault(true, |v| Ok(v.vault_id()))
}

/// Whether the keyring holds a password for the backups of the open vault.
pub fn password_set(state: &AppState) -> bool {
    match state.with_vault(false, |v| Ok(v.vault_id())) {
        Ok(id) => matches!(keyring::load_backup_password(&id), Ok(Some(_))),
        Err(_) => false,
    }
}

#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> Res<BackupStatus> {
    let mut st = state.backups.status.lock().unwrap().clone();
    st.password_set = password_set(&state);
    Ok(st)
}

/// Removes the backups' password of the open vault from the OS keyring (best effort: a keyring
/// that does not answer leaves it, as it would leave it unreadable).
pub fn forget_password(state: &AppState) {
    if let Ok(id) = state.with_vault(false, |v| Ok(v.vault_id())) {
        let _ = keyring::delete_backup_password(&id);
    }
}

/// Stores the backups' password in the OS keyring (replacing the previous one).
#[tauri::command]
pub async fn backup_set_password(state: State<'_, AppState>, password: String) -> Res<()> {
    let password = Zeroizing::new(password);
    crate::error::long_enough(&password, "shell.backup_password_too_short")?;
    let id = vault_id(&state)?;
    keyring::store_backup_password(&id, &password).map_err(err)
}

/// Writes a backup now (the "Back up now" button); returns its path.
#[tauri::command]
pub async fn backup_now(app: AppHandle) -> Res<String> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        write(&state)?.ok_or_else(|| tr("shell.backups_off", &[]).into())
    })
    .await
    .map_err(|e| tr("shell.backup_unfinished", &[("error", &e)]))?
}
