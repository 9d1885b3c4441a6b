//! The Tauri commands: each one forwards to a crate and turns its error into one sentence.
//! The front end receives names, codes and seconds left — never a vault key, and a secret only
//! through `reveal_secret` and `account_qr`, which the UI puts behind a confirmation. What a scan
//! or a link finds waits in Rust ([`crate::pending`]); the page gets a handle and the names.

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
/// backups' password): the vault crate's (`check_new_passphrase`), in the window's words; `what`
/// names it in the refusal.
pub(crate) fn long_enough(secret: &str, what: &str) -> Res<()> {
    twofold_vault::check_new_passphrase(secret).map_err(|_| {
        format!(
            "choose a {what} of at least {} characters",
            twofold_vault::MIN_PASSPHRASE_CHARS
        )
    })
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

/// Adds what a scan or a link found, by the handles [`Found`] gave the page; they are then
/// forgotten.
#[tauri::command]
pub async fn add_found(
    state: State<'_, AppState>,
    handles: Vec<String>,
    tags: Vec<String>,
) -> Res<AddResult> {
    let accounts = state.pending.accounts(&handles)?;
    let r = add_accounts(&state, accounts, &tags)?;
    state.pending.remove(&handles);
    Ok(r)
}

/// Forgets what a scan or a link found without adding it (the dialog was cancelled).
#[tauri::command]
pub async fn discard_found(state: State<'_, AppState>, handles: Vec<String>) -> Res<()> {
    state.pending.remove(&handles);
    Ok(())
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

/// What a scanned code or a link holds, as the page sees it: a handle to add it by, and the
/// names — not the payload, which stays in [`AppState::pending`] with its secrets.
#[derive(Serialize)]
pub struct Found {
    /// For `add_found`; `None` when there is nothing to add (not an account, or an error).
    handle: Option<String>,
    kind: &'static str,
    accounts: Vec<FoundAccount>,
    error: Option<String>,
}

/// Where a payload came from, for the sentence of an error.
#[derive(Clone, Copy)]
enum Source {
    QrCode,
    Link,
}

fn describe(state: &AppState, codes: Vec<twofold_scan::Code>) -> Res<Vec<Found>> {
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
            let payload = zeroize::Zeroizing::new(c.text_lossless());
            found(&state.pending, existing, &payload, kind, Source::QrCode)
        })
        .collect()
}

/// The kind of a link's payload (for a link, anything else is read as an otpauth URI).
fn link_kind(link: &str) -> &'static str {
    if link
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("otpauth-migration://")
    {
        "migration"
    } else {
        "otpauth"
    }
}

/// What one payload would add, and which of its accounts the vault already has; the accounts
/// wait in `pending` under the handle returned.
fn found(
    pending: &crate::pending::Pending,
    existing: &[Account],
    payload: &str,
    kind: &'static str,
    source: Source,
) -> Res<Found> {
    let nothing = |error: Option<String>| Found {
        handle: None,
        kind,
        accounts: Vec::new(),
        error,
    };
    if kind == "other" {
        // Not an account: say so without echoing what it holds.
        return Ok(nothing(None));
    }
    match intake::accounts_from_payload(payload, now()) {
        Ok(accounts) => {
            let shown = accounts
                .iter()
                .map(|a| FoundAccount {
                    issuer: a.issuer.clone(),
                    label: a.label.clone(),
                    kind: a.kind.to_string(),
                    duplicate: intake::duplicate_of(existing, a),
                })
                .collect();
            Ok(Found {
                handle: Some(pending.put(accounts)?),
                kind,
                accounts: shown,
                error: None,
            })
        }
        Err(e) => Ok(nothing(Some(match source {
            Source::QrCode => format!("A QR code could not be read as an account: {e}"),
            Source::Link => format!("The link could not be read as an account: {e}"),
        }))),
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
    let links: Vec<zeroize::Zeroizing<String>> = std::mem::take(&mut *state.links.lock().unwrap())
        .into_iter()
        .map(zeroize::Zeroizing::new)
        .collect();
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    links
        .iter()
        .map(|l| found(&state.pending, existing, l, link_kind(l), Source::Link))
        .collect()
}

/// A link pasted into the window: what it would add, as for a scanned one (the page already
/// has the link the user pasted; the answer does not repeat its secret).
#[tauri::command]
pub async fn intake_link(state: State<'_, AppState>, uri: String) -> Res<Found> {
    let uri = zeroize::Zeroizing::new(uri);
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    found(
        &state.pending,
        existing,
        &uri,
        link_kind(&uri),
        Source::Link,
    )
}

/// Scans an image (dropped, pasted or opened) for QR codes.
#[tauri::command]
pub async fn scan_image(state: State<'_, AppState>, bytes: Vec<u8>) -> Res<Vec<Found>> {
    let bytes = zeroize::Zeroizing::new(bytes);
    let codes = twofold_scan::scan_bytes(&bytes, &twofold_scan::Limits::default()).map_err(err)?;
    describe(&state, codes)
}

/// Captures every screen (xdg-desktop-portal where present, X11 otherwise) and scans it.
#[tauri::command]
pub async fn scan_screen(state: State<'_, AppState>) -> Res<Vec<Found>> {
    let codes = twofold_scan::screen::scan_screen(&twofold_scan::Limits::default()).map_err(err)?;
    describe(&state, codes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pending::Pending;

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn uri(issuer: &str) -> String {
        format!("otpauth://totp/{issuer}:me@example.com?secret={SECRET}&issuer={issuer}")
    }

    /// What the page receives: names and a handle, never the URI or the secret in any case.
    fn assert_no_secret(json: &str) {
        let upper = json.to_uppercase();
        assert!(!upper.contains(SECRET), "a secret in {json}");
        assert!(!upper.contains("SECRET="), "a URI in {json}");
        assert!(!json.contains("otpauth:"), "a URI in {json}");
    }

    #[test]
    fn a_found_link_shows_names_and_a_handle_and_keeps_the_secret_in_rust() {
        let pending = Pending::default();
        let f = found(&pending, &[], &uri("Linked"), "otpauth", Source::Link).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_no_secret(&json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["accounts"][0]["issuer"], "Linked");
        assert_eq!(v["accounts"][0]["label"], "me@example.com");
        assert_eq!(v["accounts"][0]["duplicate"], "none");
        let handle = v["handle"].as_str().unwrap().to_string();
        let accounts = pending.accounts(&[handle]).unwrap();
        assert_eq!(accounts[0].secret.to_base32().to_string(), SECRET);
    }

    #[test]
    fn a_duplicate_is_named_as_such() {
        let pending = Pending::default();
        let existing = intake::accounts_from_payload(&uri("Dup"), 0).unwrap();
        let f = found(&pending, &existing, &uri("Dup"), "otpauth", Source::QrCode).unwrap();
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["accounts"][0]["duplicate"], "same");
    }

    #[test]
    fn a_bad_payload_or_another_code_gives_no_handle_and_no_payload() {
        let pending = Pending::default();
        let bad = format!("otpauth://totp/X:y?secret={SECRET}&digits=99");
        let f = found(&pending, &[], &bad, "otpauth", Source::Link).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_no_secret(&json);
        assert!(f.handle.is_none() && f.error.is_some());
        let other = found(
            &pending,
            &[],
            "https://example.com/?k=v",
            "other",
            Source::QrCode,
        );
        assert!(other.unwrap().handle.is_none());
    }

    #[test]
    fn a_link_kind_is_read_from_its_scheme() {
        assert_eq!(link_kind("OTPAUTH-MIGRATION://offline?data=x"), "migration");
        assert_eq!(link_kind(&uri("A")), "otpauth");
    }
}
