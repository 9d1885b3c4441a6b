use clap::Args;
use twofold_otp::KeyUri;
use twofold_vault::Account;

use crate::cmd_vault::GlobalArgs;
use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{now, CliResult, Out};

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The account as an otpauth:// URI
    #[arg(long, value_name = "URI", conflicts_with_all = ["secret", "issuer", "label"])]
    uri: Option<String>,
    #[command(flatten)]
    otp: OtpArgs,
    /// The issuer (service name), with --secret
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,
    /// The account name (e.g. an e-mail address), with --secret
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
    /// A tag (repeatable), e.g. personal or qa:staging
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// A free-text note
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Pin the account to the top of lists
    #[arg(long)]
    pin: bool,
}

/// Adds one account; prints its id. Creates the vault when there is none (see `twofold vault`).
pub fn run(args: AddArgs, g: &GlobalArgs, out: Out) -> CliResult {
    let uri = match &args.uri {
        Some(u) => {
            if args.otp.any_set() {
                return Err(CliError::Usage(
                    "--uri already describes the account: leave out --secret, --kind, --algorithm, --digits, --period and --counter".into(),
                ));
            }
            KeyUri::parse(u)?
        }
        None => {
            if args.otp.secret.is_none() {
                return Err(CliError::Usage(
                    "give --uri URI, or --secret BASE32 with --issuer and --label".into(),
                ));
            }
            let label = args.label.clone().ok_or_else(|| {
                CliError::Usage("--secret needs --label NAME (the account name)".into())
            })?;
            let issuer = args.issuer.clone().ok_or_else(|| {
                CliError::Usage("--secret needs --issuer NAME (the service name)".into())
            })?;
            args.otp.to_key_uri(Some(issuer), label)?
        }
    };
    let mut account = Account::from_key_uri(&uri, now());
    account.tags = args.tags;
    account.note = args.note.unwrap_or_default();
    account.pinned = args.pin;
    let mut vault = g.open_or_create()?;
    let id = vault.add(account)?;
    writeln!(out, "{id}")?;
    Ok(0)
}
