//! Files that hold secrets: folders Twofold creates are 0700 and files 0600 on Unix, with the
//! mode given at creation (never a `chmod` afterwards, so there is no moment a file is readable
//! by others, whatever the umask), and no write ever follows a symbolic link.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Creates `dir` and its missing parents, each 0700 on Unix (existing folders are left as they
/// are: the user chose their modes).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Creates a new file only its owner can read and write (0600 on Unix); fails if `path` exists,
/// a symbolic link included (`O_CREAT | O_EXCL` never follows one).
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// A temporary name beside `path`: `.<name>.tmp-<pid>-<random>`.
pub(crate) fn temp_beside(path: &Path) -> io::Result<PathBuf> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        hex::encode(rnd)
    )))
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Syncs a folder, so a rename in it survives a crash (a no-op where folders cannot be opened).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Renames `from` over `to`, replacing it atomically. On Windows a file that another process
/// has open (a reader of the vault, an indexer, a virus scanner) cannot be replaced until it is
/// closed, which `MoveFileEx` reports as "access denied": retried for up to 2 s, as Git and npm
/// do, before the error is given.
pub(crate) fn rename_replacing(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(windows)]
    {
        let mut wait = std::time::Duration::from_millis(5);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match std::fs::rename(from, to) {
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(std::time::Duration::from_millis(100));
                }
                other => return other,
            }
        }
    }
    #[cfg(not(windows))]
    std::fs::rename(from, to)
}

/// Writes `bytes` as the file `path`, readable by its owner only: into a new temporary file in
/// the same folder (0600), synced, then moved into place, so a crash never leaves half a file
/// and a symbolic link at `path` is replaced, never written through. Without `overwrite` an
/// existing `path` (file or link) is an [`io::ErrorKind::AlreadyExists`] error and is left
/// untouched.
pub fn write_private_file(path: &Path, bytes: &[u8], overwrite: bool) -> io::Result<()> {
    if !overwrite && std::fs::symlink_metadata(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file exists",
        ));
    }
    let tmp = temp_beside(path)?;
    let result = (|| {
        let mut f = create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if overwrite {
            rename_replacing(&tmp, path)?;
        } else {
            // A hard link never replaces what appeared at `path` in the meantime.
            match std::fs::hard_link(&tmp, path) {
                Ok(()) => std::fs::remove_file(&tmp)?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                // File systems without hard links (FAT, some network and FUSE mounts).
                Err(_) => std::fs::rename(&tmp, path)?,
            }
        }
        sync_dir(&parent(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads the whole of `path` (a regular file, a pipe or a device alike) into a zeroizing buffer,
/// but never more than `limit` bytes: a larger file, `/dev/zero` or a pipe that never ends is an
/// [`io::ErrorKind::FileTooLarge`] error after at most `limit + 1` bytes were read.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<zeroize::Zeroizing<Vec<u8>>> {
    let f = File::open(path)?;
    let meta = f.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(limit));
    }
    let hint = if meta.is_file() { meta.len() } else { 8192 };
    read_to_limit(f, limit, hint)
}

/// Reads `r` to its end into a zeroizing buffer, never more than `limit` bytes: past that an
/// [`io::ErrorKind::FileTooLarge`] error (standard input, a pipe, a device). `hint`: the size
/// expected.
pub fn read_to_limit(
    r: impl io::Read,
    limit: u64,
    hint: u64,
) -> io::Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(hint.min(limit) as usize + 1));
    io::Read::read_to_end(&mut r.take(limit + 1), &mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(buf)
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("more than {limit} bytes, or it never ends (a device or a pipe)"),
    )
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// Sets the process umask for the duration of a test (tests in this module only).
    fn with_umask<R>(mask: libc::mode_t, f: impl FnOnce() -> R) -> R {
        let old = unsafe { libc::umask(mask) };
        let r = f();
        unsafe { libc::umask(old) };
        r
    }

    #[test]
    fn files_are_0600_and_folders_0700_whatever_the_umask() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        let f = sub.join("export.txt");
        with_umask(0o000, || {
            create_private_dir_all(&sub).unwrap();
            write_private_file(&f, b"secret", false).unwrap();
        });
        assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o777, 0o600);
        for dir in [d.path().join("a"), sub.clone()] {
            assert_eq!(
                std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
    }

    #[test]
    fn reads_are_bounded_for_devices_and_files() {
        let e = read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, [7u8; 100]).unwrap();
        assert_eq!(read_bounded(&f, 100).unwrap().len(), 100);
        assert!(read_bounded(&f, 99).is_err());
    }

    #[test]
    fn a_symlink_is_replaced_never_written_through() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let link = d.path().join("out.txt");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        // Without overwrite: refused, nothing touched.
        let e = write_private_file(&link, b"secret", false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        // With overwrite: the link itself is replaced by a regular file.
        write_private_file(&link, b"secret", true).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&link).unwrap(), b"secret");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 2);
    }
}
