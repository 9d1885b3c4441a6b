//! Adding accounts: a link, a form, a scanned image or screen; what waits to be confirmed.

use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_otp::{parse_number, KeyFields, KeyUri, OtpError};
use twofold_vault::intake::{self, Duplicate};
use twofold_vault::Account;

use super::{err, now, Res};
use crate::state::AppState;

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AddResult {
    added: Vec<String>,
    skipped_duplicates: usize,
}

fn add_accounts(state: &AppState, accounts: Vec<Account>, tags: &[String]) -> Res<AddResult> {
    state.change(true, |v| {
        let accounts = accounts
            .into_iter()
            .map(|mut a| {
                a.tags = twofold_vault::account::normalise_tags(
                    a.tags.iter().chain(tags).cloned().collect(),
                );
                a
            })
            .collect();
        let (keep, skipped) = intake::without_duplicates(v.accounts(), accounts);
        let added = if keep.is_empty() {
            Vec::new()
        } else {
            v.add_many(keep).map_err(err)?
        };
        Ok(AddResult {
            added,
            skipped_duplicates: skipped,
        })
    })
}

#[tauri::command]
pub async fn add_uri(state: State<'_, AppState>, uri: String, tags: Vec<String>) -> Res<AddResult> {
    let accounts = intake::accounts_from_payload(&uri, now()).map_err(err)?;
    if accounts.is_empty() {
        return Err(err(intake::nothing_to_add()));
    }
    add_accounts(&state, accounts, &tags)
}

/// Adds what a scan or a link found, by the handles [`Found`] gave the page; they are then
/// forgotten.
#[tauri::command]
pub async fn add_found(
    state: State<'_, AppState>,
    handles: Vec<String>,
    tags: Vec<String>,
) -> Res<AddResult> {
    let accounts = state.pending.accounts(&handles)?;
    let r = add_accounts(&state, accounts, &tags)?;
    state.pending.remove(&handles);
    Ok(r)
}

/// Forgets what a scan or a link found without adding it (the dialog was cancelled).
#[tauri::command]
pub async fn discard_found(state: State<'_, AppState>, handles: Vec<String>) -> Res<()> {
    state.pending.remove(&handles);
    Ok(())
}

/// The "Enter a key" form, its fields as typed. Fields the form hides for the chosen kind come
/// as `null`.
#[derive(Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ManualForm {
    secret: String,
    issuer: String,
    label: String,
    kind: String,
    algorithm: Option<String>,
    digits: Option<String>,
    period: Option<String>,
    counter: Option<String>,
    tags: Vec<String>,
}

impl Drop for ManualForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl ManualForm {
    /// The account the form describes, or every problem with it, by the otp crate's rules (the
    /// CLI's `--secret` flags go through the same `KeyUri::from_fields`); `to_keep`: it must have
    /// a name too.
    fn check(&self, to_keep: bool) -> Result<KeyUri, Vec<OtpError>> {
        let mut problems = Vec::new();
        fn number<T: std::str::FromStr>(
            text: &Option<String>,
            field: &'static str,
            problems: &mut Vec<OtpError>,
        ) -> Option<T> {
            parse_number(text.as_deref(), field).unwrap_or_else(|e| {
                problems.push(e);
                None
            })
        }
        let digits = number(&self.digits, "digits", &mut problems);
        let period = number(&self.period, "period", &mut problems);
        let counter = number(&self.counter, "counter", &mut problems);
        let kind = self.kind.parse().map_err(|e| vec![e])?;
        let algorithm = self
            .algorithm
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e| vec![e])?;
        let fields = KeyFields {
            kind,
            secret: &self.secret,
            issuer: &self.issuer,
            label: &self.label,
            algorithm,
            digits,
            period,
            counter,
        };
        problems.extend(fields.problems(to_keep));
        if problems.is_empty() {
            KeyUri::from_fields(&fields).map_err(|e| vec![e])
        } else {
            Err(problems)
        }
    }
}

/// A problem with the form: the field to show it beside, a stable code the window words in its
/// language, and the otp crate's sentence.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldProblem {
    field: Option<String>,
    code: String,
    message: String,
}

/// The form checked: the code it gives now, or its problems (at most one per field).
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FormCheck {
    code: Option<String>,
    problems: Vec<FieldProblem>,
}

/// Checks the form as it is typed (`to_keep`: as it is submitted, a name required too): the
/// window holds no rule of its own, it shows this answer.
#[tauri::command]
pub async fn preview(form: ManualForm, to_keep: bool) -> Res<FormCheck> {
    let (code, problems) = match form.check(to_keep) {
        Ok(k) => match k.params().code(&k.secret, now()) {
            Ok(c) => (Some(c.to_string()), Vec::new()),
            Err(e) => (None, vec![e]),
        },
        Err(problems) => (None, problems),
    };
    Ok(FormCheck {
        code,
        problems: problems
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field().map(str::to_string),
                code: e.code().to_string(),
                message: e.to_string(),
            })
            .collect(),
    })
}

#[tauri::command]
pub async fn add_manual(state: State<'_, AppState>, form: ManualForm) -> Res<AddResult> {
    // `check` fails with at least one problem; the first is the one to say.
    let k = form.check(true).map_err(|problems| err(&problems[0]))?;
    add_accounts(&state, vec![Account::from_key_uri(&k, now())], &form.tags)
}

#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FoundAccount {
    issuer: String,
    label: String,
    kind: String,
    duplicate: Duplicate,
}

/// What a scanned code or a link holds, as the page sees it: a handle to add it by, and the
/// names — not the payload, which stays in [`AppState::pending`] with its secrets.
#[derive(Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Found {
    /// For `add_found`; `None` when there is nothing to add (not an account, or an error).
    handle: Option<String>,
    kind: &'static str,
    accounts: Vec<FoundAccount>,
    error: Option<String>,
}

/// Where a payload came from, for the sentence of an error.
#[derive(Clone, Copy)]
enum Source {
    QrCode,
    Link,
}

fn describe(state: &AppState, codes: Vec<twofold_scan::Code>) -> Res<Vec<Found>> {
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    codes
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                twofold_scan::PayloadKind::Otpauth => "otpauth",
                twofold_scan::PayloadKind::Migration => "migration",
                twofold_scan::PayloadKind::Other => "other",
            };
            let payload = zeroize::Zeroizing::new(c.text_lossless());
            found(&state.pending, existing, &payload, kind, Source::QrCode)
        })
        .collect()
}

/// The kind of a link's payload (for a link, anything else is read as an otpauth URI).
fn link_kind(link: &str) -> &'static str {
    if link
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("otpauth-migration://")
    {
        "migration"
    } else {
        "otpauth"
    }
}

/// What one payload would add, and which of its accounts the vault already has; the accounts
/// wait in `pending` under the handle returned.
fn found(
    pending: &crate::pending::Pending,
    existing: &[Account],
    payload: &str,
    kind: &'static str,
    source: Source,
) -> Res<Found> {
    let nothing = |error: Option<String>| Found {
        handle: None,
        kind,
        accounts: Vec::new(),
        error,
    };
    if kind == "other" {
        // Not an account: say so without echoing what it holds.
        return Ok(nothing(None));
    }
    match intake::accounts_from_payload(payload, now()) {
        Ok(accounts) => {
            let shown = accounts
                .iter()
                .map(|a| FoundAccount {
                    issuer: a.issuer.clone(),
                    label: a.label.clone(),
                    kind: a.kind.to_string(),
                    duplicate: intake::duplicate_of(existing, a),
                })
                .collect();
            Ok(Found {
                handle: Some(pending.put(accounts)?),
                kind,
                accounts: shown,
                error: None,
            })
        }
        Err(e) => Ok(nothing(Some(match source {
            Source::QrCode => format!("A QR code could not be read as an account: {e}"),
            Source::Link => format!("The link could not be read as an account: {e}"),
        }))),
    }
}

/// Links opened with the app (at its start, or forwarded by a second start): what each would
/// add, for the front end to confirm. Nothing is added without the user's "Add".
#[tauri::command]
pub async fn pending_links(state: State<'_, AppState>) -> Res<Vec<Found>> {
    let links: Vec<zeroize::Zeroizing<String>> = std::mem::take(&mut *state.links.lock().unwrap())
        .into_iter()
        .map(zeroize::Zeroizing::new)
        .collect();
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    links
        .iter()
        .map(|l| found(&state.pending, existing, l, link_kind(l), Source::Link))
        .collect()
}

/// A link pasted into the window: what it would add, as for a scanned one (the page already
/// has the link the user pasted; the answer does not repeat its secret).
#[tauri::command]
pub async fn intake_link(state: State<'_, AppState>, uri: String) -> Res<Found> {
    let uri = zeroize::Zeroizing::new(uri);
    let guard = state.vault();
    let existing: &[Account] = guard.as_ref().map(|v| v.accounts()).unwrap_or(&[]);
    found(
        &state.pending,
        existing,
        &uri,
        link_kind(&uri),
        Source::Link,
    )
}

/// Scans an image (dropped, pasted or opened) for QR codes.
#[tauri::command]
pub async fn scan_image(state: State<'_, AppState>, bytes: Vec<u8>) -> Res<Vec<Found>> {
    let bytes = zeroize::Zeroizing::new(bytes);
    let codes = twofold_scan::scan_bytes(&bytes, &twofold_scan::Limits::default()).map_err(err)?;
    describe(&state, codes)
}

/// Captures every screen (xdg-desktop-portal where present, X11 otherwise) and scans it.
#[tauri::command]
pub async fn scan_screen(state: State<'_, AppState>) -> Res<Vec<Found>> {
    let codes = twofold_scan::screen::scan_screen(&twofold_scan::Limits::default()).map_err(err)?;
    describe(&state, codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pending::Pending;

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn uri(issuer: &str) -> String {
        format!("otpauth://totp/{issuer}:me@example.com?secret={SECRET}&issuer={issuer}")
    }

    /// What the page receives: names and a handle, never the URI or the secret in any case.
    fn assert_no_secret(json: &str) {
        let upper = json.to_uppercase();
        assert!(!upper.contains(SECRET), "a secret in {json}");
        assert!(!upper.contains("SECRET="), "a URI in {json}");
        assert!(!json.contains("otpauth:"), "a URI in {json}");
    }

    #[test]
    fn a_found_link_shows_names_and_a_handle_and_keeps_the_secret_in_rust() {
        let pending = Pending::default();
        let f = found(&pending, &[], &uri("Linked"), "otpauth", Source::Link).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_no_secret(&json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["accounts"][0]["issuer"], "Linked");
        assert_eq!(v["accounts"][0]["label"], "me@example.com");
        assert_eq!(v["accounts"][0]["duplicate"], "none");
        let handle = v["handle"].as_str().unwrap().to_string();
        let accounts = pending.accounts(&[handle]).unwrap();
        assert_eq!(accounts[0].secret.to_base32().to_string(), SECRET);
    }

    #[test]
    fn a_duplicate_is_named_as_such() {
        let pending = Pending::default();
        let existing = intake::accounts_from_payload(&uri("Dup"), 0).unwrap();
        let f = found(&pending, &existing, &uri("Dup"), "otpauth", Source::QrCode).unwrap();
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["accounts"][0]["duplicate"], "same");
    }

    #[test]
    fn a_bad_payload_or_another_code_gives_no_handle_and_no_payload() {
        let pending = Pending::default();
        let bad = format!("otpauth://totp/X:y?secret={SECRET}&digits=99");
        let f = found(&pending, &[], &bad, "otpauth", Source::Link).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_no_secret(&json);
        assert!(f.handle.is_none() && f.error.is_some());
        let other = found(
            &pending,
            &[],
            "https://example.com/?k=v",
            "other",
            Source::QrCode,
        );
        assert!(other.unwrap().handle.is_none());
    }

    #[test]
    fn a_link_kind_is_read_from_its_scheme() {
        assert_eq!(link_kind("OTPAUTH-MIGRATION://offline?data=x"), "migration");
        assert_eq!(link_kind(&uri("A")), "otpauth");
    }
}
