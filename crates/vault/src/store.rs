//! The vault on disk: open, unlock, change under an exclusive lock, write atomically.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::account::{find, new_id, Account, AccountPatch, AccountSummary};
use crate::error::{Result, VaultError};
use crate::format::{self, FormatError, Header, KdfParams, Slot, VaultKey, FORMAT_VERSION};
use crate::intake;
use crate::keyring::{self, KEYRING_SERVICE};
use crate::passphrase::{check_new_passphrase, trim_newline};
use crate::private_fs;

/// Largest vault file Twofold reads (a crafted or corrupt file cannot make it allocate more).
const MAX_FILE_LEN: u64 = 512 * 1024 * 1024;

/// Which key slot opened the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    Keyring,
    Passphrase,
}

/// How to unlock: the keyring slot unless a passphrase is given.
#[derive(Clone, Default)]
pub struct Unlock {
    pub passphrase: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Unlock {
    pub fn keyring() -> Self {
        Self { passphrase: None }
    }
    pub fn passphrase(p: Zeroizing<String>) -> Self {
        Self {
            passphrase: Some(p),
        }
    }
}

/// Which slots a new vault gets.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// Store the key in the OS keyring (a failure is reported, not fatal, when a passphrase
    /// slot is made instead).
    pub keyring: bool,
    /// Argon2id cost of a passphrase slot.
    pub kdf: KdfParams,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            keyring: true,
            kdf: KdfParams::DEFAULT,
        }
    }
}

/// What happened when a vault was created.
#[derive(Debug)]
pub struct Creation {
    pub slots: Vec<SlotKind>,
    /// Why the keyring slot could not be made, when it could not.
    pub keyring_error: Option<VaultError>,
}

/// A code and what a UI needs around it.
#[derive(Debug)]
pub struct Code {
    pub code: Zeroizing<String>,
    /// Seconds until a TOTP/Steam code changes.
    pub seconds_left: Option<u64>,
    /// The counter an HOTP code was made for (the stored counter is now one more).
    pub counter: Option<u64>,
}

/// What the header says, readable without unlocking.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderInfo {
    pub path: PathBuf,
    pub backup_path: PathBuf,
    pub lock_path: PathBuf,
    pub format_version: u16,
    pub vault_id: String,
    pub generation: u64,
    pub saved_at: u64,
    pub file_size: u64,
    pub slots: Vec<SlotInfo>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SlotInfo {
    Keyring {
        /// The OS keyring this build uses (`Secret Service`, `Windows Credential Manager`,
        /// `macOS Keychain`).
        store: &'static str,
        service: String,
        user: String,
    },
    Passphrase {
        kdf: &'static str,
        memory_kib: u32,
        iterations: u32,
        lanes: u32,
    },
}

#[derive(Deserialize)]
struct PayloadIn {
    accounts: Vec<Account>,
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    accounts: &'a [Account],
}

/// An unlocked vault. It keeps the vault key (zeroized on drop) and a copy of the accounts;
/// every change re-reads the file under the lock, applies itself, and writes a new generation.
pub struct Vault {
    path: PathBuf,
    header: Header,
    key: VaultKey,
    accounts: Vec<Account>,
    unlocked_by: SlotKind,
    /// The file's bytes as last read or written (ciphertext only, nothing secret). The re-read
    /// under the lock compares the file with them: equal bytes need no decryption; any other
    /// bytes are decrypted and authenticated again before anything is written.
    file: Vec<u8>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("vault_id", &self.header.vault_id_hex())
            .field("generation", &self.header.generation)
            .field("accounts", &self.accounts.len())
            .field("unlocked_by", &self.unlocked_by)
            .finish_non_exhaustive()
    }
}

/// `vault.twofold` → `vault.twofold.bak`
pub fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

/// `vault.twofold` → `vault.twofold.lock`
pub fn lock_path(path: &Path) -> PathBuf {
    sibling(path, ".lock")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vault".into())
}

use private_fs::parent;

/// The file a vault path names: a symbolic link is resolved once, so the lock, the temporary
/// file and the backup sit beside the real file and the rename replaces it, not the link (which
/// would otherwise become a regular file while the link's target silently stopped changing).
fn resolve(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                VaultError::DanglingLink(path.to_path_buf())
            } else {
                VaultError::io("resolve the link", path, e)
            }
        }),
        _ => Ok(path.to_path_buf()),
    }
}

/// The keyring "user" of a key being rotated in: written before the vault file changes, so a
/// crash between the file's rename and the keyring update leaves the new key findable.
fn pending_id(vault_id_hex: &str) -> String {
    format!("{vault_id_hex}-next")
}

use twofold_otp::unix_now as now;

fn map_format(path: &Path, e: FormatError) -> VaultError {
    match e {
        FormatError::NotAVault => VaultError::NotAVault(path.to_path_buf()),
        FormatError::NewerVersion(v) => VaultError::NewerVersion {
            path: path.to_path_buf(),
            found: v,
            supported: FORMAT_VERSION,
        },
        FormatError::Damaged(reason) => VaultError::Tampered {
            path: path.to_path_buf(),
            backup: backup_path(path),
            reason,
        },
        FormatError::Crypto => VaultError::Tampered {
            path: path.to_path_buf(),
            backup: backup_path(path),
            reason: "the encrypted accounts do not authenticate under the vault key".into(),
        },
        FormatError::Kdf(m) => VaultError::KdfParams(m),
        FormatError::Random(m) => VaultError::Random(m),
    }
}

/// Reads the whole file; a missing file is `NotFound` (or `MissingWithBackup`).
fn read_file(path: &Path) -> Result<Vec<u8>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let bak = backup_path(path);
            return Err(if bak.exists() {
                VaultError::MissingWithBackup {
                    path: path.to_path_buf(),
                    backup: bak,
                }
            } else {
                VaultError::NotFound(path.to_path_buf())
            });
        }
        Err(e) => return Err(VaultError::io("open", path, e)),
    };
    let len = f
        .metadata()
        .map_err(|e| VaultError::io("read", path, e))?
        .len();
    if len > MAX_FILE_LEN {
        return Err(VaultError::Tampered {
            path: path.to_path_buf(),
            backup: backup_path(path),
            reason: format!("{len} bytes is larger than any vault"),
        });
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.read_to_end(&mut buf)
        .map_err(|e| VaultError::io("read", path, e))?;
    Ok(buf)
}

fn decode_payload(path: &Path, plain: &[u8]) -> Result<Vec<Account>> {
    let p: PayloadIn = serde_json::from_slice(plain).map_err(|e| VaultError::Tampered {
        path: path.to_path_buf(),
        backup: backup_path(path),
        // serde_json errors name a position and a type, never the input text.
        reason: format!(
            "the decrypted accounts are not readable: {}",
            e.classify_name()
        ),
    })?;
    Ok(p.accounts)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

/// Appends the payload JSON to `w` (a buffer that zeroizes whatever it leaves behind).
#[doc(hidden)]
pub fn write_payload(w: &mut format::PlainBuf, accounts: &[Account]) {
    serde_json::to_writer(w, &PayloadOut { accounts })
        .expect("serialising accounts to memory cannot fail");
}

/// A payload size guess for a vault with `n` accounts and no earlier file to go by.
fn payload_hint(n: usize) -> usize {
    64 + n * 320
}

/// Holds the exclusive lock on `<vault>.lock` until dropped.
struct LockGuard {
    _file: File,
}

fn lock(path: &Path) -> Result<LockGuard> {
    let dir = parent(path);
    create_dir(&dir)?;
    let lp = lock_path(path);
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(&lp).map_err(|e| VaultError::io("open", &lp, e))?;
    fs4::FileExt::lock(&f).map_err(|e| VaultError::io("lock", &lp, e))?;
    Ok(LockGuard { _file: f })
}

fn create_dir(dir: &Path) -> Result<()> {
    private_fs::create_private_dir_all(dir)
        .map_err(|e| VaultError::io("create the directory", dir, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    private_fs::sync_dir(dir).map_err(|e| VaultError::io("sync the directory", dir, e))
}

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename, fsync of
/// the directory), keeping the previous file as `<path>.bak`. Call with the lock held.
fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path);
    let name = file_name(path);
    remove_stale_temps(&dir, &name);
    let tmp = private_fs::temp_beside(path).map_err(|e| VaultError::io("create", path, e))?;
    let result = (|| {
        let mut f =
            private_fs::create_private_file(&tmp).map_err(|e| VaultError::io("create", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| VaultError::io("write", &tmp, e))?;
        f.sync_all().map_err(|e| VaultError::io("sync", &tmp, e))?;
        drop(f);
        if path.exists() {
            keep_backup(path, &dir, &name)?;
        }
        private_fs::rename_replacing(&tmp, path).map_err(|e| VaultError::io("replace", path, e))?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Makes `<path>.bak` the current generation (a hard link, or a copy where links fail).
fn keep_backup(path: &Path, dir: &Path, name: &str) -> Result<()> {
    let bak = backup_path(path);
    let bak_tmp = dir.join(format!(".{name}.bak-tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&bak_tmp);
    if std::fs::hard_link(path, &bak_tmp).is_err() {
        std::fs::copy(path, &bak_tmp).map_err(|e| VaultError::io("back up", path, e))?;
        File::open(&bak_tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| VaultError::io("sync", &bak_tmp, e))?;
    }
    private_fs::rename_replacing(&bak_tmp, &bak).map_err(|e| VaultError::io("back up", &bak, e))
}

/// Temporary files left by a process killed mid-write (only called with the lock held).
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.bak-tmp-")];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn unlock_key(path: &Path, header: &Header, unlock: &Unlock) -> Result<(VaultKey, SlotKind)> {
    match &unlock.passphrase {
        Some(p) => {
            let slot = header
                .passphrase_slot()
                .ok_or(VaultError::NoPassphraseSlot)?;
            let key = slot
                .unwrap_passphrase(&header.vault_id, trim_newline(p).as_bytes())
                .map_err(|e| map_format(path, e))?
                .ok_or(VaultError::WrongPassphrase)?;
            Ok((key, SlotKind::Passphrase))
        }
        None => {
            let slot = header
                .keyring_slot()
                .ok_or(VaultError::PassphraseRequired)?;
            let id = header.vault_id_hex();
            let main = keyring::load_key(&id);
            if let Ok(key) = &main {
                if slot.keyring_matches(key, &header.vault_id) {
                    return main.map(|k| (k, SlotKind::Keyring));
                }
            }
            // A key rotation that stopped between writing the vault and updating the keyring:
            // the new key waits under the pending name. Promote it (best effort: it keeps
            // working from the pending name until then).
            if let Ok(key) = keyring::load_key(&pending_id(&id)) {
                if slot.keyring_matches(&key, &header.vault_id) {
                    if keyring::store_key(&id, &key).is_ok() {
                        let _ = keyring::delete_key(&pending_id(&id));
                    }
                    return Ok((key, SlotKind::Keyring));
                }
            }
            main?;
            Err(VaultError::KeyMismatch {
                service: KEYRING_SERVICE.into(),
                user: keyring::keyring_user(&id),
            })
        }
    }
}

/// Reads the header of the vault at `path` without unlocking it.
pub fn inspect(path: &Path) -> Result<HeaderInfo> {
    let path = &resolve(path)?;
    let bytes = read_file(path)?;
    let (h, _) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
    Ok(header_info(path, &h, bytes.len() as u64))
}

fn header_info(path: &Path, h: &Header, size: u64) -> HeaderInfo {
    let id = h.vault_id_hex();
    HeaderInfo {
        path: path.to_path_buf(),
        backup_path: backup_path(path),
        lock_path: lock_path(path),
        format_version: h.version,
        vault_id: id.clone(),
        generation: h.generation,
        saved_at: h.saved_at,
        file_size: size,
        slots: h
            .slots
            .iter()
            .map(|s| match s {
                Slot::Keyring { .. } => SlotInfo::Keyring {
                    store: keyring::STORE_NAME,
                    service: KEYRING_SERVICE.into(),
                    user: keyring::keyring_user(&id),
                },
                Slot::Passphrase { params, .. } => SlotInfo::Passphrase {
                    kdf: "argon2id",
                    memory_kib: params.m_kib,
                    iterations: params.t,
                    lanes: params.p,
                },
            })
            .collect(),
    }
}

/// Tries every slot the vault has (the passphrase slot only when a passphrase is given) and
/// reports each; the file is never written.
pub fn unlock_test(path: &Path, unlock: &Unlock) -> Result<Vec<(SlotKind, Option<Result<()>>)>> {
    let path = &resolve(path)?;
    let bytes = read_file(path)?;
    let (h, len) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
    let mut out = Vec::new();
    let check = |u: &Unlock| -> Result<()> {
        let (key, _) = unlock_key(path, &h, u)?;
        format::open(&bytes, len, &h, &key).map_err(|e| map_format(path, e))?;
        Ok(())
    };
    if h.keyring_slot().is_some() {
        out.push((SlotKind::Keyring, Some(check(&Unlock::keyring()))));
    }
    if h.passphrase_slot().is_some() {
        let r = unlock.passphrase.as_ref().map(|_| check(unlock));
        out.push((SlotKind::Passphrase, r));
    }
    Ok(out)
}

/// What [`Vault::add_new`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Added {
    /// The ids of the accounts added, in the order given.
    pub ids: Vec<String>,
    /// The ids of stored accounts that candidates duplicated exactly (not added).
    pub already: Vec<String>,
    /// How many candidates were skipped as exact duplicates (of the vault or of each other).
    pub skipped: usize,
}

/// Appends `new` with fresh ids, normalised tags and `now` as created/updated; returns the ids.
fn push_new(accounts: &mut Vec<Account>, new: Vec<Account>, now: u64) -> Vec<String> {
    let mut ids = Vec::with_capacity(new.len());
    for mut a in new {
        loop {
            let id = new_id();
            if !accounts.iter().any(|x| x.id == id) {
                a.id = id;
                break;
            }
        }
        a.tags = crate::account::normalise_tags(std::mem::take(&mut a.tags));
        a.created = now;
        a.updated = now;
        ids.push(a.id.clone());
        accounts.push(a);
    }
    ids
}

impl Vault {
    /// Opens and unlocks the vault at `path`. Nothing is ever written by opening.
    pub fn open(path: &Path, unlock: &Unlock) -> Result<Vault> {
        let path = &resolve(path)?;
        let bytes = read_file(path)?;
        let (header, len) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
        let (key, unlocked_by) = unlock_key(path, &header, unlock)?;
        let plain = format::open(&bytes, len, &header, &key).map_err(|e| map_format(path, e))?;
        let accounts = decode_payload(path, &plain)?;
        Ok(Vault {
            path: path.to_path_buf(),
            header,
            key,
            accounts,
            unlocked_by,
            file: bytes,
        })
    }

    /// Creates a new, empty vault at `path`; fails if one exists (or only its backup does).
    /// The keyring slot is made when `opts.keyring` and the keyring works; the passphrase slot
    /// when `unlock` carries a passphrase. At least one must succeed.
    pub fn create(path: &Path, unlock: &Unlock, opts: &CreateOptions) -> Result<(Vault, Creation)> {
        let path = &resolve(path)?;
        let _guard = lock(path)?;
        Self::create_locked(path, unlock, opts)
    }

    /// Opens the vault, or creates it (see [`Vault::create`]) when there is none at `path`.
    /// Two processes doing this at once end with one vault.
    pub fn open_or_create(
        path: &Path,
        unlock: &Unlock,
        opts: &CreateOptions,
    ) -> Result<(Vault, Option<Creation>)> {
        let path = &resolve(path)?;
        match Vault::open(path, unlock) {
            Err(VaultError::NotFound(_)) => {}
            other => return other.map(|v| (v, None)),
        }
        let guard = lock(path)?;
        if path.exists() {
            drop(guard);
            return Vault::open(path, unlock).map(|v| (v, None));
        }
        Self::create_locked(path, unlock, opts).map(|(v, c)| (v, Some(c)))
    }

    fn create_locked(
        path: &Path,
        unlock: &Unlock,
        opts: &CreateOptions,
    ) -> Result<(Vault, Creation)> {
        if path.exists() {
            return Err(VaultError::AlreadyExists(path.to_path_buf()));
        }
        let bak = backup_path(path);
        if bak.exists() {
            return Err(VaultError::MissingWithBackup {
                path: path.to_path_buf(),
                backup: bak,
            });
        }
        if let Some(p) = &unlock.passphrase {
            check_new_passphrase(p)?;
        }
        let key = VaultKey::random().map_err(|e| map_format(path, e))?;
        let mut vault_id = [0u8; 16];
        format::fill_random(&mut vault_id).map_err(|e| map_format(path, e))?;
        let id_hex = hex::encode(vault_id);
        let mut slots = Vec::new();
        let mut kinds = Vec::new();
        let mut keyring_error = None;
        if opts.keyring {
            // The slot is only recorded once the key is really there.
            match keyring::store_key_checked(&id_hex, &key) {
                Ok(()) => {
                    slots
                        .push(Slot::new_keyring(&key, &vault_id).map_err(|e| map_format(path, e))?);
                    kinds.push(SlotKind::Keyring);
                }
                Err(e) => keyring_error = Some(e),
            }
        }
        if let Some(p) = &unlock.passphrase {
            let p = trim_newline(p);
            slots.push(
                Slot::new_passphrase(&key, &vault_id, p.as_bytes(), opts.kdf)
                    .map_err(|e| map_format(path, e))?,
            );
            kinds.push(SlotKind::Passphrase);
        }
        if slots.is_empty() {
            return Err(keyring_error.unwrap_or(VaultError::PassphraseRequired));
        }
        let mut header = Header {
            version: FORMAT_VERSION,
            vault_id,
            generation: 1,
            saved_at: now(),
            nonce: [0; format::NONCE_LEN],
            slots,
        };
        let file = format::seal_with(&mut header, &key, payload_hint(0), |w| {
            write_payload(w, &[])
        })
        .map_err(|e| map_format(path, e))?;
        if let Err(e) = atomic_write(path, &file) {
            if kinds.contains(&SlotKind::Keyring) {
                let _ = keyring::delete_key(&id_hex);
            }
            return Err(e);
        }
        let unlocked_by = if unlock.passphrase.is_some() {
            SlotKind::Passphrase
        } else {
            SlotKind::Keyring
        };
        Ok((
            Vault {
                path: path.to_path_buf(),
                header,
                key,
                accounts: Vec::new(),
                unlocked_by,
                file,
            },
            Creation {
                slots: kinds,
                keyring_error,
            },
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn unlocked_by(&self) -> SlotKind {
        self.unlocked_by
    }

    pub fn vault_id(&self) -> String {
        self.header.vault_id_hex()
    }

    pub fn info(&self) -> HeaderInfo {
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        header_info(&self.path, &self.header, size)
    }

    pub fn has_passphrase_slot(&self) -> bool {
        self.header.passphrase_slot().is_some()
    }

    /// The accounts as last read (secrets included: keep them in the Rust process).
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The accounts without secrets, pinned first, then by issuer and label.
    pub fn summaries(&self) -> Vec<AccountSummary> {
        let mut v: Vec<AccountSummary> = self.accounts.iter().map(Account::summary).collect();
        v.sort_by(|a, b| {
            b.pinned
                .cmp(&a.pinned)
                .then_with(|| a.issuer.to_lowercase().cmp(&b.issuer.to_lowercase()))
                .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
        });
        v
    }

    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Accounts matched by issuer, label, `issuer:label`, id or id prefix (best level only).
    pub fn find(&self, query: &str) -> Vec<&Account> {
        find(&self.accounts, query)
    }

    fn refresh(&mut self) -> Result<()> {
        let bytes = read_file(&self.path)?;
        if bytes == self.file {
            // Byte for byte what this handle last read or wrote: nothing to decrypt.
            return Ok(());
        }
        let (header, len) = Header::decode(&bytes).map_err(|e| map_format(&self.path, e))?;
        if header.vault_id != self.header.vault_id {
            return Err(VaultError::Tampered {
                path: self.path.clone(),
                backup: backup_path(&self.path),
                reason: "the file now holds another vault (its vault id changed)".into(),
            });
        }
        let plain = match format::open(&bytes, len, &header, &self.key) {
            Ok(p) => p,
            // Another process rotated the key (every slot is rewritten then): follow it through
            // the keyring when this handle came in that way; a passphrase is not kept, so a
            // handle opened with one has to be opened again.
            Err(FormatError::Crypto) if header.slots != self.header.slots => {
                if self.unlocked_by != SlotKind::Keyring || header.keyring_slot().is_none() {
                    return Err(VaultError::KeyChanged);
                }
                let (key, _) = unlock_key(&self.path, &header, &Unlock::keyring())
                    .map_err(|_| VaultError::KeyChanged)?;
                let plain = format::open(&bytes, len, &header, &key)
                    .map_err(|e| map_format(&self.path, e))?;
                self.key = key;
                plain
            }
            Err(e) => return Err(map_format(&self.path, e)),
        };
        self.accounts = decode_payload(&self.path, &plain)?;
        self.header = header;
        self.file = bytes;
        Ok(())
    }

    /// Writes the accounts held now under `header` as the next generation (lock held).
    fn write(&mut self, mut header: Header) -> Result<()> {
        header.generation = self.header.generation.wrapping_add(1);
        header.saved_at = now();
        let hint = if self.file.is_empty() {
            payload_hint(self.accounts.len())
        } else {
            self.file.len() + 1024
        };
        let accounts = &self.accounts;
        let file = format::seal_with(&mut header, &self.key, hint, |w| write_payload(w, accounts))
            .map_err(|e| map_format(&self.path, e))?;
        atomic_write(&self.path, &file)?;
        self.header = header;
        self.file = file;
        Ok(())
    }

    /// Puts the accounts back as the bytes last read or written hold them, after a change that
    /// failed half-way; if even that fails, the next re-read decrypts the file on disk.
    fn roll_back(&mut self) {
        let restored = Header::decode(&self.file)
            .ok()
            .and_then(|(h, len)| format::open(&self.file, len, &h, &self.key).ok())
            .and_then(|plain| decode_payload(&self.path, &plain).ok());
        match restored {
            Some(accounts) => self.accounts = accounts,
            None => self.file.clear(),
        }
    }

    /// Runs `f` on the current accounts under the exclusive lock, after re-reading the file, and
    /// saves the result as a new generation. If `f` or the write fails nothing is written and
    /// the accounts are as they were.
    pub fn modify<R>(&mut self, f: impl FnOnce(&mut Vec<Account>, u64) -> Result<R>) -> Result<R> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        // `f` changes the accounts in place (no copy of 10,000 accounts per save); a failure
        // rolls them back from the file's bytes.
        let header = self.header.clone();
        let r = f(&mut self.accounts, now()).and_then(|r| self.write(header).map(|()| r));
        if r.is_err() {
            self.roll_back();
        }
        r
    }

    /// Adds an account (its id, created and updated times are assigned); returns the id.
    pub fn add(&mut self, account: Account) -> Result<String> {
        self.add_many(vec![account]).map(|mut v| v.remove(0))
    }

    /// Adds accounts in one write; returns their ids.
    pub fn add_many(&mut self, new: Vec<Account>) -> Result<Vec<String>> {
        for a in &new {
            a.params().validate()?;
        }
        self.modify(|accounts, now| Ok(push_new(accounts, new, now)))
    }

    /// Adds the accounts the vault does not hold yet, in one write: the duplicate check runs
    /// under the lock on the accounts just re-read, so a concurrent writer cannot slip the same
    /// account in between the check and the write. Exact duplicates (same secret, issuer and
    /// label) of a stored account or of an earlier candidate are skipped; conflicts (same
    /// name, another secret) are added, the caller having asked for them.
    pub fn add_new(&mut self, candidates: Vec<Account>) -> Result<Added> {
        for a in &candidates {
            a.params().validate()?;
        }
        self.modify(|accounts, now| {
            let mut added = Added::default();
            let mut keep = Vec::with_capacity(candidates.len());
            for c in candidates {
                if let Some(a) = accounts.iter().find(|a| intake::same_account(a, &c)) {
                    added.already.push(a.id.clone());
                    added.skipped += 1;
                } else if keep.iter().any(|k| intake::same_account(k, &c)) {
                    added.skipped += 1;
                } else {
                    keep.push(c);
                }
            }
            added.ids = push_new(accounts, keep, now);
            Ok(added)
        })
    }

    /// Changes one account.
    pub fn update(&mut self, id: &str, patch: AccountPatch) -> Result<AccountSummary> {
        self.modify(|accounts, now| {
            let a = accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            a.apply(patch, now)?;
            Ok(a.summary())
        })
    }

    /// Removes one account; returns what it was (without its secret).
    pub fn remove(&mut self, id: &str) -> Result<AccountSummary> {
        self.modify(|accounts, _| {
            let i = accounts
                .iter()
                .position(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            Ok(accounts.remove(i).summary())
        })
    }

    /// The code of account `id` at `unix_time`. HOTP: the counter is advanced and the vault
    /// saved *before* the code is returned, so no code is ever shown twice. TOTP/Steam: the
    /// last-used time is recorded on a best-effort basis (a failure to save it is ignored).
    pub fn code(&mut self, id: &str, unix_time: u64) -> Result<Code> {
        let a = self
            .get(id)
            .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
        if a.kind.is_timed() {
            let params = a.params();
            let code = params.code(&a.secret, unix_time)?;
            let left = params.seconds_left(unix_time);
            let _ = self.modify(|accounts, now| {
                if let Some(a) = accounts.iter_mut().find(|a| a.id == id) {
                    a.last_used = Some(now);
                }
                Ok(())
            });
            return Ok(Code {
                code,
                seconds_left: Some(left),
                counter: None,
            });
        }
        self.modify(|accounts, now| {
            let a = accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            let used = a.counter;
            let code = a.params().code(&a.secret, unix_time)?;
            a.counter = used
                .checked_add(1)
                .ok_or(twofold_otp::OtpError::InvalidParameter {
                    name: "counter".into(),
                    reason: "the counter is at its maximum".into(),
                })?;
            a.last_used = Some(now);
            Ok(Code {
                code,
                seconds_left: None,
                counter: Some(used),
            })
        })
    }

    /// Adds (or replaces) the passphrase slot, under a new vault key (see [`Vault::rotate`]).
    pub fn set_passphrase(&mut self, passphrase: &str, kdf: KdfParams) -> Result<()> {
        check_new_passphrase(passphrase)?;
        kdf.check().map_err(VaultError::KdfParams)?;
        let _guard = lock(&self.path)?;
        self.refresh()?;
        self.rotate(Some((trim_newline(passphrase), kdf)))
    }

    /// Removes the passphrase slot, under a new vault key (see [`Vault::rotate`]); refused
    /// unless the keyring slot opens the vault right now.
    pub fn remove_passphrase(&mut self) -> Result<()> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        if self.header.passphrase_slot().is_none() {
            return Ok(());
        }
        let slot = self.header.keyring_slot().ok_or(VaultError::WouldLockOut)?;
        match keyring::load_key(&self.header.vault_id_hex()) {
            Ok(k) if slot.keyring_matches(&k, &self.header.vault_id) => {}
            Ok(_) => return Err(VaultError::WouldLockOut),
            Err(e) => return Err(e),
        }
        self.rotate(None)
    }

    /// Draws a new vault key and writes the vault under it with every slot made anew: the
    /// keyring slot (if the vault has one) and the passphrase slot `passphrase` (none: removed).
    /// Whoever knew the old passphrase and kept an older copy of the file (a sync folder, a
    /// disk image) cannot read anything written from now on; the `.bak` beside the vault is
    /// made the new generation too, so no file here opens with the old passphrase.
    ///
    /// The keyring is updated crash-safely: the new key is stored under a pending name first,
    /// then the vault is replaced, then the key moves to its own name (an open that finds the
    /// keyring slot unmatched tries the pending name, see `unlock_key`). Lock held by the caller.
    fn rotate(&mut self, passphrase: Option<(&str, KdfParams)>) -> Result<()> {
        let new_key = VaultKey::random().map_err(|e| map_format(&self.path, e))?;
        let vault_id = self.header.vault_id;
        let id = self.header.vault_id_hex();
        let with_keyring = self.header.keyring_slot().is_some();
        let mut slots = Vec::new();
        if with_keyring {
            let pending = pending_id(&id);
            if let Err(e) = keyring::store_key_checked(&pending, &new_key) {
                let _ = keyring::delete_key(&pending);
                return Err(e);
            }
            slots.push(
                Slot::new_keyring(&new_key, &vault_id).map_err(|e| map_format(&self.path, e))?,
            );
        }
        if let Some((p, kdf)) = passphrase {
            slots.push(
                Slot::new_passphrase(&new_key, &vault_id, p.as_bytes(), kdf)
                    .map_err(|e| map_format(&self.path, e))?,
            );
        }
        let mut header = self.header.clone();
        header.slots = slots;
        let old_key = std::mem::replace(&mut self.key, new_key);
        if let Err(e) = self.write(header) {
            self.key = old_key;
            if with_keyring {
                let _ = keyring::delete_key(&pending_id(&id));
            }
            return Err(e);
        }
        drop(old_key);
        // If this fails the key stays under the pending name, where an open finds it.
        if with_keyring && keyring::store_key(&id, &self.key).is_ok() {
            let _ = keyring::delete_key(&pending_id(&id));
        }
        // The previous generation (old key, old passphrase slot) must not stay beside the vault.
        let dir = parent(&self.path);
        keep_backup(&self.path, &dir, &file_name(&self.path))?;
        sync_dir(&dir)
    }

    /// Puts the vault key (back) into the OS keyring and makes sure the header has a keyring
    /// slot: the way out of "key missing from the keyring" after opening with the passphrase.
    pub fn restore_keyring(&mut self) -> Result<()> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        let id = self.header.vault_id_hex();
        keyring::store_key_checked(&id, &self.key)?;
        if self.header.keyring_slot().is_some() {
            return Ok(());
        }
        let slot = Slot::new_keyring(&self.key, &self.header.vault_id)
            .map_err(|e| map_format(&self.path, e))?;
        let mut header = self.header.clone();
        header.slots.insert(0, slot);
        self.write(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use twofold_otp::KeyUri;

    fn fast() -> CreateOptions {
        CreateOptions {
            keyring: false,
            kdf: KdfParams {
                m_kib: 8192,
                t: 1,
                p: 1,
            },
        }
    }

    fn pw() -> Unlock {
        Unlock::passphrase(Zeroizing::new("old passphrase\n".into()))
    }

    fn acct(issuer: &str, label: &str, hotp: bool) -> Account {
        let u = if hotp {
            format!(
                "otpauth://hotp/{issuer}:{label}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0"
            )
        } else {
            format!("otpauth://totp/{issuer}:{label}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        };
        Account::from_key_uri(&KeyUri::parse(&u).unwrap(), 0)
    }

    #[test]
    fn create_add_reopen_remove() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/v.twofold");
        let (mut v, c) = Vault::create(&p, &pw(), &fast()).unwrap();
        assert_eq!(c.slots, vec![SlotKind::Passphrase]);
        let id = v.add(acct("GitHub", "me", false)).unwrap();
        let v2 = Vault::open(&p, &pw()).unwrap();
        assert_eq!(v2.accounts().len(), 1);
        assert_eq!(v2.get(&id).unwrap().issuer, "GitHub");
        assert!(backup_path(&p).exists());
        v.remove(&id).unwrap();
        assert!(Vault::open(&p, &pw()).unwrap().accounts().is_empty());
        assert!(matches!(
            Vault::create(&p, &pw(), &fast()),
            Err(VaultError::AlreadyExists(_))
        ));
    }

    #[test]
    fn two_handles_do_not_lose_updates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut a, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        let mut b = Vault::open(&p, &pw()).unwrap();
        a.add(acct("A", "1", false)).unwrap();
        b.add(acct("B", "2", false)).unwrap();
        a.add(acct("C", "3", false)).unwrap();
        assert_eq!(Vault::open(&p, &pw()).unwrap().accounts().len(), 3);
    }

    #[test]
    fn hotp_counter_saved_before_code() {
        // RFC 4226 test vectors for the secret "12345678901234567890".
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        let id = v.add(acct("H", "x", true)).unwrap();
        assert_eq!(&*v.code(&id, 0).unwrap().code, "755224");
        assert_eq!(Vault::open(&p, &pw()).unwrap().get(&id).unwrap().counter, 1);
        let mut other = Vault::open(&p, &pw()).unwrap();
        assert_eq!(&*other.code(&id, 0).unwrap().code, "287082");
        assert_eq!(&*v.code(&id, 0).unwrap().code, "359152");
    }

    #[test]
    fn wrong_passphrase_and_missing_slots() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        Vault::create(&p, &pw(), &fast()).unwrap();
        let wrong = Unlock::passphrase(Zeroizing::new("nope".into()));
        assert!(matches!(
            Vault::open(&p, &wrong),
            Err(VaultError::WrongPassphrase)
        ));
        assert!(matches!(
            Vault::open(&p, &Unlock::keyring()),
            Err(VaultError::PassphraseRequired)
        ));
        let missing = d.path().join("none");
        assert!(matches!(
            Vault::open(&missing, &pw()),
            Err(VaultError::NotFound(_))
        ));
    }

    #[test]
    fn failed_open_never_writes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        v.add(acct("A", "1", false)).unwrap();
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[n - 5] ^= 0x40;
        std::fs::write(&p, &bytes).unwrap();
        assert!(matches!(
            Vault::open(&p, &pw()),
            Err(VaultError::Tampered { .. })
        ));
        // A handle opened before the damage refuses to write over it.
        assert!(matches!(
            v.add(acct("B", "2", false)),
            Err(VaultError::Tampered { .. })
        ));
        assert_eq!(std::fs::read(&p).unwrap(), bytes);
    }

    #[test]
    fn a_failed_change_leaves_accounts_and_file_as_they_were() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        v.add(acct("A", "1", false)).unwrap();
        let before = std::fs::read(&p).unwrap();
        let r: Result<()> = v.modify(|accounts, _| {
            accounts[0].issuer = "changed".into();
            accounts.clear();
            Err(VaultError::AccountNotFound("x".into()))
        });
        assert!(matches!(r, Err(VaultError::AccountNotFound(_))));
        assert_eq!(v.accounts().len(), 1);
        assert_eq!(v.accounts()[0].issuer, "A");
        assert_eq!(std::fs::read(&p).unwrap(), before);
        // The handle still saves, and a change made by another handle is still seen.
        Vault::open(&p, &pw())
            .unwrap()
            .add(acct("B", "2", false))
            .unwrap();
        v.add(acct("C", "3", false)).unwrap();
        assert_eq!(v.accounts().len(), 3);
        assert_eq!(Vault::open(&p, &pw()).unwrap().accounts().len(), 3);
    }

    #[test]
    fn passphrase_slot_changes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        v.set_passphrase("new passphrase", fast().kdf).unwrap();
        assert!(Vault::open(&p, &pw()).is_err());
        let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
        assert!(Vault::open(&p, &new).is_ok());
        // No keyring slot: removing the passphrase would lock the user out.
        assert!(matches!(
            v.remove_passphrase(),
            Err(VaultError::WouldLockOut)
        ));
    }

    /// The vault key of the file `bytes`, unwrapped with `passphrase`.
    fn key_of(bytes: &[u8], passphrase: &str) -> Option<VaultKey> {
        let (h, _) = Header::decode(bytes).unwrap();
        h.passphrase_slot()?
            .unwrap_passphrase(&h.vault_id, passphrase.as_bytes())
            .unwrap()
    }

    /// Fails before the key rotation: the same key was rewrapped, so the old passphrase and any
    /// earlier copy of the file read every later version, and `.bak` kept the old slot.
    #[test]
    fn a_passphrase_change_rotates_the_key_and_leaves_no_file_for_the_old_one() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        v.add(acct("Before", "me", false)).unwrap();
        let old_copy = std::fs::read(&p).unwrap();
        let old_key = key_of(&old_copy, "old passphrase").unwrap();

        v.set_passphrase("new passphrase", fast().kdf).unwrap();
        v.add(acct("After", "me", false)).unwrap();
        let now = std::fs::read(&p).unwrap();
        let (h, len) = Header::decode(&now).unwrap();
        // The key from the old copy does not decrypt what was written after the change.
        assert!(format::open(&now, len, &h, &old_key).is_err());
        assert_ne!(key_of(&now, "new passphrase").unwrap().0[..], old_key.0[..]);
        // Nothing beside the vault opens with the old passphrase.
        for e in std::fs::read_dir(d.path()).unwrap().flatten() {
            let bytes = std::fs::read(e.path()).unwrap();
            if Header::decode(&bytes).is_ok() {
                assert!(
                    key_of(&bytes, "old passphrase").is_none(),
                    "{} opens with the old passphrase",
                    e.path().display()
                );
            }
        }
        assert!(Vault::open(&backup_path(&p), &pw()).is_err());
        // The handle that changed it, and a fresh open with the new passphrase, see everything.
        let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
        assert_eq!(Vault::open(&p, &new).unwrap().accounts().len(), 2);
        assert_eq!(v.accounts().len(), 2);
    }

    /// A handle opened before another one changed the passphrase cannot decrypt the new file:
    /// it says so (fails before: it reported the vault as tampered with).
    #[test]
    fn a_handle_opened_with_the_old_passphrase_is_told_the_key_changed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut a, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        let mut b = Vault::open(&p, &pw()).unwrap();
        a.set_passphrase("new passphrase", fast().kdf).unwrap();
        assert!(matches!(
            b.add(acct("X", "y", false)),
            Err(VaultError::KeyChanged)
        ));
        let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
        assert!(Vault::open(&p, &new).unwrap().accounts().is_empty());
    }

    /// One rule for a new passphrase (the CLI accepted one character before).
    #[test]
    fn a_short_new_passphrase_is_refused_and_nothing_changes() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let short = Unlock::passphrase(Zeroizing::new("pw".into()));
        assert!(matches!(
            Vault::create(&p, &short, &fast()),
            Err(VaultError::PassphraseTooShort { chars: 2, min: 8 })
        ));
        assert!(!p.exists());
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        let before = std::fs::read(&p).unwrap();
        assert!(v.set_passphrase("short", fast().kdf).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    /// Fails before: the rename replaced the link with a regular file, and the link's target
    /// silently stopped being updated.
    #[cfg(unix)]
    #[test]
    fn a_symlinked_vault_path_keeps_updating_the_real_file() {
        let d = tempfile::tempdir().unwrap();
        let real_dir = d.path().join("sync");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("vault.twofold");
        Vault::create(&real, &pw(), &fast()).unwrap();
        let link = d.path().join("link.twofold");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut v = Vault::open(&link, &pw()).unwrap();
        v.add(acct("Linked", "me", false)).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(Vault::open(&real, &pw()).unwrap().accounts().len(), 1);
        // The lock and the backup sit beside the real file.
        assert!(lock_path(&real).exists() && backup_path(&real).exists());
        assert!(!lock_path(&link).exists());
        // A link to nothing is named as such.
        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(d.path().join("gone"), &dangling).unwrap();
        assert!(matches!(
            Vault::open(&dangling, &pw()),
            Err(VaultError::DanglingLink(_))
        ));
    }

    #[test]
    fn no_plaintext_in_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v");
        let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
        v.add(acct("SecretIssuer", "secret-label", false)).unwrap();
        v.add(acct("SecretIssuer2", "secret-label2", false))
            .unwrap();
        for e in std::fs::read_dir(d.path()).unwrap() {
            let b = std::fs::read(e.unwrap().path()).unwrap();
            for needle in [
                &b"GEZDGNBVGY3TQOJQ"[..],
                b"12345678901234567890",
                b"secret-label",
                b"SecretIssuer",
            ] {
                assert!(!b.windows(needle.len()).any(|w| w == needle));
            }
        }
    }
}
