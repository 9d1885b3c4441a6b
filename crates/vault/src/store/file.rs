//! The vault's files: paths beside it, the lock, atomic writes, automatic backups.

use super::*;

/// `vault.twofold` → `vault.twofold.bak`
pub fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

/// `vault.twofold` → `vault.twofold.lock`
pub fn lock_path(path: &Path) -> PathBuf {
    sibling(path, ".lock")
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vault".into())
}

/// The file a vault path names: a symbolic link is resolved once, so the lock, the temporary
/// file and the backup sit beside the real file and the rename replaces it, not the link (which
/// would otherwise become a regular file while the link's target silently stopped changing).
pub(super) fn resolve(path: &Path) -> Result<PathBuf> {
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
pub(super) fn pending_id(vault_id_hex: &str) -> String {
    format!("{vault_id_hex}-next")
}

pub(super) fn map_format(path: &Path, e: FormatError) -> VaultError {
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
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>> {
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

/// Holds the exclusive lock on `<vault>.lock` until dropped.
pub(super) struct LockGuard {
    _file: File,
}

pub(super) fn lock(path: &Path) -> Result<LockGuard> {
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

pub(super) fn create_dir(dir: &Path) -> Result<()> {
    private_fs::create_private_dir_all(dir)
        .map_err(|e| VaultError::io("create the directory", dir, e))
}

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    private_fs::sync_dir(dir).map_err(|e| VaultError::io("sync the directory", dir, e))
}

/// Writes `bytes` to `path` atomically (temp file in the same directory, fsync, rename, fsync of
/// the directory), keeping the previous file as `<path>.bak`. Call with the lock held.
pub(super) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
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
pub(super) fn keep_backup(path: &Path, dir: &Path, name: &str) -> Result<()> {
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
pub(super) fn remove_stale_temps(dir: &Path, name: &str) {
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
