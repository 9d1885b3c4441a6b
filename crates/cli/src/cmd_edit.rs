use clap::Args;
use twofold_otp::{Algorithm, Kind, Secret};
use twofold_vault::AccountPatch;

use crate::cmd_vault::{resolve_id, GlobalArgs};
use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The account id (a unique prefix of 4+ characters will do)
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    otp: OtpArgs,
    /// New issuer
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,
    /// New account name
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
    /// Replace all tags with these (repeatable; --tag '' clears them)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Add a tag (repeatable)
    #[arg(long = "add-tag", value_name = "TAG")]
    add_tags: Vec<String>,
    /// Remove a tag (repeatable)
    #[arg(long = "remove-tag", value_name = "TAG")]
    remove_tags: Vec<String>,
    /// Pin the account
    #[arg(long, conflicts_with = "unpin")]
    pin: bool,
    /// Unpin the account
    #[arg(long)]
    unpin: bool,
    /// Replace the note
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// The icon: auto (matched from the issuer), initial, si:SLUG (a Simple Icons logo, e.g.
    /// si:github; a bare SLUG will do) or pack:UUID/FILE (an imported icon pack's icon)
    #[arg(long, value_name = "ICON")]
    icon: Option<String>,
}

pub fn run(args: EditArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let patch = AccountPatch {
        issuer: args.issuer,
        label: args.label,
        secret: args
            .otp
            .secret_text()?
            .as_deref()
            .map(|s| Secret::from_base32(s))
            .transpose()?,
        kind: args
            .otp
            .kind
            .as_deref()
            .map(str::parse::<Kind>)
            .transpose()?,
        algorithm: args
            .otp
            .algorithm
            .as_deref()
            .map(str::parse::<Algorithm>)
            .transpose()?,
        digits: args.otp.digits,
        period: args.otp.period,
        counter: args.otp.counter,
        tags: (!args.tags.is_empty()).then_some(args.tags),
        add_tags: args.add_tags,
        remove_tags: args.remove_tags,
        pinned: if args.pin {
            Some(true)
        } else if args.unpin {
            Some(false)
        } else {
            None
        },
        note: args.note,
        icon: args.icon.map(|i| icon_choice(&i)),
    };
    let mut vault = g.open()?;
    let id = resolve_id(&vault, &args.id)?;
    let s = vault.update(&id, patch).map_err(CliError::from)?;
    writeln!(out, "updated {}", s.id)?;
    Ok(0)
}

/// `--icon github` means the Simple Icons logo `si:github`; every other form goes as written.
fn icon_choice(icon: &str) -> String {
    let i = icon.trim();
    let bare_slug = !i.is_empty()
        && !matches!(i, "auto" | "initial")
        && i.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if bare_slug {
        format!("si:{i}")
    } else {
        i.to_string()
    }
}
