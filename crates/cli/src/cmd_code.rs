use clap::Args;
use twofold_otp::KeyUri;

use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{now, CliResult, Out};

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The account as an otpauth:// URI
    #[arg(long, value_name = "URI", conflicts_with = "secret")]
    uri: Option<String>,
    #[command(flatten)]
    otp: OtpArgs,
    /// Evaluate a TOTP code at this Unix time instead of now
    #[arg(long, value_name = "UNIX_SECONDS")]
    at: Option<u64>,
}

pub fn run(args: CodeArgs, out: Out) -> CliResult {
    let account = match &args.uri {
        Some(uri) => {
            if args.otp.any_set() {
                return Err(CliError::Usage(
                    "--uri already describes the account: leave out --kind, --algorithm, --digits, --period and --counter".into(),
                ));
            }
            KeyUri::parse(uri)?
        }
        None => args.otp.to_key_uri(None, String::new())?,
    };
    let code = account
        .params()
        .code(&account.secret, args.at.unwrap_or_else(now))?;
    writeln!(out, "{}", code.as_str())?;
    Ok(0)
}
