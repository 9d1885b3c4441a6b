//! The vault's state: open, locked, unlocked; its passphrase.

use tauri::State;
use twofold_vault::{Unlock, Vault};

use super::{err, long_enough, Res};
use crate::i18n::tr;
use crate::state::{AppState, VaultState, VaultStatus};

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Res<VaultStatus> {
    Ok(state.status())
}

/// Tries the vault again after it failed to open (see [`AppState::reopen`]).
#[tauri::command]
pub async fn reopen(state: State<'_, AppState>) -> Res<VaultStatus> {
    Ok(state.reopen())
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, passphrase: String) -> Res<VaultStatus> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let path = state.path()?;
    let vault = Vault::open(&path, &Unlock::passphrase(passphrase)).map_err(|e| match e {
        // The one refusal a person at the lock screen meets most: in the window's words.
        twofold_vault::VaultError::WrongPassphrase => err(tr("shell.wrong_passphrase", &[])),
        e => err(e),
    })?;
    let has_pass = vault.has_passphrase_slot();
    *state.vault() = Some(vault);
    state.set_status(VaultState::Ready, has_pass);
    state.backups.unlocked();
    Ok(state.status())
}

/// The current passphrase must open the vault: a changed or removed passphrase needs it, so
/// nobody at an unlocked, unattended window can change the way in.
fn check_current(state: &AppState, current: &str) -> Res<()> {
    let path = state.path()?;
    match Vault::open(
        &path,
        &Unlock::passphrase(zeroize::Zeroizing::new(current.to_owned())),
    ) {
        Ok(_) => Ok(()),
        Err(twofold_vault::VaultError::WrongPassphrase) => {
            Err(tr("shell.wrong_current_passphrase", &[]).into())
        }
        Err(e) => Err(err(e)),
    }
}

/// Sets the vault's passphrase slot (creating the vault if there is none yet), or changes it:
/// then `current` must be the passphrase it has. With a passphrase, Twofold starts locked,
/// can be locked, and opens where the keyring is missing.
#[tauri::command]
pub async fn set_passphrase(
    state: State<'_, AppState>,
    current: Option<String>,
    passphrase: String,
) -> Res<VaultStatus> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let current = current.map(zeroize::Zeroizing::new);
    long_enough(&passphrase, "shell.passphrase_too_short")?;
    let kdf = twofold_vault::KdfParams::from_env()?;
    let had = state.with_vault(true, |v| Ok(v.has_passphrase_slot()))?;
    if had {
        check_current(&state, current.as_deref().map_or("", |c| c.as_str()))?;
    }
    state.with_vault(false, |v| v.set_passphrase(&passphrase, kdf).map_err(err))?;
    state.set_status(VaultState::Ready, true);
    Ok(state.status())
}

/// Removes the passphrase slot (the keyring slot stays the way in); `current` must open it.
#[tauri::command]
pub async fn remove_passphrase(state: State<'_, AppState>, current: String) -> Res<VaultStatus> {
    let current = zeroize::Zeroizing::new(current);
    check_current(&state, &current)?;
    state.with_vault(false, |v| v.remove_passphrase().map_err(err))?;
    state.set_status(VaultState::Ready, false);
    Ok(state.status())
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Res<VaultStatus> {
    let has_pass = state
        .vault()
        .as_ref()
        .is_some_and(|v| v.has_passphrase_slot())
        || state.status().has_passphrase;
    if !has_pass {
        return Err(tr("shell.lock_needs_passphrase", &[]).into());
    }
    // Dropping the vault zeroizes its key and secrets; so does forgetting what waited to be
    // added or imported. The code copied last leaves the clipboard too.
    *state.vault() = None;
    *state.undo.lock().unwrap() = None;
    state.pending.clear();
    *state.pending_import.lock().unwrap() = None;
    state.forget_clipboard();
    state.set_status(VaultState::Locked, true);
    Ok(state.status())
}
