//! Imported Aegis icon packs for the window: import, the index the picker searches, the icon an
//! issuer gets, one icon's image. Every rule is twofold_icons' (`twofold icons` is the CLI twin).

use std::path::PathBuf;

use serde::Serialize;
use tauri::State;

use crate::error::Res;
use crate::state::AppState;

fn packs_dir(state: &AppState) -> Res<PathBuf> {
    let vault = state.vault_path.as_ref().map_err(|e| e.clone())?;
    Ok(twofold_icons::packs_dir_for(vault))
}

#[derive(Serialize)]
pub struct PackIcon {
    /// What an account keeps when this icon is picked (`pack:<uuid>/<file>`).
    choice: String,
    /// The file's name without folder and extension, as Aegis shows it.
    name: String,
    issuer: Vec<String>,
}

#[derive(Serialize)]
pub struct PackIndex {
    uuid: String,
    name: String,
    icons: Vec<PackIcon>,
}

/// Every imported pack's icons, for the picker (no image data: see `icon_pack_image`).
#[tauri::command]
pub async fn icon_packs(state: State<'_, AppState>) -> Res<Vec<PackIndex>> {
    let dir = packs_dir(&state)?;
    Ok(twofold_icons::installed(&dir)
        .into_iter()
        .map(|p| PackIndex {
            icons: p
                .icons
                .iter()
                .map(|i| PackIcon {
                    choice: i.choice(&p),
                    name: i.name(),
                    issuer: i.issuer.clone(),
                })
                .collect(),
            uuid: p.uuid,
            name: p.name,
        })
        .collect())
}

/// Reads an Aegis icon pack (a ZIP the page read from a file the user chose) and keeps it.
#[tauri::command]
pub async fn import_icon_pack(state: State<'_, AppState>, bytes: Vec<u8>) -> Res<String> {
    let dir = packs_dir(&state)?;
    let pack = twofold_icons::install(&dir, &bytes)?;
    Ok(pack.name)
}

/// For each issuer, the imported icon the packs suggest (`pack:<uuid>/<file>`), or "".
#[tauri::command]
pub async fn icon_pack_matches(
    state: State<'_, AppState>,
    issuers: Vec<String>,
) -> Res<Vec<String>> {
    let packs = twofold_icons::installed(&packs_dir(&state)?);
    Ok(issuers
        .iter()
        .map(|i| {
            twofold_icons::suggest(&packs, i)
                .map(|(p, icon)| icon.choice(p))
                .unwrap_or_default()
        })
        .collect())
}

/// One imported icon as a `data:` URL, for an `<img>`.
#[tauri::command]
pub async fn icon_pack_image(state: State<'_, AppState>, choice: String) -> Res<String> {
    Ok(twofold_icons::data_url(&packs_dir(&state)?, &choice)?)
}
