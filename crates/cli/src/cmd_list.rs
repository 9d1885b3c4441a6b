use clap::Args;
use serde::Serialize;

use twofold_vault::SortOrder;

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
    /// Only accounts with this text in their issuer, label, a tag or the note (any case)
    #[arg(long, value_name = "TEXT", default_value = "")]
    search: String,
    /// Order: name (issuer, then label), recent (last used first) or manual (as 'twofold move'
    /// and the app's drag and drop left it); pinned accounts come first in each
    #[arg(long, value_name = "ORDER", default_value = "name")]
    sort: SortOrder,
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
    /// The chosen icon (`twofold edit --icon`); omitted when automatic.
    #[serde(skip_serializing_if = "str::is_empty")]
    icon: &'a str,
}

/// Lists the accounts; never prints a secret.
pub fn run(args: ListArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let vault = g.open()?;
    let all = vault.listing(&args.search, &args.tags, args.sort);
    let rows: Vec<Row> = all
        .iter()
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
            icon: &a.icon,
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
