//! `twofold icons`: Aegis icon packs kept beside the vault (the app's "Import icon pack…").

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cmd_vault::GlobalArgs;
use crate::error::CliError;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct IconsArgs {
    #[command(subcommand)]
    action: IconsAction,
}

#[derive(Debug, Subcommand)]
enum IconsAction {
    /// Import an Aegis icon pack (a ZIP with pack.json), replacing one with the same uuid
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List the imported icon packs, or with --issuer the icon they suggest for an issuer
    List {
        #[arg(long, value_name = "NAME")]
        issuer: Option<String>,
    },
}

pub fn run(args: IconsArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let dir = twofold_icons::packs_dir_for(&g.path()?);
    match args.action {
        IconsAction::Import { file } => {
            let bytes = twofold_vault::read_bounded(&file, twofold_icons::MAX_PACK_BYTES)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
            let pack = twofold_icons::install(&dir, &bytes)
                .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
            writeln!(
                out,
                "imported {} ({} icons) {}",
                pack.name,
                pack.icons.len(),
                pack.uuid
            )?;
        }
        IconsAction::List { issuer: None } => {
            for p in twofold_icons::installed(&dir) {
                writeln!(
                    out,
                    "{}  {} (version {}, {} icons)",
                    p.uuid,
                    p.name,
                    p.version,
                    p.icons.len()
                )?;
            }
        }
        IconsAction::List {
            issuer: Some(issuer),
        } => {
            let packs = twofold_icons::installed(&dir);
            match twofold_icons::suggest(&packs, &issuer) {
                Some((p, i)) => writeln!(out, "{}", i.choice(p))?,
                None => return Err(CliError::Usage(format!("no imported icon fits '{issuer}'"))),
            }
        }
    }
    Ok(0)
}
