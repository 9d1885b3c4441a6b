//! Automatic backups: an encrypted Twofold backup written to a folder the user picked, keeping
//! the newest N. The desktop app calls [`write_backup`] after changes; the CLI exposes it as
//! `twofold export --format twofold --auto-dir DIR --keep N`.

use std::path::{Path, PathBuf};

use super::twofold::{seal, EXTENSION};
use super::TransferError;
use twofold_vault::account::Account;
use twofold_vault::KdfParams;

/// File names are `twofold-backup-YYYYMMDD-HHMMSS[-N].twofoldbackup` (UTC), so that name order
/// is time order.
pub const PREFIX: &str = "twofold-backup-";

pub(crate) use twofold_otp::unix_now as now;

/// `YYYYMMDD-HHMMSS` of a Unix time (UTC).
pub fn timestamp(t: u64) -> String {
    const STAMP: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(t).unwrap_or(i64::MAX))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(STAMP)
        .unwrap_or_default()
}

/// The backups in `dir`, oldest first.
pub fn list_backups(dir: &Path) -> Result<Vec<PathBuf>, TransferError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| TransferError::io("read the backup folder", dir, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(&format!(".{EXTENSION}")))
        })
        .collect();
    v.sort_by_key(|p| sort_key(p));
    Ok(v)
}

/// (timestamp, sequence) of a backup name: `-N` suffixes of backups made in the same second
/// sort after the first one.
fn sort_key(p: &Path) -> (String, u64) {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let core = n
        .trim_start_matches(PREFIX)
        .trim_end_matches(EXTENSION)
        .trim_end_matches('.');
    let stamp: String = core.chars().take(15).collect();
    let seq = core.get(16..).and_then(|s| s.parse().ok()).unwrap_or(1);
    (stamp, seq)
}

/// Writes an encrypted backup of `accounts` into `dir` (created if needed) and deletes the
/// oldest backups beyond `keep` (at least 1 is always kept). Returns the new file's path. The
/// file is written to a temporary name, synced, then renamed, so a crash never leaves a
/// half-written backup under a backup name.
pub fn write_backup(
    dir: &Path,
    accounts: &[Account],
    password: &str,
    kdf: KdfParams,
    keep: usize,
) -> Result<PathBuf, TransferError> {
    twofold_vault::create_private_dir_all(dir)
        .map_err(|e| TransferError::io("create the backup folder", dir, e))?;
    let t = now();
    let bytes = seal(accounts, password, kdf, t)?;
    let stamp = timestamp(t);
    // After the newest backup of the same second, even if older ones were pruned.
    let mut n = list_backups(dir)?
        .iter()
        .map(|p| sort_key(p))
        .filter(|(s, _)| *s == stamp)
        .map(|(_, seq)| seq + 1)
        .max()
        .unwrap_or(1);
    let name = |n: u64| {
        if n == 1 {
            format!("{PREFIX}{stamp}.{EXTENSION}")
        } else {
            format!("{PREFIX}{stamp}-{n}.{EXTENSION}")
        }
    };
    let mut path = dir.join(name(n));
    while path.exists() {
        n += 1;
        path = dir.join(name(n));
    }
    // 0600 from the start, written to a temporary name and moved into place: a crash never
    // leaves a half-written backup under a backup name.
    twofold_vault::write_private_file(&path, &bytes, false)
        .map_err(|e| TransferError::io("write", &path, e))?;
    let all = list_backups(dir)?;
    let keep = keep.max(1);
    if all.len() > keep {
        for old in &all[..all.len() - keep] {
            std::fs::remove_file(old)
                .map_err(|e| TransferError::io("remove the old backup", old, e))?;
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_utc_and_sort_as_text() {
        assert_eq!(super::timestamp(1_700_000_000), "20231114-221320");
        assert_eq!(super::timestamp(0), "19700101-000000");
        assert!(super::timestamp(1_700_000_000) < super::timestamp(1_700_000_001));
    }
}
