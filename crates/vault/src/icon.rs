//! An account's chosen icon and the web address its otpauth `image` parameter names.
//!
//! The choice is one string kept with the account (empty when never set):
//!
//! * `""` — automatic: the front end matches the issuer (and the `image` host) itself;
//! * `"initial"` — always the coloured initial;
//! * `"si:<slug>"` — a Simple Icons logo (slug: `a-z`, `0-9`, `_`, at most 64 characters);
//! * `"pack:<uuid>/<file>"` — an icon of an imported Aegis icon pack (the file as named in the
//!   pack's `pack.json`).
//!
//! Only the form is checked here; whether the slug or the pack exists is the front end's
//! business (a missing one falls back to the automatic choice).

use crate::error::{Result, VaultError};

/// The longest icon choice kept (a pack's file names are bounded by the pack reader too).
pub const MAX_ICON_CHARS: usize = 300;

/// `icon` checked and trimmed; `"auto"` is the same as the empty choice.
pub fn normalise_icon(icon: &str) -> Result<String> {
    let icon = icon.trim();
    if icon.is_empty() || icon == "auto" {
        return Ok(String::new());
    }
    if icon == "initial" {
        return Ok(icon.to_string());
    }
    let bad = |why: &str| VaultError::InvalidIcon(why.to_string());
    if icon.chars().count() > MAX_ICON_CHARS {
        return Err(bad("it is longer than 300 characters"));
    }
    if icon.chars().any(char::is_control) {
        return Err(bad("it contains control characters"));
    }
    if let Some(slug) = icon.strip_prefix("si:") {
        let ok = !slug.is_empty()
            && slug.len() <= 64
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        return if ok {
            Ok(icon.to_string())
        } else {
            Err(bad("a Simple Icons slug has only a-z, 0-9 and _"))
        };
    }
    if let Some(rest) = icon.strip_prefix("pack:") {
        let (uuid, file) = rest.split_once('/').unwrap_or((rest, ""));
        let uuid_ok = uuid.len() == 36 && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        return if uuid_ok && !file.is_empty() {
            Ok(format!("pack:{}/{file}", uuid.to_ascii_lowercase()))
        } else {
            Err(bad("a pack icon is pack:<pack uuid>/<file>"))
        };
    }
    Err(bad("use auto, initial, si:<slug> or pack:<uuid>/<file>"))
}

/// The host of the account's otpauth `image` parameter (`https://github.com/x.png` →
/// `github.com`), lower-case, or empty when there is none.
pub fn image_host(extra: &[(String, String)]) -> String {
    let Some((_, url)) = extra.iter().find(|(k, _)| k.eq_ignore_ascii_case("image")) else {
        return String::new();
    };
    let Some((_, rest)) = url.trim().split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    if host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        host.to_ascii_lowercase()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_choices_are_checked() {
        assert_eq!(normalise_icon("").unwrap(), "");
        assert_eq!(normalise_icon(" auto ").unwrap(), "");
        assert_eq!(normalise_icon("initial").unwrap(), "initial");
        assert_eq!(normalise_icon("si:github").unwrap(), "si:github");
        assert_eq!(
            normalise_icon("pack:0AB3CF0E-8A8B-4C54-9E43-3B0A6E3B6B2F/icons/GitHub.svg").unwrap(),
            "pack:0ab3cf0e-8a8b-4c54-9e43-3b0a6e3b6b2f/icons/GitHub.svg"
        );
        for bad in [
            "si:",
            "si:Git Hub",
            "si:<x>",
            "pack:nope/x.svg",
            "pack:",
            "github",
            "si:a\u{7}",
        ] {
            let e = normalise_icon(bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid icon"), "{bad}: {e}");
        }
        assert!(normalise_icon(&format!("si:{}", "a".repeat(65))).is_err());
    }

    #[test]
    fn image_host_is_read_from_the_image_parameter() {
        let extra = |v: &str| vec![("image".to_string(), v.to_string())];
        assert_eq!(
            image_host(&extra("https://GitHub.com/logo.png")),
            "github.com"
        );
        assert_eq!(
            image_host(&extra("https://u@cdn.example.org:8443/a?b")),
            "cdn.example.org"
        );
        assert_eq!(image_host(&extra("not a url")), "");
        assert_eq!(image_host(&extra("https://<script>/")), "");
        assert_eq!(image_host(&[]), "");
    }
}

#[cfg(test)]
mod vault_json {
    use crate::Account;

    #[test]
    fn an_account_saved_before_icons_existed_loads_with_the_automatic_icon() {
        let json = r#"{"id":"0123456789ab","issuer":"GitHub","label":"ann","secret":"JBSWY3DPEHPK3PXP",
            "kind":"totp","algorithm":"SHA1","digits":6,"period":30,"created":1,"updated":1}"#;
        let mut a: Account = serde_json::from_str(json).unwrap();
        assert_eq!(a.icon, "");
        assert!(!serde_json::to_string(&a).unwrap().contains("icon"));
        a.icon = "si:github".into();
        let back: Account = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back.icon, "si:github");
        assert_eq!(back.summary().icon, "si:github");
    }
}
