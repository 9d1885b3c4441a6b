//! `twofold import FILE… [--format F] [--password-file P] [--dry-run] [--allow-conflicts]`:
//! reads exports of other authenticators (and Twofold backups), shows what would change, and
//! adds the new accounts in one write. All or nothing: a wrong password or a damaged file
//! imports nothing (exit 2).

use std::path::PathBuf;

use clap::Args;
use twofold_transfer::{batch, Format};
use twofold_vault::Account;

use crate::cmd_vault::GlobalArgs;
use crate::error::CliError;
use crate::{CliResult, Out};

/// Largest file `twofold import` reads.

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files: Aegis, 2FAS, andOTP, FreeOTP+, Bitwarden (JSON/CSV), Ente Auth, Proton,
    /// Stratum, Google Authenticator (otpauth-migration:// text or QR images), otpauth:// lists,
    /// Twofold backups
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The format, when detection from the content is not wanted (see --help for the names)
    #[arg(long, value_name = "F", help = format!("The format instead of detecting it: {}", Format::ids()))]
    pub format: Option<String>,
    /// Password of encrypted exports, read from this file (one trailing newline is ignored)
    #[arg(long, value_name = "P")]
    pub password_file: Option<PathBuf>,
    /// Show what would be imported and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Also add accounts whose issuer and label exist in the vault with another secret
    #[arg(long)]
    pub allow_conflicts: bool,
}

/// One line describing an account (never its secret).
pub(crate) fn describe(a: &Account) -> String {
    let mut s = format!("{} [{}", a.display_name(), a.kind.as_str());
    match a.kind {
        twofold_otp::Kind::Hotp => s.push_str(&format!(
            ", {}, {} digits, counter {}",
            a.algorithm, a.digits, a.counter
        )),
        twofold_otp::Kind::Steam => {}
        twofold_otp::Kind::Totp => s.push_str(&format!(
            ", {}, {} digits, {} s",
            a.algorithm, a.digits, a.period
        )),
    }
    s.push(']');
    if !a.tags.is_empty() {
        s.push_str(&format!(" tags: {}", a.tags.join(", ")));
    }
    if a.pinned {
        s.push_str(" pinned");
    }
    if !a.note.is_empty() {
        s.push_str(" (note)");
    }
    s
}

pub fn run(args: ImportArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let forced = match &args.format {
        Some(f) => Some(Format::from_id(f).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown format '{f}': use one of {}",
                Format::ids()
            ))
        })?),
        None => None,
    };
    let password = match &args.password_file {
        Some(p) => Some(crate::secret_input::read_password_file(p)?),
        None => None,
    };
    let pw = password.as_ref().map(|p| p.as_str());

    // Read and parse everything before touching the vault.
    let inputs = args
        .files
        .iter()
        .map(|path| batch::Input::from_file(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Transfer)?;
    let mut read = batch::read(&inputs, forced, pw)
        .map_err(|e| CliError::Usage(format!("{}: {}", e.file, CliError::Transfer(e.error))))?;
    for f in &read.files {
        if f.format == Format::GoogleMigration {
            writeln!(
                out,
                "{}: {}, {} account(s)",
                f.name,
                f.format.name(),
                f.accounts
            )?;
        } else {
            let how = if f.encrypted { "encrypted" } else { "plain" };
            writeln!(
                out,
                "{}: {} ({how}), {} account(s)",
                f.name,
                f.format.name(),
                f.accounts
            )?;
        }
    }
    let skipped = std::mem::take(&mut read.skipped);

    let existing: Vec<Account> = if args.dry_run {
        match g.open() {
            Ok(v) => v.accounts().to_vec(),
            Err(CliError::Vault(twofold_vault::VaultError::NotFound(_))) => Vec::new(),
            Err(e) => return Err(e),
        }
    } else {
        Vec::new()
    };
    let mut vault = if args.dry_run {
        None
    } else {
        Some(g.open_or_create()?)
    };
    let existing = match &vault {
        Some(v) => v.accounts().to_vec(),
        None => existing,
    };
    let plan = read.plan(&existing);
    for a in &plan.add {
        writeln!(out, "  + {}", describe(a))?;
    }
    for a in &plan.duplicates {
        writeln!(
            out,
            "  = {} (already in the vault: skipped)",
            a.display_name()
        )?;
    }
    for a in &plan.conflicts {
        if args.allow_conflicts {
            writeln!(
                out,
                "  ! {} (the vault has this issuer and label with another secret: added anyway)",
                a.display_name()
            )?;
        } else {
            writeln!(out, "  ! {} (the vault has this issuer and label with another secret: skipped; --allow-conflicts adds it)", a.display_name())?;
        }
    }
    for s in &skipped {
        writeln!(out, "  - {s}")?;
    }
    let mut to_add = plan.add;
    if args.allow_conflicts {
        to_add.extend(plan.conflicts.iter().cloned());
    }
    let n = to_add.len();
    let conflicts_note = if plan.conflicts.is_empty() {
        String::new()
    } else if args.allow_conflicts {
        format!(", {} conflict(s) added", plan.conflicts.len())
    } else {
        format!(", {} conflict(s) skipped", plan.conflicts.len())
    };
    match vault.as_mut() {
        None => writeln!(out, "dry run: {n} account(s) would be added, {} duplicate(s) skipped{conflicts_note}; nothing was changed", plan.duplicates.len())?,
        Some(v) => {
            // Checked again under the lock: another writer may have added some since the plan.
            let added = if n > 0 { v.add_new(to_add)? } else { Default::default() };
            writeln!(out, "imported {} account(s), {} duplicate(s) skipped{conflicts_note}", added.ids.len(), plan.duplicates.len() + added.skipped)?;
        }
    }
    Ok(0)
}
