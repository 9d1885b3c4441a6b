//! Writing an export to disk, for the CLI and the desktop app alike: private files (0600 on
//! Unix) in private folders (0700), synced, never through a symbolic link, and never over an
//! existing file unless asked to.

use std::path::{Path, PathBuf};

use super::{ExportFormat, Exported, TransferError};

impl Exported {
    /// Writes the files: a multi-file export (QR images) into the directory `dest`, created if
    /// needed; any other to the file `dest`. Returns the paths written.
    pub fn save(
        &self,
        dest: &Path,
        format: ExportFormat,
        overwrite: bool,
    ) -> Result<Vec<PathBuf>, TransferError> {
        if format.is_multi_file() {
            twofold_vault::create_private_dir_all(dest)
                .map_err(|e| TransferError::io("create the folder", dest, e))?;
            let mut written = Vec::new();
            for f in &self.files {
                let p = dest.join(&f.name);
                write_private(&p, &f.bytes, overwrite)?;
                written.push(p);
            }
            return Ok(written);
        }
        let mut bytes = Vec::new();
        for f in &self.files {
            bytes.extend_from_slice(&f.bytes);
        }
        let bytes = zeroize::Zeroizing::new(bytes);
        write_private(dest, &bytes, overwrite)?;
        Ok(vec![dest.to_path_buf()])
    }
}

/// Writes `bytes` to a new file only its owner can read (0600, through a temporary file renamed
/// into place: a symbolic link at `path` is replaced, never written through). An existing file
/// is an error ([`std::io::ErrorKind::AlreadyExists`]) unless `overwrite`.
pub fn write_private(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), TransferError> {
    twofold_vault::write_private_file(path, bytes, overwrite)
        .map_err(|e| TransferError::io("write", path, e))
}
