use clap::Args;
use serde::Serialize;
use twofold_otp::{migration, KeyUri};

use crate::error::CliError;
use crate::otp_args::OtpArgs;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct UriArgs {
    /// An otpauth:// or otpauth-migration:// URI to parse (leave out to build one from flags).
    /// Other local users can read it in the process list: prefer --uri-file
    #[arg(value_name = "URI", conflicts_with = "uri_file")]
    uri: Option<String>,
    /// Read the URI to parse from this file (- for standard input)
    #[arg(long, value_name = "FILE")]
    uri_file: Option<std::path::PathBuf>,
    /// Print the fields as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    otp: OtpArgs,
    /// The issuer, when building a URI
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,
    /// The account name, when building a URI
    #[arg(long, value_name = "NAME")]
    label: Option<String>,
}

/// The fields of a Key URI as printed by `twofold uri`. The secret is the user's own input, shown
/// back in canonical base32 so scripts can normalise it.
#[derive(Serialize)]
struct Fields<'a> {
    kind: &'a str,
    issuer: Option<&'a str>,
    label_issuer: Option<&'a str>,
    issuer_param: Option<&'a str>,
    account: &'a str,
    secret: &'a str,
    algorithm: &'a str,
    digits: u32,
    period: Option<u64>,
    counter: Option<u64>,
    extra: &'a [(String, String)],
    uri: &'a str,
}

fn print(k: &KeyUri, json: bool, out: Out) -> Result<(), CliError> {
    let secret = k.secret.to_base32();
    let canonical = k.to_uri();
    let f = Fields {
        kind: k.kind.as_str(),
        issuer: k.issuer(),
        label_issuer: k.label_issuer.as_deref(),
        issuer_param: k.issuer_param.as_deref(),
        account: &k.account,
        secret: &secret,
        algorithm: k.algorithm.as_str(),
        digits: k.digits,
        period: k.kind.is_timed().then_some(k.period),
        counter: (!k.kind.is_timed()).then_some(k.counter),
        extra: &k.extra,
        uri: &canonical,
    };
    if json {
        serde_json::to_writer(&mut *out, &f).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "type:      {}", f.kind)?;
    writeln!(out, "issuer:    {}", f.issuer.unwrap_or(""))?;
    if k.issuer_conflict() {
        writeln!(
            out,
            "note:      the label says issuer '{}', the issuer parameter '{}' (the parameter is used)",
            f.label_issuer.unwrap_or(""),
            f.issuer_param.unwrap_or("")
        )?;
    }
    writeln!(out, "account:   {}", f.account)?;
    writeln!(out, "secret:    {}", f.secret)?;
    writeln!(out, "algorithm: {}", f.algorithm)?;
    writeln!(out, "digits:    {}", f.digits)?;
    if let Some(p) = f.period {
        writeln!(out, "period:    {p}")?;
    }
    if let Some(c) = f.counter {
        writeln!(out, "counter:   {c}")?;
    }
    for (key, value) in f.extra {
        writeln!(out, "{key}: {value}")?;
    }
    writeln!(out, "uri:       {}", f.uri)?;
    Ok(())
}

pub fn run(args: UriArgs, out: Out) -> CliResult {
    let given =
        crate::secret_input::value_or_file(args.uri.as_deref(), args.uri_file.as_deref(), "URI")?;
    match given.as_deref().map(String::as_str) {
        Some(uri) => {
            if args.otp.any_set() || args.issuer.is_some() || args.label.is_some() {
                return Err(CliError::Usage(
                    "give either a URI to parse or flags to build one, not both".into(),
                ));
            }
            if migration::is_migration_uri(uri) {
                let batch = migration::decode(uri)?;
                if args.json {
                    writeln!(
                        out,
                        "{{\"batch_size\":{},\"batch_index\":{},\"batch_id\":{},\"version\":{},\"count\":{}}}",
                        batch.batch_size, batch.batch_index, batch.batch_id, batch.version, batch.accounts.len()
                    )?;
                } else {
                    writeln!(
                        out,
                        "Google Authenticator export: {} account(s), QR code {} of {} (batch id {})",
                        batch.accounts.len(),
                        batch.batch_index + 1,
                        batch.batch_size,
                        batch.batch_id
                    )?;
                }
                for k in &batch.accounts {
                    print(k, args.json, out)?;
                }
            } else {
                print(&KeyUri::parse(uri)?, args.json, out)?;
            }
        }
        None => {
            let label = args.label.clone().ok_or_else(|| {
                CliError::Usage("give a URI to parse, or --secret and --label to build one".into())
            })?;
            let k = args.otp.to_key_uri(args.issuer.clone(), label, false)?;
            if args.json {
                print(&k, true, out)?;
            } else {
                writeln!(out, "{}", k.to_uri().as_str())?;
            }
        }
    }
    Ok(0)
}
