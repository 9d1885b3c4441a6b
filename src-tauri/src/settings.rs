//! The desktop app's preferences: a small JSON file in the config directory. Nothing secret.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use twofold_vault::SortOrder;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[derive(ts_rs::TS)]
#[ts(export)]
pub struct Settings {
    /// Seconds after which a copied code is cleared from the clipboard (0: never).
    #[ts(type = "number")]
    pub clipboard_clear_seconds: u64,
    /// Seconds of inactivity after which the app locks (needs a passphrase slot; 0: never).
    #[ts(type = "number")]
    pub idle_lock_seconds: u64,
    /// The list's order (the rule is `twofold_vault::listing`).
    pub sort: SortOrder,
    /// Folder of the automatic encrypted backups; empty: no automatic backups. Their password
    /// is in the OS keyring (see backup.rs), never here.
    pub backup_dir: String,
    /// How many automatic backups to keep (the oldest beyond are deleted).
    #[ts(type = "number")]
    pub backup_keep: u64,
    /// The window's zoom in percent (Ctrl+= / Ctrl+− / Ctrl+0).
    #[ts(type = "number")]
    pub zoom_percent: u64,
    /// Closing the window keeps Twofold in the tray (where a tray icon is shown).
    pub close_to_tray: bool,
    /// Start with the window hidden in the tray (where a tray icon is shown).
    pub start_hidden: bool,
    /// The one-time note on closing to the tray has been shown.
    pub close_note_shown: bool,
    /// The list in collapsible sections, one per tag.
    pub group_by_tag: bool,
    /// The window's language: "system" (the desktop locale, see [`desktop_locale`]), "en" or
    /// "de". The CLI's messages stay English.
    pub language: String,
}

/// The languages the window has a complete catalog for (ui/src/locales).
pub const LANGUAGES: [&str; 3] = ["system", "en", "de"];

/// The desktop's locale ("de-DE", "en-US"): on Linux from LANGUAGE, LC_ALL, LC_MESSAGES or LANG
/// (in that order, as gettext reads them), elsewhere the OS's own; "en" when none is set. The
/// window gets it from the shell because WebKitGTK's `navigator.language` need not follow LANG.
pub fn desktop_locale() -> String {
    sys_locale::get_locale().unwrap_or_else(|| "en".into())
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_seconds: 30,
            idle_lock_seconds: 300,
            sort: SortOrder::Manual,
            backup_dir: String::new(),
            backup_keep: 10,
            zoom_percent: 100,
            close_to_tray: true,
            start_hidden: false,
            close_note_shown: false,
            group_by_tag: false,
            language: "system".into(),
        }
    }
}

impl Settings {
    pub fn validate(mut self) -> Result<Self, String> {
        if self.clipboard_clear_seconds > 3600 {
            return Err("the clipboard delay must be at most 3600 seconds".into());
        }
        if self.idle_lock_seconds > 86_400 {
            return Err("the idle lock must be at most 86400 seconds".into());
        }
        if !(1..=1000).contains(&self.backup_keep) {
            return Err("keep between 1 and 1000 automatic backups".into());
        }
        if !(50..=200).contains(&self.zoom_percent) {
            return Err("the zoom must be between 50 and 200 percent".into());
        }
        self.language = self.language.to_lowercase();
        if !LANGUAGES.contains(&self.language.as_str()) {
            return Err(format!(
                "unknown language '{}': use system, en or de",
                self.language
            ));
        }
        self.backup_dir = self.backup_dir.trim().to_string();
        if !self.backup_dir.is_empty() && !Path::new(&self.backup_dir).is_absolute() {
            return Err(format!(
                "the backup folder '{}' is not a full path: choose a folder",
                self.backup_dir
            ));
        }
        Ok(self)
    }

    /// The shell speaks the window's language: set at start and whenever Settings change.
    pub fn apply_language(&self) {
        crate::i18n::set_language(crate::i18n::Lang::of_setting(
            &self.language,
            &desktop_locale(),
        ));
    }

    /// Reads the settings; a missing or unreadable file gives the defaults.
    pub fn load(path: &Path) -> Self {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
            .and_then(|s| s.validate().ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        // Not a secret, but it names the backup folder: private like everything Twofold makes.
        if let Some(dir) = path.parent() {
            twofold_vault::create_private_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let json = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        twofold_vault::write_private_file(path, &json, true)
            .map_err(|e| format!("cannot save {}: {e}", path.display()))
    }
}

/// `TWOFOLD_CONFIG_DIR`, else the platform config directory.
pub fn settings_path() -> PathBuf {
    std::env::var_os("TWOFOLD_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("twofold")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("settings.json")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Fails before: the folder was made 0755 and the file 0644 (the umask's defaults).
    #[test]
    fn settings_are_saved_0600_in_a_0700_folder() {
        let d = std::env::temp_dir().join(format!("twofold-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let path = d.join("twofold/settings.json");
        Settings::default().save(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(
            Settings::load(&path).backup_dir,
            Settings::default().backup_dir
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_language_is_system_en_or_de() {
        assert_eq!(Settings::default().language, "system");
        let with = |l: &str| {
            Settings {
                language: l.into(),
                ..Settings::default()
            }
            .validate()
        };
        assert_eq!(with("DE").unwrap().language, "de");
        assert!(with("en").is_ok() && with("system").is_ok());
        assert_eq!(
            with("fr").unwrap_err(),
            "unknown language 'fr': use system, en or de"
        );
        // An older settings file without the key gets the default.
        let old: Settings = serde_json::from_str(r#"{"sort":"name"}"#).unwrap();
        assert_eq!(old.language, "system");
    }
}
