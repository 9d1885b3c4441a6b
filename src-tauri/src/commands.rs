//! The Tauri commands: each one forwards to a crate and turns its error into one sentence.
//! The front end receives names, codes and seconds left — never a vault key, and a secret only
//! through `reveal_secret`, which the UI puts behind a confirmation.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_otp::{KeyUri, Kind, Secret};
use twofold_vault::intake::{self, Duplicate};
use twofold_vault::{Account, AccountPatch, AccountSummary, Unlock, Vault};

use crate::settings::Settings;
use crate::state::{AppState, VaultState, VaultStatus};

type Res<T> = Result<T, String>;

pub(crate) use twofold_otp::unix_now as now;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The one rule for a passphrase or password set from the window (the vault's passphrase, the
/// backups' password): at least 8 characters. `what` names it in the refusal.
pub(crate) fn long_enough(secret: &str, what: &str) -> Res<()> {
    if secret.chars().count() < 8 {
        return Err(format!("choose a {what} of at least 8 characters"));
    }
    Ok(())
}

#[derive(Serialize)]
pub struct AppInfo {
    name: String,
    version: String,
}

/// The name and version shown in the window, from the package metadata.
#[tauri::command]
pub fn app_info(app: tauri::AppHandle) -> AppInfo {
    let info = app.package_info();
    AppInfo {
        name: info.name.clone(),
        version: info.version.to_string(),
    }
}

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
    let vault = Vault::open(&path, &Unlock::passphrase(passphrase)).map_err(err)?;
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
            Err("the current passphrase is wrong: type the one you unlock Twofold with".into())
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
    long_enough(&passphrase, "passphrase")?;
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
        return Err("set a passphrase first (Settings, or 'twofold vault passphrase set'), or Twofold could not be unlocked again".into());
    }
    // Dropping the vault zeroizes its key and secrets. The code copied last leaves the
    // clipboard too.
    *state.vault() = None;
    *state.undo.lock().unwrap() = None;
    state.forget_clipboard();
    state.set_status(VaultState::Locked, true);
    Ok(state.status())
}

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Res<Vec<AccountSummary>> {
    let guard = state.vault();
    Ok(guard
        .as_ref()
        .map(|v| v.accounts().iter().map(Account::summary).collect())
        .unwrap_or_default())
}

#[derive(Serialize)]
pub struct CodeView {
    id: String,
    code: String,
    next_code: String,
    seconds_left: u64,
    period: u64,
}

/// Every TOTP/Steam account's current and next code, evaluated at one instant so accounts with
/// the same period change together. HOTP accounts get empty codes (see `next_hotp`).
#[tauri::command]
pub async fn codes(state: State<'_, AppState>) -> Res<Vec<CodeView>> {
    let t = now();
    let guard = state.vault();
    let Some(vault) = guard.as_ref() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(vault.accounts().len());
    for a in vault.accounts() {
        let p = a.params();
        let (code, next_code) = if a.kind.is_timed() {
            (
                p.code(&a.secret, t).map_err(err)?.to_string(),
                p.code(&a.secret, t + a.period).map_err(err)?.to_string(),
            )
        } else {
            (String::new(), String::new())
        };
        out.push(CodeView {
            id: a.id.clone(),
            code,
            next_code,
            seconds_left: if a.kind.is_timed() {
                p.seconds_left(t)
            } else {
                0
            },
            period: a.period,
        });
    }
    Ok(out)
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
        })
    })
}

#[derive(Serialize)]
pub struct AddResult {
    added: Vec<String>,
    skipped_duplicates: usize,
}

fn add_accounts(state: &AppState, accounts: Vec<Account>, tags: &[String]) -> Res<AddResult> {
    state.change(true, |v| {
        let accounts = accounts
            .into_iter()
            .map(|mut a| {
                a.tags = twofold_vault::account::normalise_tags(
                    a.tags.iter().chain(tags).cloned().collect(),
                );
                a
            })
            .collect();
        let (keep, skipped) = intake::without_duplicates(v.accounts(), accounts);
        let added = if keep.is_empty() {
            Vec::new()
        } else {
            v.add_many(keep).map_err(err)?
        };
        Ok(AddResult {
            added,
            skipped_duplicates: skipped,
        })
    })
}

#[tauri::command]
pub async fn add_uri(state: State<'_, AppState>, uri: String, tags: Vec<String>) -> Res<AddResult> {
    let accounts = intake::accounts_from_payload(&uri, now()).map_err(err)?;
    if accounts.is_empty() {
        return Err(err(intake::nothing_to_add()));
    }
    add_accounts(&state, accounts, &tags)
}

#[tauri::command]
pub async fn add_found(
    state: State<'_, AppState>,
    payloads: Vec<String>,
    tags: Vec<String>,
) -> Res<AddResult> {
    let mut accounts = Vec::new();
    for p in &payloads {
        accounts.extend(intake::accounts_from_payload(p, now()).map_err(err)?);
    }
    add_accounts(&state, accounts, &tags)
}

#[derive(Deserialize)]
pub struct ManualForm {
    secret: String,
    issuer: String,
    label: String,
    kind: String,
    algorithm: String,
    digits: u32,
    period: u64,
    counter: u64,
    tags: Vec<String>,
}

impl Drop for ManualForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

fn manual_uri(f: &ManualForm) -> Res<KeyUri> {
    let kind: Kind = f.kind.parse().map_err(err)?;
    let issuer = Some(f.issuer.trim().to_string()).filter(|s| !s.is_empty());
    let mut k = KeyUri::new(
        kind,
        Secret::from_base32(&f.secret).map_err(err)?,
        issuer,
        f.label.trim().to_string(),
    );
    if kind != Kind::Steam {
        k.algorithm = f.algorithm.parse().map_err(err)?;
        k.digits = f.digits;
    }
    k.period = f.period;
    if kind == Kind::Hotp {
        k.counter = f.counter;
    }
    k.params().validate().map_err(err)?;
    Ok(k)
}

#[tauri::command]
pub async fn preview(form: ManualForm) -> Res<String> {
    let k = manual_uri(&form)?;
    Ok(k.params().code(&k.secret, now()).map_err(err)?.to_string())
}

#[tauri::command]
pub async fn add_manual(state: State<'_, AppState>, form: ManualForm) -> Res<AddResult> {
    let k = manual_uri(&form)?;
    if k.account.is_empty() && k.issuer().is_none() {
        return Err("give the account a name (issuer or account)".into());
    }
    add_accounts(&state, vec![Account::from_key_uri(&k, now())], &form.tags)
}

#[derive(Serialize)]
pub struct FoundAccount {
    issuer: String,
    label: String,
    kind: String,
    duplicate: Duplicate,
}

#[derive(Serialize)]
pub struct Found {
    payload: String,
    kind: &'static str,
    accounts: Vec<FoundAccount>,
    error: Option<String>,
}

fn describe(state: &AppState, codes: Vec<twofold_scan::Code>) -> Vec<Found> {
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    codes
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                twofold_scan::PayloadKind::Otpauth => "otpauth",
                twofold_scan::PayloadKind::Migration => "migration",
                twofold_scan::PayloadKind::Other => "other",
            };
            found(existing, c.text_lossless(), kind)
        })
        .collect()
}

/// What one payload would add, and which of its accounts the vault already has.
fn found(existing: &[Account], payload: String, kind: &'static str) -> Found {
    if kind == "other" {
        // Not an account: say so without echoing what it holds.
        return Found {
            payload: String::new(),
            kind,
            accounts: Vec::new(),
            error: None,
        };
    }
    match intake::accounts_from_payload(&payload, now()) {
        Ok(accounts) => Found {
            kind,
            accounts: accounts
                .iter()
                .map(|a| FoundAccount {
                    issuer: a.issuer.clone(),
                    label: a.label.clone(),
                    kind: a.kind.to_string(),
                    duplicate: intake::duplicate_of(existing, a),
                })
                .collect(),
            payload,
            error: None,
        },
        Err(e) => Found {
            payload: String::new(),
            kind,
            accounts: Vec::new(),
            error: Some(format!("A QR code could not be read as an account: {e}")),
        },
    }
}

/// The `otpauth://` and `otpauth-migration://` links among a command line's arguments (the
/// desktop file hands a clicked link to the app as one).
pub fn links_in(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .filter(|a| {
            let l = a.to_ascii_lowercase();
            l.starts_with("otpauth://") || l.starts_with("otpauth-migration://")
        })
        .collect()
}

/// Links opened with the app (at its start, or forwarded by a second start): what each would
/// add, for the front end to confirm. Nothing is added without the user's "Add".
#[tauri::command]
pub async fn pending_links(state: State<'_, AppState>) -> Res<Vec<Found>> {
    let links = std::mem::take(&mut *state.links.lock().unwrap());
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    Ok(links
        .into_iter()
        .map(|l| {
            let kind = if l.to_ascii_lowercase().starts_with("otpauth-migration://") {
                "migration"
            } else {
                "otpauth"
            };
            found(existing, l, kind)
        })
        .collect())
}

/// Scans an image (dropped, pasted or opened) for QR codes.
#[tauri::command]
pub async fn scan_image(state: State<'_, AppState>, bytes: Vec<u8>) -> Res<Vec<Found>> {
    let codes = twofold_scan::scan_bytes(&bytes, &twofold_scan::Limits::default()).map_err(err)?;
    Ok(describe(&state, codes))
}

/// Captures every screen (xdg-desktop-portal where present, X11 otherwise) and scans it.
#[tauri::command]
pub async fn scan_screen(state: State<'_, AppState>) -> Res<Vec<Found>> {
    let codes = twofold_scan::screen::scan_screen(&twofold_scan::Limits::default()).map_err(err)?;
    Ok(describe(&state, codes))
}

#[derive(Deserialize, Default)]
pub struct Patch {
    issuer: Option<String>,
    label: Option<String>,
    tags: Option<Vec<String>>,
    note: Option<String>,
    pinned: Option<bool>,
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
        v.modify(|accounts, _| {
            if let Some(from) = accounts.iter().position(|a| a.id == id) {
                let a = accounts.remove(from);
                accounts.insert(to_index.min(accounts.len()), a);
            }
            Ok(())
        })
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
    let qr = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(err)?;
    Ok(qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
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
        return Err("choose a password for the automatic backups".into());
    }
    s.save(&state.settings_path)?;
    *state.settings.lock().unwrap() = s.clone();
    if backups_changed {
        // The first backup in a new folder is written at once, not at the next change.
        state.backups.schedule();
    }
    Ok(s)
}
