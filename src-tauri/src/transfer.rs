//! Import and export in the desktop app, over the same `twofold_transfer` layer as
//! `twofold import` / `twofold export`. The parsed import waits here, in Rust, between the
//! preview and the user's "Import": the front end sees names and counts, never secrets.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_transfer::{batch, ExportFormat, Format, ImportPlan};
use twofold_vault::{Account, KdfParams};
use zeroize::Zeroizing;

use crate::state::AppState;

use crate::error::Res;

/// Largest file the Import dialog reads (the CLI's limit too).

#[derive(Deserialize)]
pub struct FileIn {
    name: String,
    bytes: Vec<u8>,
}

impl Drop for FileIn {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Entry {
    issuer: String,
    label: String,
    kind: &'static str,
}

impl From<&Account> for Entry {
    fn from(a: &Account) -> Self {
        Entry {
            issuer: a.issuer.clone(),
            label: a.label.clone(),
            kind: a.kind.as_str(),
        }
    }
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FileOut {
    name: String,
    format: &'static str,
    encrypted: bool,
    accounts: usize,
}

#[derive(Serialize, Default, ts_rs::TS)]
#[ts(export)]
pub struct ImportPreview {
    /// An encrypted export and no password yet: ask for one and call again.
    needs_password: bool,
    files: Vec<FileOut>,
    add: Vec<Entry>,
    duplicates: Vec<Entry>,
    conflicts: Vec<Entry>,
    skipped: Vec<String>,
}

fn inputs(files: Vec<FileIn>) -> Res<Vec<batch::Input>> {
    files
        .into_iter()
        .map(|mut f| {
            let bytes = Zeroizing::new(std::mem::take(&mut f.bytes));
            batch::Input::from_bytes(f.name.clone(), bytes).map_err(crate::error::err)
        })
        .collect()
}

/// Reads the chosen files and sorts their accounts against the vault; nothing is added yet.
#[tauri::command]
pub async fn import_preview(
    state: State<'_, AppState>,
    files: Vec<FileIn>,
    format: Option<String>,
    password: Option<String>,
) -> Res<ImportPreview> {
    let password = password.map(Zeroizing::new);
    let forced = match format.as_deref() {
        None | Some("") | Some("auto") => None,
        Some(f) => Some(
            Format::from_id(f)
                .ok_or_else(|| format!("unknown format '{f}': use one of {}", Format::ids()))?,
        ),
    };
    let inputs = inputs(files)?;
    *state.pending_import.lock().unwrap() = None;
    if password.is_none() && batch::needs_password(&inputs, forced) {
        return Ok(ImportPreview {
            needs_password: true,
            ..Default::default()
        });
    }
    let read = batch::read(&inputs, forced, password.as_ref().map(|p| p.as_str()))
        .map_err(|e| e.to_string())?;
    let files = read
        .files
        .iter()
        .map(|f| FileOut {
            name: f.name.clone(),
            format: f.format.name(),
            encrypted: f.encrypted,
            accounts: f.accounts,
        })
        .collect();
    let skipped = read.skipped.clone();
    let existing = existing_accounts(&state)?;
    let plan = read.plan(&existing);
    let preview = ImportPreview {
        needs_password: false,
        files,
        add: plan.add.iter().map(Entry::from).collect(),
        duplicates: plan.duplicates.iter().map(Entry::from).collect(),
        conflicts: plan.conflicts.iter().map(Entry::from).collect(),
        skipped,
    };
    *state.pending_import.lock().unwrap() = Some(plan);
    Ok(preview)
}

fn existing_accounts(state: &AppState) -> Res<Vec<Account>> {
    match state.with_vault(false, |v| Ok(v.accounts().to_vec())) {
        Ok(a) => Ok(a),
        // No vault yet: everything is new (the import creates it).
        Err(_) if state.vault().is_none() && state.status().message.is_none() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportDone {
    added: usize,
    duplicates: usize,
    conflicts_added: usize,
}

/// Adds the previewed accounts (and, if asked, those whose issuer and label clash with another
/// secret), re-checking duplicates against the vault as it is now.
#[tauri::command]
pub async fn import_commit(state: State<'_, AppState>, include_conflicts: bool) -> Res<ImportDone> {
    let ImportPlan {
        add,
        duplicates,
        conflicts,
    } = state
        .pending_import
        .lock()
        .unwrap()
        .take()
        .ok_or("nothing to import: choose the files again")?;
    let conflicts_added = if include_conflicts {
        conflicts.len()
    } else {
        0
    };
    let mut candidates = add;
    if include_conflicts {
        candidates.extend(conflicts);
    }
    let added = state.change(true, |v| {
        let fresh = twofold_transfer::plan(v.accounts(), candidates);
        let mut to_add = fresh.add;
        if include_conflicts {
            to_add.extend(fresh.conflicts);
        }
        let n = to_add.len();
        if n > 0 {
            v.add_many(to_add).map_err(|e| e.to_string())?;
        }
        Ok(n)
    })?;
    Ok(ImportDone {
        added,
        duplicates: duplicates.len(),
        conflicts_added,
    })
}

/// Forgets a previewed import (the dialog was closed).
#[tauri::command]
pub async fn import_cancel(state: State<'_, AppState>) -> Res<()> {
    *state.pending_import.lock().unwrap() = None;
    Ok(())
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportDone {
    paths: Vec<String>,
    accounts: usize,
    skipped: Vec<String>,
}

/// Exports every account (or those with one of `tags`) to `path`: a file, or a folder for the
/// QR formats. Never overwrites an existing file.
#[tauri::command]
pub async fn export_accounts(
    state: State<'_, AppState>,
    format: String,
    path: String,
    password: Option<String>,
    tags: Vec<String>,
) -> Res<ExportDone> {
    let password = password.filter(|p| !p.is_empty()).map(Zeroizing::new);
    let format = ExportFormat::from_id(&format).ok_or_else(|| {
        format!(
            "unknown export format '{format}': use one of {}",
            ExportFormat::ids()
        )
    })?;
    if format == ExportFormat::Twofold && password.is_none() {
        return Err(crate::i18n::tr("shell.backup_needs_password", &[]).into());
    }
    let dest = PathBuf::from(path.trim());
    if dest.as_os_str().is_empty() {
        return Err(crate::i18n::tr("shell.export_needs_path", &[]).into());
    }
    let accounts: Vec<Account> = state.with_vault(false, |v| {
        Ok(v.accounts()
            .iter()
            .filter(|a| tags.is_empty() || tags.iter().any(|t| a.has_tag(t)))
            .cloned()
            .collect())
    })?;
    let exported = twofold_transfer::exporter(format, KdfParams::DEFAULT)
        .export(&accounts, password.as_ref().map(|p| p.as_str()))
        .map_err(|e| e.to_string())?;
    let paths = exported
        .save(&dest, format, false)
        .map_err(|e| e.to_string())?;
    Ok(ExportDone {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        accounts: accounts.len() - exported.skipped.len(),
        skipped: exported.skipped.clone(),
    })
}

/// Where the Export dialog proposes to save: the Documents folder (or home), a dated name.
#[tauri::command]
pub async fn export_default_path(format: String) -> Res<String> {
    let format = ExportFormat::from_id(&format).ok_or("unknown export format")?;
    let dir = dirs::document_dir()
        .or_else(dirs::home_dir)
        .ok_or("no home folder")?;
    let name = format.default_name(twofold_otp::unix_now());
    Ok(dir.join(name).display().to_string())
}
