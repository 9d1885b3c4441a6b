//! The tray icon, where the desktop has one: the pinned accounts with their current codes (a
//! click copies one, exactly as the window does: marked sensitive, cleared after the delay),
//! then "Show Twofold" and "Quit". Locked, it names no account and shows no code.
//!
//! On Linux the icon goes through libayatana-appindicator (StatusNotifierItem + a D-Bus menu),
//! loaded at run time: without it, or without a tray host, the app simply has no tray icon.

use std::sync::Mutex;
use std::time::Duration;

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};
use twofold_vault::Account;

use crate::i18n::tr;
use crate::state::{AppState, VaultState};

/// At most this many pinned accounts are listed (a menu taller than the screen helps no one).
const MAX_LINES: usize = 20;

/// One line of the tray menu: an account to copy from, or a disabled note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `copy:<account id>`, or `note` for a line that does nothing.
    pub id: String,
    pub text: String,
}

impl Line {
    fn note(text: &str) -> Self {
        Line {
            id: "note".into(),
            text: text.into(),
        }
    }
}

/// What the tray lists for `accounts` at Unix time `t`: the pinned ones, in the vault's order,
/// as `Issuer (label)  123456`; HOTP accounts say a click gives the next code.
pub fn lines(accounts: &[Account], t: u64) -> Vec<Line> {
    let pinned: Vec<&Account> = accounts.iter().filter(|a| a.pinned).collect();
    if pinned.is_empty() {
        return vec![Line::note(&tr("shell.tray_pin_hint", &[]))];
    }
    let mut out: Vec<Line> = pinned
        .iter()
        .take(MAX_LINES)
        .map(|a| {
            let code = if a.kind.is_timed() {
                a.params()
                    .code(&a.secret, t)
                    .map(|c| c.to_string())
                    .unwrap_or_else(|_| "—".into())
            } else {
                tr("shell.tray_next_code", &[])
            };
            Line {
                id: format!("copy:{}", a.id),
                text: format!("{}  {code}", a.display_name()),
            }
        })
        .collect();
    if pinned.len() > MAX_LINES {
        out.push(Line::note(&tr(
            "shell.more_pinned",
            &[("count", &(pinned.len() - MAX_LINES))],
        )));
    }
    out
}

/// What the tray shows now.
fn current(state: &AppState) -> Vec<Line> {
    if state.status().state == VaultState::Locked {
        return vec![Line::note(&tr("shell.tray_locked", &[]))];
    }
    let guard = state.vault();
    match guard.as_ref() {
        Some(v) => lines(v.accounts(), twofold_otp::unix_now()),
        None => vec![Line::note(&tr("shell.tray_pin_hint", &[]))],
    }
}

/// The menu items of the lines shown, to change their text without rebuilding the menu.
struct Shown {
    lines: Vec<Line>,
    items: Vec<MenuItem<Wry>>,
    /// The language the menu was built in: a change in Settings rebuilds it.
    lang: crate::i18n::Lang,
}

fn build_menu(app: &AppHandle, lines: &[Line]) -> tauri::Result<(Menu<Wry>, Vec<MenuItem<Wry>>)> {
    let menu = Menu::new(app)?;
    let mut items = Vec::with_capacity(lines.len());
    for l in lines {
        let item = MenuItem::with_id(app, &l.id, &l.text, l.id != "note", None::<&str>)?;
        menu.append(&item)?;
        items.push(item);
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let show = tr("shell.tray_show", &[]);
    menu.append(&MenuItem::with_id(app, "show", show, true, None::<&str>)?)?;
    let quit = tr("shell.tray_quit", &[]);
    menu.append(&MenuItem::with_id(app, "quit", quit, true, None::<&str>)?)?;
    Ok((menu, items))
}

/// Creates the tray icon and the thread that keeps its codes current. A desktop without a tray
/// (or without libayatana-appindicator) gets none, and the app goes on.
///
/// Off the start's critical path: the thread first waits for the vault opening at start, then
/// has the main thread build the icon, so neither the window nor the tray waits for the other.
pub fn install(app: &AppHandle) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("twofold-tray".into())
        .spawn(move || {
            let lines = current(&app.state::<AppState>());
            let made = create_on_main_thread(&app, &lines);
            crate::window::tray_ready(&app, made.is_some());
            let Some((tray, items)) = made else {
                return;
            };
            let lang = crate::i18n::current();
            let shown = Mutex::new(Shown { lines, items, lang });
            loop {
                // Codes change on period boundaries: once a second is soon enough, and a menu
                // item is only touched when its text changes.
                std::thread::sleep(Duration::from_secs(1));
                if let Err(e) = refresh(&app, &tray, &shown) {
                    eprintln!("twofold: the tray menu could not be updated: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("twofold: no tray icon: {e}");
    }
}

type Built = (TrayIcon<Wry>, Vec<MenuItem<Wry>>);

/// Builds the icon on the main thread and waits for it; says why on stderr when there is none.
fn create_on_main_thread(app: &AppHandle, lines: &[Line]) -> Option<Built> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (on_main, lines) = (app.clone(), lines.to_vec());
    app.run_on_main_thread(move || {
        let built =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| create(&on_main, &lines)));
        let _ = tx.send(built);
    })
    .ok()?;
    match rx.recv().ok()? {
        Ok(Ok(built)) => Some(built),
        Ok(Err(e)) => {
            eprintln!("twofold: no tray icon: {e}");
            None
        }
        Err(_) => {
            eprintln!("twofold: no tray icon: this desktop has no tray support");
            None
        }
    }
}

fn create(app: &AppHandle, lines: &[Line]) -> tauri::Result<Built> {
    let (menu, items) = build_menu(app, lines)?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Twofold")
        .menu(&menu)
        .on_menu_event(|app, event| on_menu(app, event.id.as_ref()));
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    Ok((builder.build(app)?, items))
}

fn refresh(app: &AppHandle, tray: &TrayIcon<Wry>, shown: &Mutex<Shown>) -> tauri::Result<()> {
    let lines = current(&app.state::<AppState>());
    let lang = crate::i18n::current();
    let mut shown = shown.lock().unwrap();
    if lines == shown.lines && lang == shown.lang {
        return Ok(());
    }
    let same_ids = lang == shown.lang
        && lines.len() == shown.lines.len()
        && lines.iter().zip(&shown.lines).all(|(a, b)| a.id == b.id);
    if same_ids {
        for ((new, old), item) in lines.iter().zip(&shown.lines).zip(&shown.items) {
            if new.text != old.text {
                item.set_text(&new.text)?;
            }
        }
    } else {
        let (menu, items) = build_menu(app, &lines)?;
        tray.set_menu(Some(menu))?;
        shown.items = items;
    }
    shown.lines = lines;
    shown.lang = lang;
    Ok(())
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "show" => crate::show_main_window(app),
        "quit" => app.exit(0),
        _ => {
            if let Some(account) = id.strip_prefix("copy:") {
                let state = app.state::<AppState>();
                match crate::commands::copy(&state, account) {
                    // The window may be hidden: the desktop says the copy happened.
                    Ok(seconds) => crate::window::notify_copied(seconds),
                    Err(e) => eprintln!("twofold: could not copy from the tray: {}", e.message()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(issuer: &str, label: &str, pinned: bool) -> Account {
        let uri = format!("otpauth://totp/{issuer}:{label}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer={issuer}");
        let mut a = Account::from_key_uri(&twofold_otp::KeyUri::parse(&uri).unwrap(), 0);
        a.pinned = pinned;
        a
    }

    #[test]
    fn only_pinned_accounts_with_their_rfc_6238_code() {
        let accounts = [
            account("GitHub", "alice", true),
            account("Hidden", "bob", false),
        ];
        // RFC 6238's SHA1 vector at T = 59: 94287082, last six digits.
        let l = lines(&accounts, 59);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].text, "GitHub (alice)  287082");
        assert_eq!(l[0].id, format!("copy:{}", accounts[0].id));
    }

    #[test]
    fn nothing_pinned_says_how() {
        let l = lines(&[account("GitHub", "alice", false)], 59);
        assert_eq!(l, vec![Line::note("Pin accounts to see their codes here")]);
    }

    #[test]
    fn a_long_list_is_cut_with_a_note() {
        let many: Vec<Account> = (0..MAX_LINES + 3)
            .map(|i| account("Corp", &format!("user{i}"), true))
            .collect();
        let l = lines(&many, 59);
        assert_eq!(l.len(), MAX_LINES + 1);
        assert_eq!(l.last().unwrap().text, "3 more pinned: open Twofold");
    }
}
