//! What the desktop process holds: the path of the vault, the unlocked vault (or why not), the
//! last deleted account for undo, the clipboard handle and the preferences.

use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;
use twofold_clipboard::SensitiveClipboard;
use twofold_vault::{Account, CreateOptions, Unlock, Vault, VaultError};

use crate::settings::Settings;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum VaultState {
    Ready,
    Locked,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct VaultStatus {
    pub state: VaultState,
    pub message: Option<String>,
    pub has_passphrase: bool,
    pub path: String,
}

pub struct AppState {
    pub vault_path: Result<PathBuf, String>,
    pub vault: Mutex<Option<Vault>>,
    pub status: Mutex<VaultStatus>,
    pub undo: Mutex<Option<Account>>,
    pub clipboard: Mutex<Option<SensitiveClipboard>>,
    pub settings: Mutex<Settings>,
    pub settings_path: PathBuf,
    /// An import previewed and waiting for the user's "Import" (see transfer.rs).
    pub pending_import: Mutex<Option<twofold_vault::transfer::ImportPlan>>,
    /// otpauth links the app was opened with, not yet shown to the user.
    pub links: Mutex<Vec<String>>,
    /// Automatic backups after changes (see backup.rs).
    pub backups: crate::backup::Backups,
}

fn vault_path() -> Result<PathBuf, String> {
    match std::env::var_os("TWOFOLD_VAULT") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => twofold_vault::default_vault_path().map_err(|e| e.to_string()),
    }
}

impl AppState {
    pub fn new() -> Self {
        let settings_path = crate::settings::settings_path();
        let state = AppState {
            vault_path: vault_path(),
            vault: Mutex::new(None),
            status: Mutex::new(VaultStatus {
                state: VaultState::Ready,
                message: None,
                has_passphrase: false,
                path: String::new(),
            }),
            undo: Mutex::new(None),
            clipboard: Mutex::new(None),
            settings: Mutex::new(Settings::load(&settings_path)),
            settings_path,
            pending_import: Mutex::new(None),
            links: Mutex::new(crate::commands::links_in(std::env::args().skip(1))),
            backups: Default::default(),
        };
        state.open_at_start();
        state
    }

    /// With a passphrase slot the app starts locked; otherwise it opens with the keyring. A
    /// missing vault is simply empty until the first account is added.
    fn open_at_start(&self) {
        let path = match &self.vault_path {
            Ok(p) => p.clone(),
            Err(e) => return self.set_status(VaultState::Error, Some(e.clone()), false),
        };
        match twofold_vault::inspect(&path) {
            Err(VaultError::NotFound(_)) => self.set_status(VaultState::Ready, None, false),
            Err(e) => self.set_status(VaultState::Error, Some(e.to_string()), false),
            Ok(info) => {
                let has_pass = info
                    .slots
                    .iter()
                    .any(|s| matches!(s, twofold_vault::SlotInfo::Passphrase { .. }));
                if has_pass {
                    self.set_status(VaultState::Locked, None, true);
                    return;
                }
                match Vault::open(&path, &Unlock::keyring()) {
                    Ok(v) => {
                        *self.vault.lock().unwrap() = Some(v);
                        self.set_status(VaultState::Ready, None, false);
                    }
                    Err(e) => self.set_status(VaultState::Error, Some(e.to_string()), false),
                }
            }
        }
    }

    pub fn set_status(&self, state: VaultState, message: Option<String>, has_passphrase: bool) {
        let path = self
            .vault_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        *self.status.lock().unwrap() = VaultStatus {
            state,
            message,
            has_passphrase,
            path,
        };
    }

    pub fn status(&self) -> VaultStatus {
        self.status.lock().unwrap().clone()
    }

    pub fn path(&self) -> Result<PathBuf, String> {
        self.vault_path.clone()
    }

    /// Runs `f` on the open vault; creates the vault (keyring slot) first when `create` is set
    /// and there is none yet.
    pub fn with_vault<R>(
        &self,
        create: bool,
        f: impl FnOnce(&mut Vault) -> Result<R, String>,
    ) -> Result<R, String> {
        let mut guard = self.vault.lock().unwrap();
        if guard.is_none() {
            let st = self.status();
            match st.state {
                VaultState::Locked => return Err("Twofold is locked: unlock it first.".into()),
                VaultState::Error => {
                    return Err(st
                        .message
                        .unwrap_or_else(|| "the vault could not be opened".into()))
                }
                VaultState::Ready if !create => {
                    return Err("there are no accounts yet: add one first".into())
                }
                VaultState::Ready => {
                    let path = self.path()?;
                    let (v, _) =
                        Vault::open_or_create(&path, &Unlock::keyring(), &CreateOptions::default())
                            .map_err(|e| e.to_string())?;
                    *guard = Some(v);
                }
            }
        }
        f(guard.as_mut().expect("vault is open"))
    }

    /// [`with_vault`](Self::with_vault) for a change to the accounts: once it succeeds, an
    /// automatic backup is due.
    pub fn change<R>(
        &self,
        create: bool,
        f: impl FnOnce(&mut Vault) -> Result<R, String>,
    ) -> Result<R, String> {
        let r = self.with_vault(create, f)?;
        self.backups.schedule();
        Ok(r)
    }
}
