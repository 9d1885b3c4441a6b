//! What the desktop process holds: the path of the vault, the unlocked vault (or why not), the
//! last deleted account for undo, the clipboard handle and the preferences.

use crate::error::Res;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;
use twofold_clipboard::SensitiveClipboard;
use twofold_vault::{Account, CreateOptions, Unlock, Vault, VaultError};

use crate::settings::Settings;
use crate::vault_banner::Banner;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
#[derive(ts_rs::TS)]
#[ts(export)]
pub enum VaultState {
    Ready,
    Locked,
    Error,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct VaultStatus {
    pub state: VaultState,
    /// What is wrong and what to do (a locked or failed vault).
    pub message: Option<String>,
    /// The technical cause behind `message`, for the banner's "Details".
    pub detail: Option<String>,
    pub has_passphrase: bool,
    pub path: String,
}

pub struct AppState {
    pub vault_path: Result<PathBuf, String>,
    /// Read through [`vault`](Self::vault) and [`status`](Self::status), which first wait for
    /// the opening at start.
    vault: Mutex<Option<Vault>>,
    status: Mutex<VaultStatus>,
    /// The vault being opened at start, on a thread of its own while the window and its web
    /// process start (keyring lookup and decryption need not wait for them, nor they for it).
    opening: Mutex<Option<std::thread::JoinHandle<Opened>>>,
    pub undo: Mutex<Option<Account>>,
    pub clipboard: Mutex<Option<SensitiveClipboard>>,
    pub settings: Mutex<Settings>,
    pub settings_path: PathBuf,
    /// An import previewed and waiting for the user's "Import" (see transfer.rs).
    pub pending_import: Mutex<Option<twofold_transfer::ImportPlan>>,
    /// otpauth links the app was opened with, not yet shown to the user.
    pub links: Mutex<Vec<String>>,
    /// Accounts found (scanned, linked, pasted) and waiting for the user's "Add", by handle.
    pub pending: crate::pending::Pending,
    /// Automatic backups after changes (see backup.rs).
    pub backups: crate::backup_queue::Backups,
}

fn vault_path() -> Result<PathBuf, String> {
    match std::env::var_os("TWOFOLD_VAULT") {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        _ => twofold_vault::default_vault_path().map_err(|e| e.to_string()),
    }
}

/// What opening the vault at start came to.
struct Opened {
    vault: Option<Vault>,
    state: VaultState,
    banner: Option<Banner>,
    has_passphrase: bool,
}

impl Opened {
    fn status(state: VaultState, has_passphrase: bool) -> Self {
        Opened {
            vault: None,
            state,
            banner: None,
            has_passphrase,
        }
    }

    fn failed(message: String) -> Self {
        Opened {
            banner: Some(Banner {
                message,
                detail: None,
            }),
            ..Opened::status(VaultState::Error, false)
        }
    }

    fn vault_error(e: &VaultError, has_passphrase: bool) -> Self {
        Opened {
            banner: Some(crate::vault_banner::explain(e, has_passphrase)),
            ..Opened::status(VaultState::Error, has_passphrase)
        }
    }
}

/// With a passphrase slot the app starts locked; otherwise it opens with the keyring. A missing
/// vault is simply empty until the first account is added.
fn open_at_start(path: Result<PathBuf, String>) -> Opened {
    let path = match path {
        Ok(p) => p,
        Err(e) => return Opened::failed(e),
    };
    match twofold_vault::inspect(&path) {
        Err(VaultError::NotFound(_)) => Opened::status(VaultState::Ready, false),
        Err(e) => Opened::vault_error(&e, false),
        Ok(info) => {
            let has_pass = info
                .slots
                .iter()
                .any(|s| matches!(s, twofold_vault::SlotInfo::Passphrase { .. }));
            if has_pass {
                return Opened::status(VaultState::Locked, true);
            }
            match Vault::open(&path, &Unlock::keyring()) {
                Ok(v) => Opened {
                    vault: Some(v),
                    ..Opened::status(VaultState::Ready, false)
                },
                Err(e) => Opened::vault_error(&e, false),
            }
        }
    }
}

impl AppState {
    pub fn new() -> Self {
        let settings_path = crate::settings::settings_path();
        let vault_path = vault_path();
        let to_open = vault_path.clone();
        let opening = std::thread::Builder::new()
            .name("twofold-open-vault".into())
            .spawn(move || open_at_start(to_open));
        let state = AppState {
            vault_path,
            vault: Mutex::new(None),
            status: Mutex::new(VaultStatus {
                state: VaultState::Ready,
                message: None,
                detail: None,
                has_passphrase: false,
                path: String::new(),
            }),
            opening: Mutex::new(None),
            undo: Mutex::new(None),
            clipboard: Mutex::new(None),
            settings: Mutex::new(Settings::load(&settings_path)),
            settings_path,
            pending_import: Mutex::new(None),
            links: Mutex::new(twofold_vault::intake::links_in(std::env::args().skip(1))),
            pending: Default::default(),
            backups: Default::default(),
        };
        match opening {
            Ok(handle) => *state.opening.lock().unwrap() = Some(handle),
            Err(_) => state.install(open_at_start(state.vault_path.clone())),
        }
        state
    }

    fn install(&self, o: Opened) {
        *self.vault.lock().unwrap() = o.vault;
        self.write_status(o.state, o.banner, o.has_passphrase);
    }

    /// Waits for the opening at start, once.
    fn settle(&self) {
        let mut opening = self.opening.lock().unwrap();
        if let Some(handle) = opening.take() {
            let opened = handle
                .join()
                .unwrap_or_else(|_| Opened::failed(crate::i18n::tr("shell.vault_not_opened", &[])));
            self.install(opened);
        }
    }

    /// The open vault, if any (after the opening at start).
    pub fn vault(&self) -> std::sync::MutexGuard<'_, Option<Vault>> {
        self.settle();
        self.vault.lock().unwrap()
    }

    pub fn set_status(&self, state: VaultState, has_passphrase: bool) {
        self.settle();
        self.write_status(state, None, has_passphrase);
    }

    /// Opens the vault again after it failed to open (the user started or unlocked the
    /// keyring, or restored the file), as at start. An open vault is left as it is.
    pub fn reopen(&self) -> VaultStatus {
        self.settle();
        {
            let mut vault = self.vault.lock().unwrap();
            if vault.is_none() && self.status.lock().unwrap().state == VaultState::Error {
                let o = open_at_start(self.vault_path.clone());
                *vault = o.vault;
                self.write_status(o.state, o.banner, o.has_passphrase);
            }
        }
        self.status()
    }

    fn write_status(&self, state: VaultState, banner: Option<Banner>, has_passphrase: bool) {
        let path = self
            .vault_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let (message, detail) = banner.map_or((None, None), |b| (Some(b.message), b.detail));
        *self.status.lock().unwrap() = VaultStatus {
            state,
            message,
            detail,
            has_passphrase,
            path,
        };
    }

    pub fn status(&self) -> VaultStatus {
        self.settle();
        self.status.lock().unwrap().clone()
    }

    /// Clears the clipboard if it still holds the code Twofold copied last (the app locks or
    /// quits); what the user copied since, anywhere, stays.
    pub fn forget_clipboard(&self) {
        let clip = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clip.as_ref() {
            c.forget();
        }
    }

    pub fn path(&self) -> Res<PathBuf> {
        Ok(self.vault_path.clone()?)
    }

    /// Runs `f` on the open vault; creates the vault (keyring slot) first when `create` is set
    /// and there is none yet.
    pub fn with_vault<R>(&self, create: bool, f: impl FnOnce(&mut Vault) -> Res<R>) -> Res<R> {
        let mut guard = self.vault();
        if guard.is_none() {
            let st = self.status();
            match st.state {
                VaultState::Locked => return Err(crate::i18n::tr("shell.locked", &[]).into()),
                VaultState::Error => {
                    return Err(st
                        .message
                        .unwrap_or_else(|| crate::i18n::tr("shell.vault_not_opened", &[]))
                        .into())
                }
                VaultState::Ready if !create => {
                    return Err(crate::i18n::tr("shell.no_accounts", &[]).into())
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
    pub fn change<R>(&self, create: bool, f: impl FnOnce(&mut Vault) -> Res<R>) -> Res<R> {
        let r = self.with_vault(create, f)?;
        self.backups.schedule();
        Ok(r)
    }
}
