//! The Simple Icons logos (simple-icons on npm, CC0) an account gets by its issuer: the name
//! index `scripts/gen-logos.mjs` writes beside the logos (`logos/index.json`: `[slug, title]` per
//! icon, `[other name, slug]` per alias, as simple-icons gives them), matched by the issuer, the
//! host of the otpauth `image` parameter, an issuer that is a domain, or the label's e-mail
//! domain when there is no issuer; and searched by the icon picker.

use std::collections::HashMap;

use serde::Deserialize;

use crate::matching::fold_accent;
use crate::{IconError, Result};

/// The index as `gen-logos.mjs` writes it.
#[derive(Deserialize)]
struct Generated {
    icons: Vec<(String, String)>,
    aliases: Vec<(String, String)>,
}

/// The icons, in simple-icons' order, and every name (normalised) that leads to one.
pub struct SimpleIcons {
    icons: Vec<(String, String)>,
    keys: HashMap<String, usize>,
}

/// What an account is matched by.
pub struct Names<'a> {
    pub issuer: &'a str,
    pub label: &'a str,
    /// The host of the otpauth `image` parameter, if it had one.
    pub image_host: Option<&'a str>,
}

impl SimpleIcons {
    /// Reads the index. A name leads to the first icon whose title or slug it is; an alias only
    /// where no icon is called so.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let g: Generated =
            serde_json::from_slice(bytes).map_err(|e| IconError::BadLogoIndex(e.to_string()))?;
        let mut keys = HashMap::new();
        for (n, (slug, title)) in g.icons.iter().enumerate() {
            for name in [title, slug] {
                keys.entry(normalise_brand(name)).or_insert(n);
            }
        }
        let slugs: HashMap<&str, usize> = g
            .icons
            .iter()
            .enumerate()
            .map(|(n, (s, _))| (s.as_str(), n))
            .collect();
        for (name, slug) in &g.aliases {
            if let Some(&n) = slugs.get(slug.as_str()) {
                keys.entry(normalise_brand(name)).or_insert(n);
            }
        }
        keys.remove("");
        Ok(SimpleIcons {
            icons: g.icons,
            keys,
        })
    }

    /// The slug of the logo for an account, if one fits: tried in order, the issuer, the image's
    /// host, the issuer read as a host, and (with no issuer) the label's e-mail domain.
    pub fn slug_for(&self, a: &Names) -> Option<&str> {
        let mut tries = vec![normalise_brand(a.issuer)];
        if let Some(host) = a.image_host {
            tries.extend(host_names(host));
        }
        if looks_like_host(a.issuer) {
            tries.extend(host_names(a.issuer.trim()));
        }
        if a.issuer.is_empty() {
            if let Some(domain) = email_domain(a.label) {
                tries.extend(host_names(domain));
            }
        }
        tries
            .iter()
            .filter(|k| !k.is_empty())
            .find_map(|k| self.keys.get(k))
            .map(|&n| self.icons[n].0.as_str())
    }

    /// The picker's results for a search: names that start with it (or slugs that do) first,
    /// then names that hold it, at most `max`, as `(slug, title)`.
    pub fn search(&self, query: &str, max: usize) -> Vec<(&str, &str)> {
        let q = normalise_brand(query);
        let mut starts = Vec::new();
        let mut holds = Vec::new();
        for (slug, title) in &self.icons {
            if starts.len() >= max {
                break;
            }
            let n = normalise_brand(title);
            if q.is_empty() || n.starts_with(&q) || slug.starts_with(&q) {
                starts.push((slug.as_str(), title.as_str()));
            } else if n.contains(&q) {
                holds.push((slug.as_str(), title.as_str()));
            }
        }
        starts.into_iter().chain(holds).take(max).collect()
    }

    /// A logo's brand name, by slug.
    pub fn title(&self, slug: &str) -> Option<&str> {
        self.icons
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, t)| t.as_str())
    }
}

/// How issuers and brand names are compared: lower case, accents dropped, a legal suffix
/// ("Inc.", "GmbH", ...) taken off, and everything but letters and digits removed ("Zyxwv
/// Corp." and "zyxwv" meet, as do "Proton Mail" and "protonmail").
pub fn normalise_brand(s: &str) -> String {
    const LEGAL: [&str; 6] = ["inc", "llc", "ltd", "corp", "gmbh", "co"];
    let lower: Vec<char> = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(fold_accent)
        .collect();
    let mut out = String::with_capacity(lower.len());
    let mut i = 0;
    while i < lower.len() {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if word(lower[i]) {
            let start = i;
            while i < lower.len() && word(lower[i]) {
                i += 1;
            }
            let w: String = lower[start..i].iter().collect();
            if LEGAL.contains(&w.as_str()) {
                if lower.get(i) == Some(&'.') {
                    i += 1;
                }
                continue;
            }
            out.extend(w.chars().filter(|c| c.is_alphanumeric()));
        } else {
            if lower[i].is_alphanumeric() {
                out.push(lower[i]);
            }
            i += 1;
        }
    }
    out
}

/// The names a host may be known by: "accounts.google.com" gives google; "bbc.co.uk" gives bbc.
fn host_names(host: &str) -> Vec<String> {
    let host = host.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    if labels.len() < 2 {
        return Vec::new();
    }
    labels.pop();
    if labels.len() > 1 && ["co", "com", "org", "net", "ac", "gov"].contains(labels.last().unwrap())
    {
        labels.pop();
    }
    vec![labels.last().unwrap().to_string(), labels.concat()]
}

/// "github.com", "accounts.google.com": letters, digits and hyphens, dotted.
fn looks_like_host(s: &str) -> bool {
    let s = s.trim();
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The domain of a label that ends in an e-mail address ("Work: ann@example.co.uk").
fn email_domain(label: &str) -> Option<&str> {
    let (_, domain) = label.trim().rsplit_once('@')?;
    let (name, tld) = domain.rsplit_once('.')?;
    let ok = !name.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic());
    ok.then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SimpleIcons {
        SimpleIcons::from_json(
            br#"{"icons":[["github","GitHub"],["google","Google"],["gitlab","GitLab"],["dropbox","Dropbox"],["bbc","BBC"],["protonmail","Proton Mail"],["hetzner","Hetzner"]],
                "aliases":[["Proton","protonmail"],["GitHub","gitlab"],["Nowhere","nosuchslug"]]}"#,
        )
        .unwrap()
    }

    fn slug<'a>(
        i: &'a SimpleIcons,
        issuer: &str,
        label: &str,
        image_host: Option<&str>,
    ) -> Option<&'a str> {
        i.slug_for(&Names {
            issuer,
            label,
            image_host,
        })
    }

    #[test]
    fn matches_by_issuer_image_host_domain_issuer_and_email() {
        let i = index();
        assert_eq!(slug(&i, "GitHub", "ann", None), Some("github"));
        assert_eq!(slug(&i, "  google ", "", None), Some("google"));
        assert_eq!(slug(&i, "Proton", "", None), Some("protonmail"), "an alias");
        assert_eq!(
            slug(&i, "Corp SSO", "ann", Some("gitlab.example.com")),
            None,
            "the host's name is example"
        );
        assert_eq!(
            slug(&i, "Corp SSO", "ann", Some("www.gitlab.com")),
            Some("gitlab")
        );
        assert_eq!(slug(&i, "dropbox.com", "ann", None), Some("dropbox"));
        assert_eq!(slug(&i, "", "ann@news.bbc.co.uk", None), Some("bbc"));
        assert_eq!(
            slug(&i, "Zyxwv", "ann@github.com", None),
            None,
            "the e-mail only without an issuer"
        );
        assert_eq!(slug(&i, "Zyxwv Corp", "", None), None);
    }

    #[test]
    fn an_icon_title_wins_over_an_alias_and_a_dangling_alias_is_ignored() {
        let i = index();
        assert_eq!(slug(&i, "GitHub", "", None), Some("github"));
        assert_eq!(slug(&i, "Nowhere", "", None), None);
    }

    #[test]
    fn normalises_case_accents_legal_suffixes_and_punctuation() {
        assert_eq!(normalise_brand("Proton Mail"), "protonmail");
        assert_eq!(normalise_brand("Hetzner Online GmbH"), "hetzneronline");
        assert_eq!(normalise_brand("Zyxwv Corp."), "zyxwv");
        assert_eq!(
            normalise_brand("Cocoa Co."),
            "cocoa",
            "a suffix is a whole word only"
        );
        assert_eq!(normalise_brand("Société Générale"), "societegenerale");
        assert_eq!(normalise_brand("Inc."), "");
    }

    #[test]
    fn hosts_and_emails() {
        assert_eq!(
            host_names("accounts.google.com"),
            ["google", "accountsgoogle"]
        );
        assert_eq!(host_names("bbc.co.uk"), ["bbc", "bbc"]);
        assert!(host_names("localhost").is_empty());
        assert!(
            looks_like_host("github.com") && !looks_like_host("GitHub") && !looks_like_host("a..b")
        );
        assert_eq!(
            email_domain("Work: ann@example.co.uk"),
            Some("example.co.uk")
        );
        assert_eq!(email_domain("ann@localhost"), None);
        assert_eq!(email_domain("ann"), None);
    }

    #[test]
    fn search_puts_names_that_start_with_the_query_first() {
        let i = index();
        let titles = |q: &str, max| {
            i.search(q, max)
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>()
        };
        assert_eq!(titles("git", 10), ["GitHub", "GitLab"]);
        assert_eq!(titles("mail", 10), ["Proton Mail"]);
        assert_eq!(titles("", 3).len(), 3);
        assert_eq!(i.title("bbc"), Some("BBC"));
        assert_eq!(i.title("nope"), None);
    }

    #[test]
    fn a_damaged_index_is_an_error_not_a_panic() {
        let e = SimpleIcons::from_json(b"{\"icons\": 3}").err().unwrap();
        assert!(e.to_string().contains("logo index"), "{e}");
    }
}
