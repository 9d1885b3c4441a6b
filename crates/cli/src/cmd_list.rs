use clap::Args;
use serde::Serialize;

use crate::cmd_vault::GlobalArgs;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array (id, issuer, label, kind, algorithm, digits, period, counter, tags)
    #[arg(long)]
    json: bool,
    /// Only accounts with this tag (repeat to require several)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    issuer: &'a str,
    label: &'a str,
    kind: &'a str,
    algorithm: &'a str,
    digits: u32,
    period: u64,
    counter: u64,
    tags: &'a [String],
    pinned: bool,
}

/// Lists the accounts; never prints a secret.
pub fn run(args: ListArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let vault = g.open()?;
    let all = vault.summaries();
    let rows: Vec<Row> = all
        .iter()
        .filter(|a| args.tags.iter().all(|t| a.tags.iter().any(|x| x == t)))
        .map(|a| Row {
            id: &a.id,
            issuer: &a.issuer,
            label: &a.label,
            kind: a.kind.as_str(),
            algorithm: a.algorithm.as_str(),
            digits: a.digits,
            period: a.period,
            counter: a.counter,
            tags: &a.tags,
            pinned: a.pinned,
        })
        .collect();
    if args.json {
        serde_json::to_writer(&mut *out, &rows)
            .map_err(|e| crate::error::CliError::Usage(e.to_string()))?;
        writeln!(out)?;
        return Ok(0);
    }
    for r in rows {
        let tags = if r.tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", r.tags.join(", "))
        };
        let pin = if r.pinned { "* " } else { "" };
        writeln!(
            out,
            "{}  {pin}{}{}{}  {}{tags}",
            r.id,
            r.issuer,
            if r.issuer.is_empty() { "" } else { ": " },
            r.label,
            r.kind
        )?;
    }
    Ok(0)
}
