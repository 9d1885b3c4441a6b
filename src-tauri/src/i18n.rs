//! The shell's own words in the window's language: the tray menu, the copy notification, the
//! vault banner and the refusals worded here. They come from the window's catalogs
//! (ui/src/locales/*.json, under "shell"), so one file per language holds every word of the
//! app and tests/i18n.test.mjs checks them all. Errors from the crates below (the vault's,
//! a transfer's) are data and stay English; the shell words the sentence around them.
//! The CLI does not use this: its messages stay English.

use std::sync::{OnceLock, RwLock};

use serde_json::Value;

/// A language the window has a complete catalog for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// The language of a locale ("de_DE.UTF-8", "de-AT", "C"): English when not one of ours.
    pub fn of_locale(locale: &str) -> Lang {
        let base = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if base == "de" {
            Lang::De
        } else {
            Lang::En
        }
    }

    /// The language Settings ask for: "system" is the desktop locale's.
    pub fn of_setting(setting: &str, desktop_locale: &str) -> Lang {
        match setting {
            "en" => Lang::En,
            "de" => Lang::De,
            _ => Lang::of_locale(desktop_locale),
        }
    }

    fn catalog(self) -> &'static Value {
        static EN: OnceLock<Value> = OnceLock::new();
        static DE: OnceLock<Value> = OnceLock::new();
        let (cell, text) = match self {
            Lang::En => (&EN, include_str!("../../ui/src/locales/en.json")),
            Lang::De => (&DE, include_str!("../../ui/src/locales/de.json")),
        };
        // The catalogs are checked JSON (tests/i18n.test.mjs); a broken one would give keys.
        cell.get_or_init(|| serde_json::from_str(text).unwrap_or(Value::Null))
    }
}

static CURRENT: RwLock<Lang> = RwLock::new(Lang::En);

/// Sets the shell's language (at start and when Settings change it).
pub fn set_language(lang: Lang) {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = lang;
}

/// The shell's language now.
pub fn current() -> Lang {
    *CURRENT.read().unwrap_or_else(|e| e.into_inner())
}

/// A message in the shell's language; `args` fill its {{placeholders}}, and a "count" among
/// them picks the plural form (key_one, key_other), as i18next does in the window.
pub fn tr(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    tr_in(current(), key, args)
}

/// [`tr`] in a given language.
pub fn tr_in(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let count = args
        .iter()
        .find(|(k, _)| *k == "count")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    // English and German: "one" for exactly 1, "other" for every other number.
    let keys = match count {
        Some(1) => vec![format!("{key}_one"), key.to_string()],
        Some(_) => vec![format!("{key}_other"), key.to_string()],
        None => vec![key.to_string()],
    };
    let found = [lang, Lang::En]
        .iter()
        .flat_map(|l| keys.iter().map(move |k| lookup(l.catalog(), k)))
        .find_map(|m| m);
    let mut text = found.unwrap_or(key).to_string();
    for (name, value) in &args {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

fn lookup<'a>(catalog: &'a Value, key: &str) -> Option<&'a str> {
    key.split('.')
        .try_fold(catalog, |v, part| v.get(part))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_both_languages_with_placeholders_and_plurals() {
        assert_eq!(tr_in(Lang::En, "shell.tray_show", &[]), "Show Twofold");
        assert_eq!(tr_in(Lang::De, "shell.tray_show", &[]), "Twofold anzeigen");
        assert_eq!(
            tr_in(Lang::En, "shell.clipboard_clears", &[("count", &1)]),
            "The clipboard clears in 1 s."
        );
        assert_eq!(
            tr_in(Lang::De, "shell.more_pinned", &[("count", &1)]),
            "1 weiteres angeheftetes Konto: Öffne Twofold"
        );
        assert_eq!(
            tr_in(Lang::De, "shell.more_pinned", &[("count", &3)]),
            "3 weitere angeheftete Konten: Öffne Twofold"
        );
        // An unknown key says itself rather than nothing.
        assert_eq!(
            tr_in(Lang::De, "shell.no_such_key", &[]),
            "shell.no_such_key"
        );
    }

    #[test]
    fn the_language_follows_the_setting_then_the_desktop() {
        assert_eq!(Lang::of_setting("system", "de_DE.UTF-8"), Lang::De);
        assert_eq!(Lang::of_setting("system", "de-AT"), Lang::De);
        assert_eq!(Lang::of_setting("system", "fr-FR"), Lang::En);
        assert_eq!(Lang::of_setting("system", "C"), Lang::En);
        assert_eq!(Lang::of_setting("en", "de-DE"), Lang::En);
        assert_eq!(Lang::of_setting("de", "en-US"), Lang::De);
    }
}
