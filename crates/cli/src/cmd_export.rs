//! `twofold export --format F [--out PATH] [--password-file P]`: Twofold's encrypted backup,
//! a plain otpauth:// list, Aegis JSON (encrypted with a password), Google Authenticator QR
//! codes or one QR code per account. `--auto-dir DIR --keep N` writes a dated encrypted backup
//! into DIR and keeps the newest N.

use std::path::PathBuf;

use clap::Args;
use twofold_transfer::{self as transfer, ExportFormat};

use crate::cmd_vault::{kdf_params, GlobalArgs};
use crate::error::CliError;
use crate::secret_input::read_password_file;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// twofold (encrypted backup), otpauth (plain list), aegis (encrypted with --password-file,
    /// plain without), google-qr (migration QR PNGs), qr (one QR PNG per account)
    #[arg(long, value_name = "F")]
    pub format: String,
    /// Output file, or an existing folder to write it in under a dated name (twofold-backup-YYYYMMDD.twofoldbackup, …); a folder for google-qr and qr. otpauth and plain aegis go to stdout without it
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Password of the encrypted export, read from this file (one trailing newline is ignored)
    #[arg(long, value_name = "P")]
    pub password_file: Option<PathBuf>,
    /// Use the automatic backups' password kept in the OS keyring (set in the app's Settings or
    /// with 'twofold vault keyring backup-password'), as the app's automatic backups do
    #[arg(long, conflicts_with = "password_file")]
    pub keyring_password: bool,
    /// Write a dated Twofold backup into this folder, keeping the newest --keep
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub auto_dir: Option<PathBuf>,
    /// How many automatic backups to keep
    #[arg(long, value_name = "N", default_value_t = 10, requires = "auto_dir")]
    pub keep: usize,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
    /// Only these tags' accounts
    #[arg(long, value_name = "T")]
    pub tag: Vec<String>,
}

pub fn run(args: ExportArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let format = ExportFormat::from_id(&args.format).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown export format '{}': use one of {}",
            args.format,
            ExportFormat::ids()
        ))
    })?;
    let mut password = match &args.password_file {
        Some(p) => Some(read_password_file(p)?),
        None => None,
    };
    let mut opened = None;
    if args.keyring_password {
        let vault = g.open()?;
        password = Some(
            twofold_vault::keyring::load_backup_password(&vault.vault_id())?.ok_or_else(|| {
                CliError::Usage(
                    "no automatic backup password in the OS keyring for this vault: set one in the app's Settings or with 'twofold vault keyring backup-password --password-file FILE'"
                        .into(),
                )
            })?,
        );
        opened = Some(vault);
    }
    if format == ExportFormat::Twofold && password.is_none() {
        return Err(CliError::Usage(
            "a Twofold backup is always encrypted: give its password with --password-file FILE (or --keyring-password)"
                .into(),
        ));
    }
    if args.auto_dir.is_some() && format != ExportFormat::Twofold {
        return Err(CliError::Usage(
            "--auto-dir writes Twofold backups: use --format twofold".into(),
        ));
    }
    if format.is_multi_file() && args.out.is_none() {
        return Err(CliError::Usage(format!(
            "--format {} writes PNG files: give a directory with --out DIR",
            format.id()
        )));
    }
    if format == ExportFormat::Twofold && args.out.is_none() && args.auto_dir.is_none() {
        return Err(CliError::Usage(
            "give --out FILE (or --auto-dir DIR) for the backup".into(),
        ));
    }
    let vault = match opened {
        Some(v) => v,
        None => g.open()?,
    };
    let accounts: Vec<_> = vault
        .accounts()
        .iter()
        .filter(|a| args.tag.is_empty() || args.tag.iter().any(|t| a.has_tag(t)))
        .cloned()
        .collect();
    let pw = password.as_ref().map(|p| p.as_str());
    if let Some(dir) = &args.auto_dir {
        let path = transfer::auto::write_backup(
            dir,
            &accounts,
            pw.unwrap_or(""),
            kdf_params()?,
            args.keep,
        )
        .map_err(CliError::Transfer)?;
        writeln!(out, "{}", path.display())?;
        eprintln!(
            "twofold: wrote an encrypted backup of {} account(s); keeping the newest {}",
            accounts.len(),
            args.keep.max(1)
        );
        return Ok(0);
    }
    if format.is_plaintext(pw.is_some()) {
        eprintln!(
            "twofold: WARNING: this export holds your {} secret(s) IN CLEAR: anyone who reads it can make your codes. Keep it offline and delete it after use.",
            accounts.len()
        );
    }
    let exported = transfer::exporter(format, kdf_params()?)
        .export(&accounts, pw)
        .map_err(CliError::Transfer)?;
    for s in &exported.skipped {
        eprintln!("twofold: left out {s}");
    }
    match &args.out {
        None => {
            for f in &exported.files {
                out.write_all(&f.bytes)?;
            }
        }
        Some(dest) => {
            // An existing folder gets the file under the name the app suggests too.
            let named;
            let dest = if !format.is_multi_file() && dest.is_dir() {
                named = dest.join(format.default_name(twofold_otp::unix_now()));
                &named
            } else {
                dest
            };
            let written = exported
                .save(dest, format, args.force)
                .map_err(|e| match &e {
                    transfer::TransferError::Io { source, path, .. }
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        CliError::Usage(format!(
                            "{} exists: choose another --out or add --force",
                            path.display()
                        ))
                    }
                    _ => CliError::Usage(e.to_string()),
                })?;
            if format.is_multi_file() {
                for p in &written {
                    writeln!(out, "{}", p.display())?;
                }
            } else {
                writeln!(out, "{}", dest.display())?;
            }
        }
    }
    eprintln!(
        "twofold: exported {} account(s) as {}",
        accounts.len() - exported.skipped.len(),
        format.id()
    );
    Ok(0)
}
