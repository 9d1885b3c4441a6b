//! Aegis icon packs: a ZIP holding `pack.json` and the icons it names, as the Aegis app reads
//! them (`IconPack.java`, `IconType.java` in beemdevelopment/Aegis; packs such as
//! github.com/aegis-icons/aegis-icons):
//!
//! ```json
//! {"uuid": "…", "name": "…", "version": 1,
//!  "icons": [{"filename": "icons/1_Primary/GitHub.svg", "category": "Primary",
//!             "issuer": ["GitHub"]}]}
//! ```
//!
//! Icons are SVG, PNG or JPEG, told by the file name's extension. Reading is bounded (the
//! ZIP's size, the number of icons, each file's and all files' unpacked bytes, counted as they
//! are unpacked rather than taken from the ZIP's headers), and the files are never written
//! under their own names: a pack is kept as `<packs dir>/<uuid>/pack.json` (its icons each with
//! the numbered file that holds it) and `<n>.svg|png|jpg`. An icon reaches the window only as
//! a `data:` URL for an `<img>` (an SVG there runs no script).
//!
//! Also the Simple Icons name index and its matching rules ([`SimpleIcons`], `simple.rs`): which
//! logo an issuer gets when no pack has one.

use std::fs;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

mod matching;
mod simple;
pub use matching::{normalise, suggest};
pub use simple::{normalise_brand, Names, SimpleIcons};

/// The largest pack file read (the Aegis-Icons pack is about 3 MB).
pub const MAX_PACK_BYTES: u64 = 64 * 1024 * 1024;
/// The most icons in one pack.
pub const MAX_ICONS: usize = 10_000;
/// The largest icon file, unpacked.
pub const MAX_ICON_BYTES: u64 = 1024 * 1024;
/// All icon files together, unpacked.
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// The largest `pack.json`, unpacked.
pub const MAX_PACK_JSON_BYTES: u64 = 8 * 1024 * 1024;
/// The most issuer names one icon lists, and the longest name or file name kept.
const MAX_ISSUERS: usize = 64;
const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum IconError {
    #[error("not an icon pack: {0}")]
    NotAPack(String),
    #[error("the icon pack is too large: {0}")]
    TooLarge(String),
    #[error("the logo index is damaged: {0}")]
    BadLogoIndex(String),
    #[error("no icon pack {0} is installed")]
    NoSuchPack(String),
    #[error("the pack has no icon {0}")]
    NoSuchIcon(String),
    #[error("cannot {what} {}: {err}", .path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        err: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, IconError>;

/// One icon as `pack.json` lists it, plus (once installed) the file Twofold keeps it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Icon {
    pub filename: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub issuer: Vec<String>,
    /// `<n>.svg|png|jpg` inside the pack's folder; empty before installing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stored: String,
}

impl Icon {
    /// The file's name without its folders and extension (`icons/1_Primary/GitHub.svg` →
    /// `GitHub`), as Aegis names an icon.
    pub fn name(&self) -> String {
        let file = self.filename.rsplit('/').next().unwrap_or(&self.filename);
        file.rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .to_string()
    }

    /// What people call it: the first issuer it lists, else its name.
    pub fn title(&self) -> String {
        self.issuer.first().cloned().unwrap_or_else(|| self.name())
    }

    /// `pack:<uuid>/<filename>`, the choice an account keeps (see `twofold_vault::icon`).
    pub fn choice(&self, pack: &Pack) -> String {
        format!("pack:{}/{}", pack.uuid, self.filename)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    pub uuid: String,
    pub name: String,
    pub version: i64,
    pub icons: Vec<Icon>,
}

/// The kind of an icon file, from its name as Aegis tells it.
fn kind_of(filename: &str) -> Option<(&'static str, &'static str)> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "svg" => Some(("svg", "image/svg+xml")),
        "png" => Some(("png", "image/png")),
        "jpg" | "jpeg" => Some(("jpg", "image/jpeg")),
        _ => None,
    }
}

/// Reads up to `limit` bytes of `r`; more is an error naming `what`.
fn read_limited(r: impl Read, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| IconError::NotAPack(format!("{what} cannot be unpacked ({e})")))?;
    if buf.len() as u64 > limit {
        return Err(IconError::TooLarge(format!(
            "{what} unpacks to more than {} KiB",
            limit / 1024
        )));
    }
    Ok(buf)
}

fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Reads a pack's ZIP: its `pack.json` and, in the order of its icons, each icon's bytes. Icons
/// of another type than SVG, PNG or JPEG, or whose file is not in the ZIP, are left out; a pack
/// with none left is refused.
pub fn read_pack(zip_bytes: &[u8]) -> Result<(Pack, Vec<Vec<u8>>)> {
    if zip_bytes.len() as u64 > MAX_PACK_BYTES {
        return Err(IconError::TooLarge(format!(
            "the file is over {} MiB",
            MAX_PACK_BYTES >> 20
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(zip_bytes))
        .map_err(|e| IconError::NotAPack(format!("it is not a ZIP file ({e})")))?;
    if zip.len() > MAX_ICONS + 64 {
        return Err(IconError::TooLarge(format!(
            "it holds {} files (at most {MAX_ICONS} icons)",
            zip.len()
        )));
    }
    let json = {
        let f = zip
            .by_name("pack.json")
            .map_err(|_| IconError::NotAPack("it has no pack.json at its top".into()))?;
        read_limited(f, MAX_PACK_JSON_BYTES, "pack.json")?
    };
    let raw: Pack = serde_json::from_slice(&json)
        .map_err(|e| IconError::NotAPack(format!("pack.json is not an icon pack's ({e})")))?;
    let uuid = uuid::Uuid::parse_str(raw.uuid.trim())
        .map_err(|_| {
            IconError::NotAPack(format!(
                "its uuid '{}' is not a UUID",
                clean_text(&raw.uuid)
            ))
        })?
        .hyphenated()
        .to_string();
    if raw.icons.len() > MAX_ICONS {
        return Err(IconError::TooLarge(format!(
            "it lists {} icons (at most {MAX_ICONS})",
            raw.icons.len()
        )));
    }
    let mut icons = Vec::new();
    let mut files = Vec::new();
    let mut total = 0u64;
    for icon in raw.icons {
        let filename = icon.filename.trim().to_string();
        if filename.is_empty()
            || filename.chars().count() > MAX_NAME_CHARS
            || kind_of(&filename).is_none()
        {
            continue;
        }
        let Ok(f) = zip.by_name(&filename) else {
            continue;
        };
        let bytes = read_limited(f, MAX_ICON_BYTES, &filename)?;
        total += bytes.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(IconError::TooLarge(format!(
                "its icons unpack to more than {} MiB",
                MAX_TOTAL_BYTES >> 20
            )));
        }
        icons.push(Icon {
            filename,
            category: icon
                .category
                .map(|c| clean_text(&c))
                .filter(|c| !c.is_empty()),
            issuer: icon
                .issuer
                .iter()
                .map(|s| clean_text(s))
                .filter(|s| !s.is_empty())
                .take(MAX_ISSUERS)
                .collect(),
            stored: String::new(),
        });
        files.push(bytes);
    }
    if icons.is_empty() {
        return Err(IconError::NotAPack(
            "none of the icons its pack.json lists is in it as an SVG, PNG or JPEG file".into(),
        ));
    }
    let name = match clean_text(&raw.name) {
        n if n.is_empty() => "Icon pack".to_string(),
        n => n,
    };
    Ok((
        Pack {
            uuid,
            name,
            version: raw.version,
            icons,
        },
        files,
    ))
}

/// The folder the packs of the vault at `vault_path` are kept in: `icon-packs` beside it.
pub fn packs_dir_for(vault_path: &Path) -> PathBuf {
    vault_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("icon-packs")
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> IconError + 'a {
    move |err| IconError::Io {
        what,
        path: path.to_path_buf(),
        err,
    }
}

/// Reads the pack in `zip_bytes` and keeps it in `dir` (replacing a pack with the same uuid,
/// whatever its version); returns it as kept.
pub fn install(dir: &Path, zip_bytes: &[u8]) -> Result<Pack> {
    let (mut pack, files) = read_pack(zip_bytes)?;
    fs::create_dir_all(dir).map_err(io("create", dir))?;
    let staging = dir.join(format!(".{}.new", pack.uuid));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io("remove", &staging))?;
    }
    fs::create_dir(&staging).map_err(io("create", &staging))?;
    for (n, (icon, bytes)) in pack.icons.iter_mut().zip(&files).enumerate() {
        let (ext, _) = kind_of(&icon.filename).unwrap_or(("svg", ""));
        icon.stored = format!("{n}.{ext}");
        let path = staging.join(&icon.stored);
        fs::write(&path, bytes).map_err(io("write", &path))?;
    }
    let json = serde_json::to_vec(&pack).map_err(|e| IconError::NotAPack(e.to_string()))?;
    let index = staging.join("pack.json");
    fs::write(&index, json).map_err(io("write", &index))?;
    let target = dir.join(&pack.uuid);
    if target.exists() {
        fs::remove_dir_all(&target).map_err(io("remove", &target))?;
    }
    fs::rename(&staging, &target).map_err(io("move into place", &target))?;
    Ok(pack)
}

/// Every pack kept in `dir`, by name; a folder that is not a kept pack is passed over.
pub fn installed(dir: &Path) -> Vec<Pack> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut packs: Vec<Pack> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            let bytes = fs::read(e.path().join("pack.json")).ok()?;
            let p: Pack = serde_json::from_slice(&bytes).ok()?;
            (p.uuid == e.file_name().to_string_lossy()).then_some(p)
        })
        .collect();
    packs.sort_by_key(|p| p.name.to_lowercase());
    packs
}

/// The icon an account's choice `pack:<uuid>/<filename>` names, as a `data:` URL.
pub fn data_url(dir: &Path, choice: &str) -> Result<String> {
    let rest = choice
        .strip_prefix("pack:")
        .ok_or_else(|| IconError::NoSuchIcon(clean_text(choice)))?;
    let (uuid, filename) = rest.split_once('/').unwrap_or((rest, ""));
    let pack = installed(dir)
        .into_iter()
        .find(|p| p.uuid == uuid)
        .ok_or_else(|| IconError::NoSuchPack(clean_text(uuid)))?;
    let icon = pack
        .icons
        .iter()
        .find(|i| i.filename == filename)
        .ok_or_else(|| IconError::NoSuchIcon(clean_text(filename)))?;
    let (_, mime) =
        kind_of(&icon.filename).ok_or_else(|| IconError::NoSuchIcon(clean_text(filename)))?;
    // `stored` is ours, but a hand-edited pack.json must not read outside the folder.
    if !icon
        .stored
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        || icon.stored.starts_with('.')
    {
        return Err(IconError::NoSuchIcon(clean_text(filename)));
    }
    let path = dir.join(&pack.uuid).join(&icon.stored);
    let f = fs::File::open(&path).map_err(io("read", &path))?;
    let bytes = read_limited(f, MAX_ICON_BYTES, &icon.filename)?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests;
