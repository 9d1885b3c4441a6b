//! Bitwarden's unencrypted export, JSON and CSV.
//! Source of truth: bitwarden.com/help/condition-bitwarden-import/ (the export's JSON and CSV
//! columns) and the Aegis importer (`BitwardenImporter.java`) with its test files
//! `bitwarden.json`, `bitwarden.csv`.
//!
//! The `login.totp` field (`login_totp` column) is an `otpauth://` URI, a bare base32 secret
//! (TOTP, SHA1, 6 digits, 30 s) or `steam://SECRET`. The item's `name` is the issuer and
//! `login.username` the label when the URI does not say; `notes` → note, `favorite` → pinned,
//! folder → tag. Password-protected ("encrypted": true) exports are not read.

use twofold_otp::{Algorithm, KeyUri, Kind};

use super::json::{get, otp_reason, parse, sniff, Ctx};
use super::{account, text, Fields, Format, Imported, Importer, TransferError};
use twofold_vault::account::Account;

const NAME: &str = "Bitwarden";

pub struct BitwardenImporter;

impl Importer for BitwardenImporter {
    fn format(&self) -> Format {
        Format::Bitwarden
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| {
            v.get("items").is_some_and(|i| i.is_array())
                || v.get("encrypted") == Some(&serde_json::Value::Bool(true))
        })
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let root = parse(NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        if cx.opt_bool(root, "encrypted", "export")? == Some(true) {
            return Err(TransferError::Unsupported {
                format: NAME,
                what: "password protection (export again as unencrypted JSON)".into(),
            });
        }
        let mut folders = std::collections::HashMap::new();
        if let Some(f) = get(root, "folders") {
            for (i, f) in cx.arr(f, "folders")?.iter().enumerate() {
                let at = format!("folders[{i}]");
                let f = cx.obj(f, &at)?;
                if let (Some(id), Some(n)) =
                    (cx.opt_str(f, "id", &at)?, cx.opt_str(f, "name", &at)?)
                {
                    folders.insert(id.to_string(), n.to_string());
                }
            }
        }
        let mut accounts = Vec::new();
        for (i, it) in cx.req_arr(root, "items", "export")?.iter().enumerate() {
            let at = format!("items[{i}]");
            let it = cx.obj(it, &at)?;
            let Some(login) = get(it, "login") else {
                continue;
            };
            let login = cx.obj(login, &format!("{at}.login"))?;
            let Some(totp) = cx.opt_str(login, "totp", &format!("{at}.login"))? else {
                continue;
            };
            if totp.trim().is_empty() {
                continue;
            }
            let name = cx.opt_str(it, "name", &at)?.unwrap_or("");
            let user = cx
                .opt_str(login, "username", &format!("{at}.login"))?
                .unwrap_or("");
            let mut a = from_totp(&cx, totp, name, user, &format!("{at}.login.totp"))?;
            a.note = cx.opt_str(it, "notes", &at)?.unwrap_or("").to_string();
            a.pinned = cx.opt_bool(it, "favorite", &at)?.unwrap_or(false);
            if let Some(f) = cx
                .opt_str(it, "folderId", &at)?
                .and_then(|f| folders.get(f))
            {
                a.tags.push(f.clone());
            }
            accounts.push(a);
        }
        Ok(Imported {
            format: Format::Bitwarden,
            encrypted: false,
            accounts,
            skipped: Vec::new(),
        })
    }
}

/// An account from a Bitwarden TOTP field.
fn from_totp(
    cx: &Ctx,
    totp: &str,
    name: &str,
    user: &str,
    at: &str,
) -> Result<Account, TransferError> {
    let totp = totp.trim();
    if totp
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth://"))
    {
        let uri = KeyUri::parse(totp).map_err(|e| cx.err(at, otp_reason(&e)))?;
        let mut a = Account::from_key_uri(&uri, 0);
        if a.issuer.is_empty() {
            a.issuer = name.trim().to_string();
        }
        if a.label.is_empty() {
            a.label = user.trim().to_string();
        }
        return Ok(a);
    }
    let (kind, secret) = match totp.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("steam://") => (Kind::Steam, &totp[8..]),
        _ => (Kind::Totp, totp),
    };
    account(
        cx.format,
        at,
        Fields {
            issuer: name.into(),
            label: user.into(),
            secret: cx.secret(secret, at)?,
            kind,
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            counter: 0,
        },
    )
}

pub struct BitwardenCsvImporter;

impl Importer for BitwardenCsvImporter {
    fn format(&self) -> Format {
        Format::BitwardenCsv
    }

    fn detect(&self, data: &[u8]) -> bool {
        text(data)
            .and_then(|t| t.lines().next())
            .is_some_and(|h| h.contains("login_totp"))
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx {
            format: "Bitwarden CSV",
        };
        let t = text(data).ok_or_else(|| cx.err("the start", "the file is not UTF-8 text"))?;
        let rows = csv_rows(t).map_err(|line| {
            cx.err(
                format!("line {line}"),
                "a quoted field is not closed (truncated?)",
            )
        })?;
        let mut it = rows.into_iter();
        let (_, header) = it.next().ok_or_else(|| cx.err("line 1", "no header row"))?;
        let col = |n: &str| header.iter().position(|h| h.trim() == n);
        let totp_col = col("login_totp").ok_or_else(|| cx.err("line 1", "no login_totp column"))?;
        let (name_col, user_col, notes_col, fav_col, folder_col) = (
            col("name"),
            col("login_username"),
            col("notes"),
            col("favorite"),
            col("folder"),
        );
        let mut accounts = Vec::new();
        for (line, row) in it {
            let field =
                |c: Option<usize>| c.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("");
            let totp = field(Some(totp_col));
            if totp.trim().is_empty() {
                continue;
            }
            let mut a = from_totp(
                &cx,
                totp,
                field(name_col),
                field(user_col),
                &format!("line {line}, login_totp"),
            )?;
            a.note = field(notes_col).to_string();
            a.pinned = field(fav_col).trim() == "1";
            if !field(folder_col).trim().is_empty() {
                a.tags.push(field(folder_col).trim().to_string());
            }
            accounts.push(a);
        }
        Ok(Imported {
            format: Format::BitwardenCsv,
            encrypted: false,
            accounts,
            skipped: Vec::new(),
        })
    }
}

/// RFC 4180 rows with their 1-based starting line; `Err(line)` for an unclosed quote.
fn csv_rows(t: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = t.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].is_empty()) {
                    rows.push((start, std::mem::take(&mut row)));
                }
                row.clear();
                line += 1;
                start = line;
                any = false;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(start);
    }
    if any {
        row.push(field);
        rows.push((start, row));
    }
    Ok(rows)
}
