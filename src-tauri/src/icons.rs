//! Logos for the window: the one each account's row shows (its pick, an imported Aegis pack's
//! icon, a Simple Icons logo, or its initial), the picker's search, pack import, one icon's
//! image. Every rule is twofold_icons' (`twofold icons` is the CLI twin for the packs).

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use twofold_icons::{normalise_brand, Names, SimpleIcons};

use crate::error::Res;
use crate::state::AppState;

fn packs_dir(state: &AppState) -> Res<PathBuf> {
    let vault = state.vault_path.as_ref().map_err(|e| e.clone())?;
    Ok(twofold_icons::packs_dir_for(vault))
}

/// Reads an Aegis icon pack (a ZIP the page read from a file the user chose) and keeps it.
#[tauri::command]
pub async fn import_icon_pack(state: State<'_, AppState>, bytes: Vec<u8>) -> Res<String> {
    let dir = packs_dir(&state)?;
    let pack = twofold_icons::install(&dir, &bytes)?;
    Ok(pack.name)
}

/// The Simple Icons name index, read once from the app's own assets (`logos/index.json`, beside
/// the logos, written by `scripts/gen-logos.mjs`). None: a build without it (`tauri dev` before
/// `npm run build`), which only means no logo is matched.
fn simple_icons(app: &AppHandle) -> Option<&'static SimpleIcons> {
    static INDEX: OnceLock<Option<SimpleIcons>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let asset = app.asset_resolver().get("logos/index.json".into())?;
            SimpleIcons::from_json(asset.bytes())
                .map_err(|e| eprintln!("twofold: no logos are matched: {e}"))
                .ok()
        })
        .as_ref()
}

/// An account, as far as its logo goes.
#[derive(Deserialize)]
pub struct LogoAsk {
    issuer: String,
    label: String,
    /// The host of the otpauth `image` parameter ("" for none).
    image_host: String,
    /// The user's pick: "" automatic, "initial", "si:<slug>", "pack:<uuid>/<file>".
    icon: String,
}

/// What each account's row shows: its own pick ("si:<slug>", "initial", or an imported icon
/// whose pack is still installed), else the imported icon the packs suggest for its issuer,
/// else the Simple Icons logo of its issuer, image host or e-mail domain, else "initial".
#[tauri::command]
pub async fn logo_choices(
    app: AppHandle,
    state: State<'_, AppState>,
    accounts: Vec<LogoAsk>,
) -> Res<Vec<String>> {
    let packs = twofold_icons::installed(&packs_dir(&state)?);
    let simple = simple_icons(&app);
    let choices = accounts
        .iter()
        .map(|a| {
            let pack_of_pick = a.icon.strip_prefix("pack:").and_then(|c| c.split_once('/'));
            let own = a.icon == "initial"
                || a.icon.starts_with("si:")
                || pack_of_pick.is_some_and(|(uuid, _)| packs.iter().any(|p| p.uuid == uuid));
            if own {
                return a.icon.clone();
            }
            if let Some((p, icon)) = twofold_icons::suggest(&packs, &a.issuer) {
                return icon.choice(p);
            }
            let names = Names {
                issuer: &a.issuer,
                label: &a.label,
                image_host: Some(a.image_host.as_str()).filter(|h| !h.is_empty()),
            };
            match simple.and_then(|s| s.slug_for(&names)) {
                Some(slug) => format!("si:{slug}"),
                None => "initial".into(),
            }
        })
        .collect();
    // The page asks this last in every refresh of the list: what the refresh freed goes back.
    crate::memory::trim_soon();
    Ok(choices)
}

/// One result of the icon picker's search.
#[derive(Serialize)]
pub struct IconChoice {
    /// What the account keeps when it is picked.
    choice: String,
    title: String,
}

/// The icon picker's results for a search, at most `max`: imported icons first (an icon's file
/// name or an issuer it lists holding the query), then Simple Icons logos (`SimpleIcons::search`).
#[tauri::command]
pub async fn icon_search(
    app: AppHandle,
    state: State<'_, AppState>,
    query: String,
    max: usize,
) -> Res<Vec<IconChoice>> {
    let q = normalise_brand(&query);
    let mut out = Vec::new();
    for p in twofold_icons::installed(&packs_dir(&state)?) {
        for i in &p.icons {
            let fits = q.is_empty()
                || normalise_brand(&i.name()).contains(&q)
                || i.issuer.iter().any(|n| normalise_brand(n).contains(&q));
            if fits && out.len() < max {
                let title = format!("{} ({})", i.title(), p.name);
                out.push(IconChoice {
                    choice: i.choice(&p),
                    title,
                });
            }
        }
    }
    if let Some(simple) = simple_icons(&app) {
        let room = max.saturating_sub(out.len());
        out.extend(
            simple
                .search(&query, room)
                .into_iter()
                .map(|(slug, title)| IconChoice {
                    choice: format!("si:{slug}"),
                    title: title.into(),
                }),
        );
    }
    Ok(out)
}

/// A logo's name for people: the brand, or the imported icon's issuer (its file name if none).
#[tauri::command]
pub async fn icon_title(app: AppHandle, state: State<'_, AppState>, choice: String) -> Res<String> {
    if let Some(slug) = choice.strip_prefix("si:") {
        return Ok(simple_icons(&app)
            .and_then(|s| s.title(slug))
            .unwrap_or(slug)
            .to_owned());
    }
    for p in twofold_icons::installed(&packs_dir(&state)?) {
        if let Some(i) = p.icons.iter().find(|i| i.choice(&p) == choice) {
            return Ok(i.title());
        }
    }
    Ok(choice)
}

/// One imported icon as a `data:` URL, for an `<img>`.
#[tauri::command]
pub async fn icon_pack_image(state: State<'_, AppState>, choice: String) -> Res<String> {
    Ok(twofold_icons::data_url(&packs_dir(&state)?, &choice)?)
}
