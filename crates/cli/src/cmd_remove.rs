use clap::Args;

use crate::cmd_vault::{resolve_id, GlobalArgs};
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The account id (as shown by 'twofold list'; a unique prefix of 4+ characters will do)
    #[arg(value_name = "ID")]
    id: String,
}

pub fn run(args: RemoveArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let mut vault = g.open()?;
    let id = resolve_id(&vault, &args.id)?;
    let gone = vault.remove(&id)?;
    writeln!(
        out,
        "removed {}  {}",
        gone.id,
        if gone.issuer.is_empty() {
            gone.label.clone()
        } else {
            format!("{}: {}", gone.issuer, gone.label)
        }
    )?;
    Ok(0)
}
