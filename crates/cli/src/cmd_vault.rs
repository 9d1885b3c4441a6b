//! `twofold vault …` and what every vault command shares: which vault, how to unlock it.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use twofold_vault::{
    CreateOptions, Creation, KdfParams, SlotInfo, SlotKind, Unlock, Vault, VaultError,
};
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::{CliResult, Out};

/// Flags every command accepts (they matter to those that use the vault).
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// The vault file [default: the platform data directory, e.g. ~/.local/share/twofold/vault.twofold]
    #[arg(long, global = true, env = "TWOFOLD_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// Unlock the vault's passphrase slot with the passphrase in this file (one trailing newline
    /// is ignored); TWOFOLD_PASSPHRASE does the same from the environment
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl GlobalArgs {
    pub fn path(&self) -> Result<PathBuf, CliError> {
        match &self.vault {
            Some(p) if !p.as_os_str().is_empty() => Ok(p.clone()),
            _ => Ok(twofold_vault::default_vault_path()?),
        }
    }

    /// The passphrase from --passphrase-file or TWOFOLD_PASSPHRASE, if any.
    pub fn passphrase(&self) -> Result<Option<Zeroizing<String>>, CliError> {
        if let Some(f) = &self.passphrase_file {
            return read_secret_file(f).map(Some);
        }
        Ok(std::env::var("TWOFOLD_PASSPHRASE")
            .ok()
            .filter(|s| !s.is_empty())
            .map(Zeroizing::new))
    }

    pub fn unlock(&self) -> Result<Unlock, CliError> {
        Ok(Unlock {
            passphrase: self.passphrase()?,
        })
    }

    /// Opens the vault (never creates one).
    pub fn open(&self) -> Result<Vault, CliError> {
        Ok(Vault::open(&self.path()?, &self.unlock()?)?)
    }

    /// Opens the vault, creating it when there is none, and says so on stderr.
    pub fn open_or_create(&self) -> Result<Vault, CliError> {
        let path = self.path()?;
        let opts = CreateOptions {
            keyring: true,
            kdf: kdf_params()?,
        };
        let (vault, created) = Vault::open_or_create(&path, &self.unlock()?, &opts)?;
        if let Some(c) = created {
            report_creation(&vault, &c);
        }
        Ok(vault)
    }
}

fn report_creation(vault: &Vault, c: &Creation) {
    let slots: Vec<&str> = c
        .slots
        .iter()
        .map(|s| match s {
            SlotKind::Keyring => "OS keyring",
            SlotKind::Passphrase => "passphrase",
        })
        .collect();
    eprintln!(
        "twofold: created a new vault at {} (opens with: {})",
        vault.path().display(),
        slots.join(", ")
    );
    if let Some(e) = &c.keyring_error {
        eprintln!("twofold: note: no keyring slot was made, so this vault opens only with its passphrase ({e})");
    } else if !c.slots.contains(&SlotKind::Passphrase) {
        eprintln!("twofold: tip: add a passphrase as a second way in (another machine, a lost keyring): TWOFOLD_NEW_PASSPHRASE=… twofold vault passphrase set");
    }
}

/// Argon2id cost for new passphrase slots: TWOFOLD_KDF="m=KIB,t=N,p=N" (bounds-checked), or the
/// default tuned for about 0.5 s.
pub fn kdf_params() -> Result<KdfParams, CliError> {
    KdfParams::from_env().map_err(CliError::Usage)
}

fn read_secret_file(f: &std::path::Path) -> Result<Zeroizing<String>, CliError> {
    crate::read_secret_file(f, "passphrase")
}

#[derive(Debug, Args)]
pub struct VaultArgs {
    #[command(subcommand)]
    command: VaultCommand,
}

#[derive(Debug, Subcommand)]
enum VaultCommand {
    /// Show the vault's path, id, format, generation and key slots (no unlocking needed)
    Info {
        /// Print as JSON
        #[arg(long)]
        json: bool,
    },
    /// Add, replace or remove the passphrase slot
    Passphrase {
        #[command(subcommand)]
        command: PassphraseCommand,
    },
    /// Try every key slot and report which open the vault (nothing is written)
    UnlockTest,
    /// The OS keyring slot
    Keyring {
        #[command(subcommand)]
        command: KeyringCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PassphraseCommand {
    /// Set the passphrase slot (new passphrase from --new-passphrase-file or TWOFOLD_NEW_PASSPHRASE)
    Set {
        /// File holding the new passphrase (one trailing newline is ignored)
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Remove the passphrase slot (refused unless the OS keyring opens the vault)
    Remove,
}

#[derive(Debug, Subcommand)]
enum KeyringCommand {
    /// Store the vault key in the OS keyring again (after opening with the passphrase)
    Restore,
    /// Set or forget the password of automatic backups kept in the OS keyring (the app's
    /// Settings > Backups; `twofold export --auto-dir DIR --keyring-password` uses it)
    BackupPassword {
        /// File holding the password (one trailing newline is ignored; `-` reads standard input)
        #[arg(long, value_name = "FILE", required_unless_present = "forget")]
        password_file: Option<PathBuf>,
        /// Delete the stored password
        #[arg(long, conflicts_with = "password_file")]
        forget: bool,
    },
}

#[derive(Serialize)]
struct InfoOut<'a> {
    #[serde(flatten)]
    header: &'a twofold_vault::HeaderInfo,
}

pub fn run(args: VaultArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let path = g.path()?;
    match args.command {
        VaultCommand::Info { json } => {
            let info = twofold_vault::inspect(&path)?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &InfoOut { header: &info })
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                writeln!(out)?;
                return Ok(0);
            }
            writeln!(out, "path:        {}", info.path.display())?;
            writeln!(out, "backup:      {}", info.backup_path.display())?;
            writeln!(out, "lock:        {}", info.lock_path.display())?;
            writeln!(out, "vault id:    {}", info.vault_id)?;
            writeln!(out, "format:      {}", info.format_version)?;
            writeln!(out, "generation:  {}", info.generation)?;
            writeln!(out, "saved at:    {} (Unix time)", info.saved_at)?;
            writeln!(out, "size:        {} bytes", info.file_size)?;
            for s in &info.slots {
                match s {
                    SlotInfo::Keyring {
                        store,
                        service,
                        user,
                    } => writeln!(
                        out,
                        "key slot:    OS keyring, {store} (service '{service}', user '{user}')"
                    )?,
                    SlotInfo::Passphrase {
                        memory_kib,
                        iterations,
                        lanes,
                        ..
                    } => writeln!(
                        out,
                        "key slot:    passphrase (Argon2id, {memory_kib} KiB, {iterations} passes, {lanes} lanes)"
                    )?,
                }
            }
            Ok(0)
        }
        VaultCommand::UnlockTest => {
            let results = twofold_vault::unlock_test(&path, &g.unlock()?)?;
            let mut failed = false;
            for (slot, r) in results {
                let name = match slot {
                    SlotKind::Keyring => "keyring",
                    SlotKind::Passphrase => "passphrase",
                };
                match r {
                    Some(Ok(())) => writeln!(out, "{name}: ok")?,
                    Some(Err(e)) => {
                        failed = true;
                        writeln!(out, "{name}: FAILED: {e}")?
                    }
                    None => writeln!(
                        out,
                        "{name}: not tested (give the passphrase with --passphrase-file or TWOFOLD_PASSPHRASE)"
                    )?,
                }
            }
            Ok(if failed { 1 } else { 0 })
        }
        VaultCommand::Passphrase {
            command: PassphraseCommand::Set {
                new_passphrase_file,
            },
        } => {
            let new = match new_passphrase_file {
                Some(f) => read_secret_file(&f)?,
                None => match std::env::var("TWOFOLD_NEW_PASSPHRASE") {
                    Ok(s) if !s.is_empty() => Zeroizing::new(s),
                    _ => {
                        let hint = if std::io::stdin().is_terminal() {
                            " (there is no interactive prompt yet)"
                        } else {
                            ""
                        };
                        return Err(CliError::Usage(format!(
                            "give the new passphrase with --new-passphrase-file FILE or TWOFOLD_NEW_PASSPHRASE{hint}"
                        )));
                    }
                },
            };
            twofold_vault::check_new_passphrase(&new)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let mut v = g.open()?;
            v.set_passphrase(&new, kdf_params()?)?;
            eprintln!("twofold: the passphrase slot of {} is set", path.display());
            Ok(0)
        }
        VaultCommand::Passphrase {
            command: PassphraseCommand::Remove,
        } => {
            let mut v = g.open()?;
            v.remove_passphrase()?;
            eprintln!(
                "twofold: the passphrase slot of {} is removed",
                path.display()
            );
            Ok(0)
        }
        VaultCommand::Keyring {
            command: KeyringCommand::Restore,
        } => {
            let mut v = g.open()?;
            v.restore_keyring()?;
            eprintln!(
                "twofold: the vault key is in the OS keyring (service '{}', user 'vault-{}')",
                twofold_vault::KEYRING_SERVICE,
                v.vault_id()
            );
            Ok(0)
        }
        VaultCommand::Keyring {
            command:
                KeyringCommand::BackupPassword {
                    password_file,
                    forget,
                },
        } => {
            let id = g.open()?.vault_id();
            if forget {
                twofold_vault::keyring::delete_backup_password(&id)?;
                eprintln!("twofold: the automatic backups' password is no longer in the keyring");
                return Ok(0);
            }
            let file = password_file.expect("clap requires --password-file without --forget");
            let pw = crate::secret_input::read_password_file(&file)?;
            twofold_vault::check_new_passphrase(&pw).map_err(CliError::Vault)?;
            twofold_vault::keyring::store_backup_password(&id, &pw)?;
            eprintln!(
                "twofold: the automatic backups' password is in the OS keyring (service '{}')",
                twofold_vault::keyring::BACKUP_PASSWORD_SERVICE
            );
            Ok(0)
        }
    }
}

/// Resolves an account id given on the command line: the full id or a unique prefix (4+).
pub fn resolve_id(v: &Vault, id: &str) -> Result<String, CliError> {
    let id = id.trim().to_ascii_lowercase();
    if v.get(&id).is_some() {
        return Ok(id);
    }
    let m: Vec<&str> = if id.len() >= 4 {
        v.accounts()
            .iter()
            .filter(|a| a.id.starts_with(&id))
            .map(|a| a.id.as_str())
            .collect()
    } else {
        Vec::new()
    };
    match m.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(VaultError::AccountNotFound(id).into()),
        _ => Err(CliError::Usage(format!(
            "'{id}' is the start of several ids ({}): give more of it",
            m.join(", ")
        ))),
    }
}
