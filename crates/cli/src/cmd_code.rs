use clap::Args;
use twofold_otp::KeyUri;

use crate::cmd_vault::GlobalArgs;
use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{now, CliResult, Out};

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// A vault account: matched on id, issuer, label or issuer:label (an ambiguous query exits 2
    /// and lists the matches). HOTP: the counter is advanced and saved before the code is printed
    #[arg(value_name = "QUERY", conflicts_with_all = ["uri", "uri_file", "secret", "secret_file"])]
    query: Option<String>,
    /// The account as an otpauth:// URI. It holds the secret, which other local users can read
    /// in the process list and the shell keeps in its history: prefer --uri-file
    #[arg(long, value_name = "URI", conflicts_with_all = ["uri_file", "secret", "secret_file"])]
    uri: Option<String>,
    /// Read the otpauth:// URI from this file (- for standard input): the safe way to give it
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret", "secret_file"])]
    uri_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    otp: OtpArgs,
    /// Evaluate a TOTP code at this Unix time instead of now
    #[arg(long, value_name = "UNIX_SECONDS", allow_hyphen_values = true)]
    at: Option<u64>,
}

pub fn run(args: CodeArgs, g: &GlobalArgs, out: Out) -> CliResult {
    if let Some(q) = &args.query {
        return code_from_vault(q, &args, g, out);
    }
    let given =
        crate::secret_input::value_or_file(args.uri.as_deref(), args.uri_file.as_deref(), "URI")?;
    let account = match &given {
        Some(uri) => {
            if args.otp.any_set() {
                return Err(CliError::Usage(
                    "--uri already describes the account: leave out --kind, --algorithm, --digits, --period and --counter".into(),
                ));
            }
            KeyUri::parse(uri)?
        }
        None => args.otp.to_key_uri(None, String::new(), false)?,
    };
    let code = account
        .params()
        .code(&account.secret, args.at.unwrap_or_else(now))?;
    writeln!(out, "{}", code.as_str())?;
    Ok(0)
}

/// `twofold code QUERY`: the code of one vault account.
fn code_from_vault(query: &str, args: &CodeArgs, g: &GlobalArgs, out: Out) -> CliResult {
    if args.otp.any_set() {
        return Err(CliError::Usage(
            "QUERY names a vault account: leave out --kind, --algorithm, --digits, --period and --counter".into(),
        ));
    }
    let mut vault = g.open()?;
    let id = {
        let found = vault.find(query);
        match found.as_slice() {
            [one] => one.id.clone(),
            [] => return Err(twofold_vault::VaultError::AccountNotFound(query.to_string()).into()),
            many => {
                eprintln!(
                    "twofold: '{query}' matches {} accounts: give the id or issuer:label",
                    many.len()
                );
                for a in many {
                    eprintln!("  {}  {}", a.id, a.display_name());
                }
                return Ok(2);
            }
        }
    };
    let code = vault.code(&id, args.at.unwrap_or_else(now))?;
    writeln!(out, "{}", code.code.as_str())?;
    Ok(0)
}
