//! `twofold`: the command-line face of Twofold. See `twofold --help`.

mod cmd_add;
mod cmd_code;
mod cmd_edit;
mod cmd_export;
mod cmd_icons;
mod cmd_import;
mod cmd_list;
mod cmd_move;
mod cmd_remove;
mod cmd_scan;
mod cmd_serve;
mod cmd_uri;
mod cmd_vault;
mod error;
mod otp_args;
mod secret_input;

pub(crate) use secret_input::read_secret_file;

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "twofold",
    version,
    about = "Twofold: one-time codes, an encrypted vault and a local MFA test server",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: cmd_vault::GlobalArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the current code of an account
    Code(cmd_code::CodeArgs),
    /// Parse an otpauth:// URI and print its fields, or build one from flags
    Uri(cmd_uri::UriArgs),
    /// Add an account to the vault (creating the vault if there is none); prints its id
    Add(cmd_add::AddArgs),
    /// List the vault's accounts (never their secrets)
    List(cmd_list::ListArgs),
    /// Remove an account from the vault
    Remove(cmd_remove::RemoveArgs),
    /// Move an account in the manual order (the app's drag and drop)
    Move(cmd_move::MoveArgs),
    /// Change an account's fields
    Edit(cmd_edit::EditArgs),
    /// The vault file and its key slots: info, passphrase set|remove, unlock-test, keyring restore
    Vault(cmd_vault::VaultArgs),
    /// Run the local MFA test server (django-jwt-allauth's REST flow and django-allauth's pages)
    Serve(cmd_serve::ServeArgs),
    /// Print every QR code payload found in images, on the screen or on the clipboard
    Scan(cmd_scan::ScanArgs),
    /// Import accounts from other authenticators' exports or a Twofold backup (preview, duplicates skipped)
    Import(cmd_import::ImportArgs),
    /// Export accounts: encrypted Twofold backup, otpauth list, Aegis JSON, Google Authenticator QR codes
    Export(cmd_export::ExportArgs),
    /// Aegis icon packs for the app's account icons: import FILE, list [--issuer NAME]
    Icons(cmd_icons::IconsArgs),
}

fn main() -> ExitCode {
    twofold_vault::harden_process();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let mut out = std::io::stdout().lock();
    let result = match cli.command {
        Command::Code(args) => cmd_code::run(args, &cli.global, &mut out),
        Command::Add(args) => cmd_add::run(args, &cli.global, &mut out),
        Command::List(args) => cmd_list::run(args, &cli.global, &mut out),
        Command::Remove(args) => cmd_remove::run(args, &cli.global, &mut out),
        Command::Move(args) => cmd_move::run(args, &cli.global, &mut out),
        Command::Edit(args) => cmd_edit::run(args, &cli.global, &mut out),
        Command::Vault(args) => cmd_vault::run(args, &cli.global, &mut out),
        Command::Uri(args) => cmd_uri::run(args, &mut out),
        Command::Serve(args) => cmd_serve::run(args, &mut out),
        Command::Scan(args) => cmd_scan::run(args, &mut out),
        Command::Import(args) => cmd_import::run(args, &cli.global, &mut out),
        Command::Export(args) => cmd_export::run(args, &cli.global, &mut out),
        Command::Icons(args) => cmd_icons::run(args, &cli.global, &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("twofold: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// `Cli::command()` builds all the subcommands' arguments, several hundred of them, before it
/// looks at argv, and that was most of a `twofold code` invocation (bench/code.sh measures it).
/// `code` is the command scripts call in loops, so it gets
/// a parser holding just itself and the global flags, built from the same derive structs: the
/// same flags, values and checks. Help, version and every error go through the full parser, so
/// what users read is identical either way.
fn parse() -> Result<Cli, clap::Error> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let wants_text = |a: &std::ffi::OsString| {
        matches!(
            a.to_str(),
            Some("-h" | "--help" | "-V" | "--version" | "help")
        )
    };
    if args.get(1).is_some_and(|a| a == "code") && !args.iter().skip(2).any(wants_text) {
        let only_code = cmd_vault::GlobalArgs::augment_args(Cli::command_shell())
            .subcommand(cmd_code::CodeArgs::augment_args(clap::Command::new("code")))
            .subcommand_required(true);
        let fast = only_code
            .try_get_matches_from(&args)
            .and_then(|m| Cli::from_arg_matches(&m));
        if let Ok(cli) = fast {
            return Ok(cli);
        }
    }
    Cli::try_parse_from(args)
}

impl Cli {
    /// The top-level command without its arguments or subcommands.
    fn command_shell() -> clap::Command {
        clap::Command::new("twofold").version(env!("CARGO_PKG_VERSION"))
    }
}

/// Help and version go to stdout with status 0; usage errors become one line on stderr, status 2.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("twofold: {first} (see 'twofold --help')");
            ExitCode::from(2)
        }
    }
}

pub(crate) use twofold_otp::unix_now as now;

pub(crate) type Out<'a> = &'a mut dyn Write;
pub(crate) type CliResult = Result<u8, CliError>;
