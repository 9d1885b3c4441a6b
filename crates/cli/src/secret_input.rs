//! Secrets read from files or standard input instead of the command line, where every local
//! user can read them in `/proc/PID/cmdline` and the shell keeps them in its history.

use std::path::Path;

use zeroize::Zeroizing;

use crate::error::CliError;

/// Largest secret file read: a passphrase, a password, a base32 secret or a URI is far smaller,
/// and /dev/zero must not take all of memory.
const MAX_SECRET_FILE: u64 = 64 << 10;

/// The text of `path` (`-`: standard input), UTF-8, bounded; `what` names it in errors. Kept
/// as it is (a passphrase's one trailing newline is dropped by the vault).
pub fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    let bytes = if path.as_os_str() == "-" {
        // Bounded like a file, on every system (Windows has no /dev/stdin).
        twofold_vault::read_to_limit(std::io::stdin().lock(), MAX_SECRET_FILE, 1024)
    } else {
        twofold_vault::read_bounded(path, MAX_SECRET_FILE)
    }
    .map_err(|e| {
        CliError::Usage(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?;
    let s = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::Usage(format!(
            "the {what} file {} is not UTF-8 text",
            path.display()
        ))
    })?;
    Ok(Zeroizing::new(s.to_string()))
}

/// A one-line value (a base32 secret, an otpauth:// URI) from `path` or standard input,
/// surrounding white space (the trailing newline) removed.
pub fn read_value_file(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    let s = read_secret_file(path, what)?;
    let t = s.trim();
    if t.is_empty() {
        return Err(CliError::Usage(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    Ok(Zeroizing::new(t.to_string()))
}

/// `--X` or `--X-file`: the value given on the command line, or read from its file.
pub fn value_or_file(
    value: Option<&str>,
    file: Option<&Path>,
    what: &str,
) -> Result<Option<Zeroizing<String>>, CliError> {
    match (value, file) {
        (Some(v), _) => Ok(Some(Zeroizing::new(v.to_string()))),
        (None, Some(f)) => read_value_file(f, what).map(Some),
        (None, None) => Ok(None),
    }
}

/// The password of an export, from its file (`-`: standard input), one trailing newline dropped.
pub fn read_password_file(p: &Path) -> Result<Zeroizing<String>, CliError> {
    let s = read_secret_file(p, "password")?;
    let t = s.strip_suffix('\n').unwrap_or(&s);
    let t = t.strip_suffix('\r').unwrap_or(t);
    Ok(Zeroizing::new(t.to_string()))
}
