//! `twofold scan FILE... [--expand] [--json]`, `twofold scan --screen`, `twofold scan --clipboard`.
//!
//! Prints every QR payload found, one per line, byte-exact, in reading order per source. Exit
//! status 0 when some source held a QR code, 1 when none did, 2 when a source could not be read
//! (after the readable ones were printed; one line per unreadable source on stderr).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde::Serialize;
use twofold_otp::migration;
use twofold_scan::{Code, Limits, PayloadKind, ScanError};

use crate::error::CliError;
use crate::{CliResult, Out};

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Image files (PNG, JPEG, WebP, BMP, GIF, TIFF)
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Scan every monitor (xdg-desktop-portal Screenshot, or X11)
    #[arg(long, conflicts_with_all = ["files", "clipboard"])]
    screen: bool,
    /// Scan the image on the clipboard
    #[arg(long, conflicts_with_all = ["files", "screen"])]
    clipboard: bool,
    /// Print the otpauth:// URIs carried by each otpauth-migration:// payload instead of it
    #[arg(long)]
    expand: bool,
    /// Print a JSON array of {source, kind, payload[, payload_hex]} objects
    #[arg(long)]
    json: bool,
    /// Write FILE<TAB>cpu_ms<TAB>wall_ms per source here (load and decode only; benchmarks)
    #[arg(long, value_name = "PATH", hide = true)]
    timings: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct JsonCode {
    source: String,
    /// "otpauth", "otpauth-migration" or "other"
    kind: &'static str,
    /// The payload: its UTF-8 text, or each byte as an ISO-8859-1 character when not UTF-8.
    payload: String,
    /// Only when the payload is not UTF-8: its bytes in hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_hex: Option<String>,
    /// With --expand, for accounts taken out of a migration payload.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    from_migration: bool,
}

fn kind_name(k: PayloadKind) -> &'static str {
    match k {
        PayloadKind::Otpauth => "otpauth",
        PayloadKind::Migration => "otpauth-migration",
        PayloadKind::Other => "other",
    }
}

/// One payload to print: bytes plus how to describe it.
struct Item {
    bytes: Vec<u8>,
    kind: PayloadKind,
    from_migration: bool,
}

pub fn run(args: ScanArgs, out: Out) -> CliResult {
    if args.files.is_empty() && !args.screen && !args.clipboard {
        return Err(CliError::Usage(
            "nothing to scan: give image files, --screen or --clipboard".into(),
        ));
    }
    let limits = Limits::default();
    let mut timings = match &args.timings {
        Some(p) => Some(
            std::fs::File::create(p)
                .map_err(|e| CliError::Usage(format!("cannot create {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let mut results: Vec<(String, Result<Vec<Code>, ScanError>)> = Vec::new();
    if args.screen {
        results.push(("screen".into(), scan_screen(&limits)));
    } else if args.clipboard {
        results.push(("clipboard".into(), scan_clipboard(&limits)));
    } else {
        for f in &args.files {
            let (c0, w0) = (twofold_scan::thread_cpu_time(), Instant::now());
            let r = twofold_scan::scan_file(f, &limits);
            if let Some(t) = timings.as_mut() {
                let cpu = match (c0, twofold_scan::thread_cpu_time()) {
                    (Some(a), Some(b)) => (b - a).as_secs_f64() * 1000.0,
                    _ => f64::NAN,
                };
                let name = f.file_name().unwrap_or(f.as_os_str()).to_string_lossy();
                writeln!(
                    t,
                    "{name}\t{cpu:.3}\t{:.3}",
                    w0.elapsed().as_secs_f64() * 1000.0
                )?;
            }
            results.push((f.display().to_string(), r));
        }
    }

    let mut any_code = false;
    let mut failed: Vec<String> = Vec::new();
    let mut json = Vec::new();
    for (source, r) in results {
        let codes = match r {
            Ok(c) => c,
            Err(e @ ScanError::Read { .. }) => {
                failed.push(e.to_string());
                continue;
            }
            Err(e) => {
                failed.push(format!("{source}: {e}"));
                continue;
            }
        };
        any_code |= !codes.is_empty();
        for item in items(&source, codes, args.expand) {
            if args.json {
                let text = String::from_utf8(item.bytes.clone()).ok();
                json.push(JsonCode {
                    source: source.clone(),
                    kind: kind_name(item.kind),
                    payload: text
                        .clone()
                        .unwrap_or_else(|| item.bytes.iter().map(|&b| b as char).collect()),
                    payload_hex: text.is_none().then(|| hex::encode(&item.bytes)),
                    from_migration: item.from_migration,
                });
            } else {
                out.write_all(&item.bytes)?;
                out.write_all(b"\n")?;
            }
        }
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
        writeln!(out)?;
    }
    out.flush()?;
    match failed.len() {
        0 => Ok(if any_code { 0 } else { 1 }),
        1 => Err(CliError::Scan(failed.remove(0))),
        _ => {
            // One line per unreadable source; the last one is reported by main.
            let last = failed.pop().unwrap_or_default();
            for f in failed {
                eprintln!("twofold: {f}");
            }
            Err(CliError::Scan(last))
        }
    }
}

fn items(source: &str, codes: Vec<Code>, expand: bool) -> Vec<Item> {
    let mut v = Vec::new();
    for c in codes {
        if expand && c.kind == PayloadKind::Migration {
            let decoded = c.text.as_deref().map(migration::decode);
            match decoded {
                Some(Ok(batch)) => {
                    for acc in batch.accounts {
                        v.push(Item {
                            bytes: acc.to_uri().as_bytes().to_vec(),
                            kind: PayloadKind::Otpauth,
                            from_migration: true,
                        });
                    }
                    continue;
                }
                Some(Err(e)) => {
                    eprintln!("twofold: {source}: migration payload printed as is: {e}")
                }
                None => {
                    eprintln!("twofold: {source}: migration payload printed as is: it is not UTF-8")
                }
            }
        }
        v.push(Item {
            bytes: c.bytes,
            kind: c.kind,
            from_migration: false,
        });
    }
    v
}

fn scan_screen(limits: &Limits) -> Result<Vec<Code>, ScanError> {
    twofold_scan::screen::scan_screen(limits)
}

fn scan_clipboard(limits: &Limits) -> Result<Vec<Code>, ScanError> {
    twofold_scan::clipboard::scan_clipboard(limits)
}

/// For `twofold add --image FILE | --screen | --clipboard`: the accounts carried by every
/// otpauth code of the source (an `otpauth://` URI gives one, a migration export all of its
/// own), in reading order. `None` when no such flag was given. Non-otpauth codes are ignored;
/// a source with no otpauth code is an error.
pub fn scanned_accounts(
    image: Option<&std::path::Path>,
    screen: bool,
    clipboard: bool,
) -> Result<Option<Vec<twofold_vault::Account>>, CliError> {
    let limits = Limits::default();
    let (source, codes) = match (image, screen, clipboard) {
        (Some(p), _, _) => (p.display().to_string(), twofold_scan::scan_file(p, &limits)),
        (None, true, _) => ("the screen".to_string(), scan_screen(&limits)),
        (None, false, true) => ("the clipboard".to_string(), scan_clipboard(&limits)),
        (None, false, false) => return Ok(None),
    };
    let codes = codes.map_err(|e| match e {
        e @ ScanError::Read { .. } => CliError::Scan(e.to_string()),
        e => CliError::Scan(format!("{source}: {e}")),
    })?;
    let mut accounts = Vec::new();
    for c in codes.iter().filter(|c| c.kind.is_otp()) {
        let text = c.text.as_deref().ok_or_else(|| {
            CliError::Scan(format!("{source}: an otpauth QR code is not valid UTF-8"))
        })?;
        accounts.extend(
            twofold_vault::intake::accounts_from_payload(text, crate::now())
                .map_err(|e| CliError::Scan(format!("{source}: {e}")))?,
        );
    }
    if accounts.is_empty() {
        return Err(CliError::Scan(format!(
            "{source}: no otpauth QR code found{}",
            if codes.is_empty() {
                ""
            } else {
                " (only other QR codes)"
            }
        )));
    }
    Ok(Some(accounts))
}
