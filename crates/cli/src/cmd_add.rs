use clap::Args;
use twofold_otp::KeyUri;
use twofold_vault::Account;

use crate::cmd_vault::GlobalArgs;
use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{now, CliResult, Out};

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The account as an otpauth:// URI. It holds the secret, which other local users can read
    /// in the process list and the shell keeps in its history: prefer --uri-file
    #[arg(long, value_name = "URI", conflicts_with_all = ["uri_file", "secret", "secret_file", "issuer", "label"])]
    uri: Option<String>,
    /// Read the otpauth:// URI from this file (- for standard input): the safe way to give it
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret", "secret_file", "issuer", "label"])]
    uri_file: Option<std::path::PathBuf>,
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
    /// Add every otpauth QR code in this image (a migration export: all of its accounts)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["uri", "uri_file", "secret", "secret_file", "issuer", "label", "screen", "clipboard"])]
    image: Option<std::path::PathBuf>,
    /// Add every otpauth QR code on the screen (all monitors)
    #[arg(long, conflicts_with_all = ["uri", "uri_file", "secret", "secret_file", "issuer", "label", "clipboard"])]
    screen: bool,
    /// Add the account even when the vault already holds it (same secret, issuer and label)
    #[arg(long)]
    allow_duplicate: bool,
    /// Add every otpauth QR code in the clipboard's image
    #[arg(long, conflicts_with_all = ["uri", "uri_file", "secret", "secret_file", "issuer", "label"])]
    clipboard: bool,
}

/// Adds one account; prints its id (that of the stored account when the vault already holds it:
/// then nothing is added). Creates the vault when there is none (see `twofold vault`).
pub fn run(args: AddArgs, g: &GlobalArgs, out: Out) -> CliResult {
    // --image / --screen / --clipboard: every account found, exact duplicates skipped; one id
    // per line.
    if let Some(found) =
        crate::cmd_scan::scanned_accounts(args.image.as_deref(), args.screen, args.clipboard)?
    {
        let mut vault = g.open_or_create()?;
        let found = found
            .into_iter()
            .map(|mut account| {
                account.tags = args.tags.clone();
                account.note = args.note.clone().unwrap_or_default();
                account.pinned = args.pin;
                account
            })
            .collect();
        let added = vault.add_new(found)?;
        for id in &added.ids {
            writeln!(out, "{id}")?;
        }
        if added.skipped > 0 {
            eprintln!(
                "twofold: {} account(s) already in the vault, skipped",
                added.skipped
            );
        }
        return Ok(0);
    }
    let given =
        crate::secret_input::value_or_file(args.uri.as_deref(), args.uri_file.as_deref(), "URI")?;
    let uri = match &given {
        Some(u) => {
            if args.otp.any_set() {
                return Err(CliError::Usage(
                    "--uri already describes the account: leave out --secret, --kind, --algorithm, --digits, --period and --counter".into(),
                ));
            }
            KeyUri::parse(u)?
        }
        None => {
            if !args.otp.has_secret() {
                return Err(CliError::Usage(
                    "give --uri-file FILE, or --secret-file FILE with --issuer and --label (or --uri / --secret)".into(),
                ));
            }
            let label = args.label.clone().ok_or_else(|| {
                CliError::Usage("--secret needs --label NAME (the account name)".into())
            })?;
            let issuer = args.issuer.clone().ok_or_else(|| {
                CliError::Usage("--secret needs --issuer NAME (the service name)".into())
            })?;
            args.otp.to_key_uri(Some(issuer), label, true)?
        }
    };
    let mut account = Account::from_key_uri(&uri, now());
    account.tags = args.tags;
    account.note = args.note.unwrap_or_default();
    account.pinned = args.pin;
    let mut vault = g.open_or_create()?;
    if args.allow_duplicate {
        let id = vault.add(account)?;
        writeln!(out, "{id}")?;
        return Ok(0);
    }
    // Checked under the vault's lock: two adds of one account at once leave one account.
    let name = account.display_name();
    let added = vault.add_new(vec![account])?;
    if let Some(id) = added.ids.first() {
        writeln!(out, "{id}")?;
    } else if let Some(id) = added.already.first() {
        eprintln!("twofold: {name} is already in the vault (id {id}): nothing added; --allow-duplicate adds it anyway");
        writeln!(out, "{id}")?;
    }
    Ok(0)
}
