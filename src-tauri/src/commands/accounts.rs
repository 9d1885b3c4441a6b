//! The accounts: their codes, edits, order, copy, QR code and secret.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_vault::{Account, AccountPatch, AccountSummary, SortOrder};

use super::{err, now, Res};
use crate::state::AppState;

/// Every account, in the vault's own order (pinned accounts where they are): what the page holds
/// and what `move_account` counts in.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Res<Vec<AccountSummary>> {
    let guard = state.vault();
    Ok(guard
        .as_ref()
        .map(|v| v.accounts().iter().map(Account::summary).collect())
        .unwrap_or_default())
}

/// The ids of the accounts the list shows: those matching a search (`query` in issuer, label,
/// tags or note; `tag`), in `sort`'s order (`Vault::listing`, what `twofold list --search --tag
/// --sort` prints). The page has the accounts from `list_accounts`: with 1,000 of them, their
/// ids are an eighth of their JSON.
#[tauri::command]
pub async fn listing(
    state: State<'_, AppState>,
    query: String,
    tag: Option<String>,
    sort: SortOrder,
) -> Res<Vec<String>> {
    let guard = state.vault();
    let Some(v) = guard.as_ref() else {
        return Ok(Vec::new());
    };
    let tags: Vec<String> = tag.into_iter().collect();
    Ok(v.listing(&query, &tags, sort)
        .into_iter()
        .map(|a| a.id)
        .collect())
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CodeView {
    id: String,
    code: String,
    next_code: String,
    #[ts(type = "number")]
    seconds_left: u64,
    #[ts(type = "number")]
    period: u64,
    /// The Unix second at which `code` gives way to `next_code` (0 for HOTP): the window counts
    /// down to it on its own clock and asks again only then.
    #[ts(type = "number")]
    ends_at: u64,
}

/// The current and next code of the accounts `ids` names (the rows on screen; unknown ids are
/// skipped), or of every account without `ids`, evaluated at one instant so accounts with the
/// same period change together. HOTP accounts get empty codes (see `next_hotp`).
#[tauri::command]
pub async fn codes(state: State<'_, AppState>, ids: Option<Vec<String>>) -> Res<Vec<CodeView>> {
    let t = now();
    let guard = state.vault();
    let Some(vault) = guard.as_ref() else {
        return Ok(Vec::new());
    };
    match ids {
        Some(ids) => ids
            .iter()
            .filter_map(|id| vault.get(id))
            .map(|a| code_view(a, t))
            .collect(),
        None => vault.accounts().iter().map(|a| code_view(a, t)).collect(),
    }
}

fn code_view(a: &Account, t: u64) -> Res<CodeView> {
    let p = a.params();
    let (code, next_code) = if a.kind.is_timed() {
        (
            p.code(&a.secret, t).map_err(err)?.to_string(),
            p.code(&a.secret, t + a.period).map_err(err)?.to_string(),
        )
    } else {
        (String::new(), String::new())
    };
    let seconds_left = if a.kind.is_timed() {
        p.seconds_left(t)
    } else {
        0
    };
    Ok(CodeView {
        id: a.id.clone(),
        code,
        next_code,
        seconds_left,
        period: a.period,
        ends_at: if seconds_left > 0 {
            t + seconds_left
        } else {
            0
        },
    })
}

/// HOTP: advances and saves the counter, then returns the code.
#[tauri::command]
pub async fn next_hotp(state: State<'_, AppState>, id: String) -> Res<CodeView> {
    state.change(false, |v| {
        let c = v.code(&id, now()).map_err(err)?;
        Ok(CodeView {
            id: id.clone(),
            code: c.code.to_string(),
            next_code: String::new(),
            seconds_left: 0,
            period: 0,
            ends_at: 0,
        })
    })
}

#[derive(Deserialize, Default)]
pub struct Patch {
    issuer: Option<String>,
    label: Option<String>,
    tags: Option<Vec<String>>,
    note: Option<String>,
    pinned: Option<bool>,
    icon: Option<String>,
}

#[tauri::command]
pub async fn update_account(
    state: State<'_, AppState>,
    id: String,
    patch: Patch,
) -> Res<AccountSummary> {
    let p = AccountPatch {
        issuer: patch.issuer,
        label: patch.label,
        tags: patch.tags,
        note: patch.note,
        pinned: patch.pinned,
        icon: patch.icon,
        ..AccountPatch::default()
    };
    state.change(false, |v| v.update(&id, p).map_err(err))
}

#[tauri::command]
pub async fn remove_account(state: State<'_, AppState>, id: String) -> Res<()> {
    let removed = state.change(false, |v| {
        let account = v
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("no account with id '{id}'"))?;
        v.remove(&id).map_err(err)?;
        Ok(account)
    })?;
    *state.undo.lock().unwrap() = Some(removed);
    Ok(())
}

/// Puts the last deleted account back where it was.
#[tauri::command]
pub async fn undo_remove(state: State<'_, AppState>) -> Res<Option<String>> {
    let Some(account) = state.undo.lock().unwrap().take() else {
        return Ok(None);
    };
    state.change(false, |v| {
        let id = account.id.clone();
        v.modify(|accounts, _| {
            accounts.push(account);
            Ok(())
        })
        .map_err(err)?;
        Ok(Some(id))
    })
}

/// Manual order: moves an account to `to_index` in the stored order.
#[tauri::command]
pub async fn move_account(state: State<'_, AppState>, id: String, to_index: usize) -> Res<()> {
    state.change(false, |v| {
        v.move_account(&id, twofold_vault::Position::Index(to_index))
            .map_err(err)
    })
}

/// Copies the account's current code (HOTP: the next one) to the clipboard, marked sensitive,
/// and returns after how many seconds it will be cleared (0: never).
#[tauri::command]
pub async fn copy_code(state: State<'_, AppState>, id: String) -> Res<u64> {
    copy(&state, &id)
}

/// Copies the code of account `id` (the window's rows and the tray's lines).
pub fn copy(state: &AppState, id: &str) -> Res<u64> {
    let code = state.with_vault(false, |v| v.code(id, now()).map_err(err))?;
    let delay = state.settings.lock().unwrap().clipboard_clear_seconds;
    let mut clip = state.clipboard.lock().unwrap();
    if clip.is_none() {
        *clip = Some(twofold_clipboard::SensitiveClipboard::new().map_err(err)?);
    }
    clip.as_ref()
        .expect("clipboard just created")
        .copy(&code.code, Duration::from_secs(delay))
        .map_err(err)?;
    Ok(delay)
}

/// The account as a QR code (SVG), to move it to a phone.
#[tauri::command]
pub async fn account_qr(state: State<'_, AppState>, id: String) -> Res<String> {
    let uri = state.with_vault(false, |v| {
        let a = v
            .get(&id)
            .ok_or_else(|| format!("no account with id '{id}'"))?;
        Ok(a.to_key_uri().to_uri())
    })?;
    twofold_otp::qr_svg(&uri).ok_or_else(|| err("this account is too long for a QR code"))
}

#[tauri::command]
pub async fn reveal_secret(state: State<'_, AppState>, id: String) -> Res<String> {
    state.with_vault(false, |v| {
        let a = v
            .get(&id)
            .ok_or_else(|| format!("no account with id '{id}'"))?;
        Ok(a.secret.to_base32().to_string())
    })
}
