use clap::Args;
use twofold_vault::Position;

use crate::cmd_vault::{resolve_id, GlobalArgs};
use crate::error::CliError;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").args(["before", "after", "index"])))]
pub struct MoveArgs {
    /// The account to move (id as shown by 'twofold list'; a unique prefix of 4+ characters)
    #[arg(value_name = "ID")]
    id: String,
    /// Put it just before this account
    #[arg(long, value_name = "ID")]
    before: Option<String>,
    /// Put it just after this account
    #[arg(long, value_name = "ID")]
    after: Option<String>,
    /// Put it at this position (1 = first)
    #[arg(long = "to", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    index: Option<u64>,
}

/// Moves an account in the manual order (`twofold list --sort manual`, the app's drag and drop).
pub fn run(args: MoveArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let mut vault = g.open()?;
    let id = resolve_id(&vault, &args.id)?;
    let to = match (args.before, args.after, args.index) {
        (Some(o), _, _) => Position::Before(resolve_id(&vault, &o)?),
        (_, Some(o), _) => Position::After(resolve_id(&vault, &o)?),
        (_, _, Some(n)) => Position::Index(usize::try_from(n - 1).unwrap_or(usize::MAX)),
        _ => {
            return Err(CliError::Usage(
                "say where to move it: --before ID, --after ID or --to N".into(),
            ))
        }
    };
    vault.move_account(&id, to)?;
    let at = vault
        .accounts()
        .iter()
        .position(|a| a.id == id)
        .map_or(0, |i| i + 1);
    writeln!(
        out,
        "moved {id} to position {at} of {}",
        vault.accounts().len()
    )?;
    Ok(0)
}
