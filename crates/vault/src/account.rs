//! The account model, its JSON form inside the ciphertext, and conversion to/from Key URIs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use twofold_otp::{Algorithm, KeyUri, Kind, OtpParams, Secret};

use crate::format::fill_random;

/// One account. `Debug` never shows the secret (see [`Secret`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// 12 lower-case hex characters, unique in the vault.
    pub id: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub label: String,
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub secret: Secret,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
    #[serde(default)]
    pub counter: u64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub note: String,
    /// Unix seconds.
    pub created: u64,
    pub updated: u64,
    #[serde(default)]
    pub last_used: Option<u64>,
    /// otpauth parameters Twofold does not interpret (`image`, `color`, …), kept in order.
    #[serde(default)]
    pub extra: Vec<(String, String)>,
    /// The chosen icon (`crate::icon`): empty for automatic.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon: String,
}

fn ser_secret<S: Serializer>(s: &Secret, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&s.to_base32())
}

fn de_secret<'de, D: Deserializer<'de>>(de: D) -> Result<Secret, D::Error> {
    // Borrowed from the (zeroizing) plaintext buffer: base32 never needs JSON escapes.
    let s: &str = <&str>::deserialize(de)?;
    Secret::from_base32(s).map_err(serde::de::Error::custom)
}

/// What a list shows: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountSummary {
    pub id: String,
    pub issuer: String,
    pub label: String,
    pub kind: Kind,
    pub algorithm: Algorithm,
    pub digits: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub period: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub counter: u64,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub note: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_used: Option<u64>,
    /// The chosen icon (`crate::icon`): empty for automatic.
    pub icon: String,
    /// The host of the otpauth `image` parameter, for matching a logo; empty when none.
    pub image_host: String,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub issuer: Option<String>,
    pub label: Option<String>,
    pub secret: Option<Secret>,
    pub kind: Option<Kind>,
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u32>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub pinned: Option<bool>,
    pub note: Option<String>,
    /// The icon choice, checked by `crate::icon::normalise_icon` (`Vault::update` does).
    pub icon: Option<String>,
}

impl Account {
    /// A new account from a parsed Key URI (the id is assigned by the vault).
    pub fn from_key_uri(uri: &KeyUri, now: u64) -> Self {
        Account {
            id: String::new(),
            issuer: uri.issuer().unwrap_or("").to_string(),
            label: uri.account.clone(),
            secret: uri.secret.clone(),
            kind: uri.kind,
            algorithm: uri.algorithm,
            digits: uri.digits,
            period: uri.period,
            counter: uri.counter,
            tags: Vec::new(),
            pinned: false,
            note: String::new(),
            created: now,
            updated: now,
            last_used: None,
            extra: uri.extra.clone(),
            icon: String::new(),
        }
    }

    /// The account as a Key URI (unknown parameters included).
    pub fn to_key_uri(&self) -> KeyUri {
        let issuer = Some(self.issuer.clone()).filter(|s| !s.is_empty());
        let mut uri = KeyUri::new(self.kind, self.secret.clone(), issuer, self.label.clone());
        uri.algorithm = self.algorithm;
        uri.digits = self.digits;
        uri.period = self.period;
        uri.counter = self.counter;
        uri.extra = self.extra.clone();
        uri
    }

    pub fn params(&self) -> OtpParams {
        let s = self;
        OtpParams::of(s.kind, s.algorithm, s.digits, s.period, s.counter)
    }

    pub fn summary(&self) -> AccountSummary {
        AccountSummary {
            id: self.id.clone(),
            issuer: self.issuer.clone(),
            label: self.label.clone(),
            kind: self.kind,
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.period,
            counter: self.counter,
            tags: self.tags.clone(),
            pinned: self.pinned,
            note: self.note.clone(),
            created: self.created,
            updated: self.updated,
            last_used: self.last_used,
            icon: self.icon.clone(),
            image_host: crate::icon::image_host(&self.extra),
        }
    }

    /// `Issuer (label)`, or whichever of the two exists.
    pub fn display_name(&self) -> String {
        match (self.issuer.is_empty(), self.label.is_empty()) {
            (false, false) => format!("{} ({})", self.issuer, self.label),
            (false, true) => self.issuer.clone(),
            _ => self.label.clone(),
        }
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Applies a patch and validates the result.
    pub fn apply(&mut self, p: AccountPatch, now: u64) -> Result<(), twofold_otp::OtpError> {
        let mut next = self.clone();
        if let Some(v) = p.issuer {
            next.issuer = v.trim().to_string();
        }
        if let Some(v) = p.label {
            next.label = v.trim().to_string();
        }
        if let Some(v) = p.secret {
            next.secret = v;
        }
        if let Some(v) = p.kind {
            next.kind = v;
            if v == Kind::Steam {
                next.digits = twofold_otp::code::STEAM_DIGITS;
                next.algorithm = Algorithm::Sha1;
            } else if next.digits == twofold_otp::code::STEAM_DIGITS {
                next.digits = 6;
            }
        }
        if let Some(v) = p.algorithm {
            next.algorithm = v;
        }
        if let Some(v) = p.digits {
            next.digits = v;
        }
        if let Some(v) = p.period {
            next.period = v;
        }
        if let Some(v) = p.counter {
            next.counter = v;
        }
        if let Some(v) = p.tags {
            next.tags = normalise_tags(v);
        }
        for t in p.add_tags {
            next.tags.push(t);
        }
        next.tags = normalise_tags(std::mem::take(&mut next.tags));
        next.tags
            .retain(|t| !p.remove_tags.iter().any(|r| r.trim() == t));
        if let Some(v) = p.pinned {
            next.pinned = v;
        }
        if let Some(v) = p.note {
            next.note = v;
        }
        if let Some(v) = p.icon {
            next.icon = v;
        }
        next.params().validate()?;
        next.updated = now;
        *self = next;
        Ok(())
    }
}

/// Trims, drops empty and duplicate tags, keeps order.
pub fn normalise_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.trim().to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// A fresh random account id: 12 lower-case hex characters (48 bits).
pub fn new_id() -> String {
    let mut b = [0u8; 6];
    if fill_random(&mut b).is_err() {
        // Extremely unlikely; fall back on time and a counter, ids need only be unique.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b.copy_from_slice(&t.to_le_bytes()[..6]);
    }
    hex::encode(b)
}

/// How a query matches an account, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    Id,
    Exact,
    IdPrefix,
    Substring,
}

/// How `query` matches `a`, if at all: the full id, an exact issuer/label/`issuer:label`
/// (case-insensitive), an id prefix (at least 4 characters), or a substring of issuer or label.
pub fn match_account(a: &Account, query: &str) -> Option<Match> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let issuer = a.issuer.to_lowercase();
    let label = a.label.to_lowercase();
    if a.id == q {
        Some(Match::Id)
    } else if issuer == q || label == q || format!("{issuer}:{label}") == q {
        Some(Match::Exact)
    } else if q.len() >= 4 && a.id.starts_with(&q) {
        Some(Match::IdPrefix)
    } else if issuer.contains(&q) || label.contains(&q) {
        Some(Match::Substring)
    } else {
        None
    }
}

/// The accounts matching `query` at the best level any of them reaches.
pub fn find<'a>(accounts: &'a [Account], query: &str) -> Vec<&'a Account> {
    let scored: Vec<(Match, &Account)> = accounts
        .iter()
        .filter_map(|a| match_account(a, query).map(|m| (m, a)))
        .collect();
    let Some(best) = scored.iter().map(|(m, _)| *m).min() else {
        return Vec::new();
    };
    scored
        .into_iter()
        .filter(|(m, _)| *m == best)
        .map(|(_, a)| a)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, issuer: &str, label: &str) -> Account {
        let uri = KeyUri::parse(&format!(
            "otpauth://totp/{issuer}:{label}?secret=JBSWY3DPEHPK3PXP&issuer={issuer}&image=x"
        ))
        .unwrap();
        let mut a = Account::from_key_uri(&uri, 5);
        a.id = id.into();
        a
    }

    #[test]
    fn uri_round_trip_keeps_unknown_params() {
        let a = acct("aaaaaaaaaaaa", "GitHub", "me@x.org");
        assert_eq!(a.extra, vec![("image".to_string(), "x".to_string())]);
        let uri = a.to_key_uri();
        let back = Account::from_key_uri(&KeyUri::parse(&uri.to_uri()).unwrap(), 5);
        assert_eq!(back.issuer, "GitHub");
        assert_eq!(back.label, "me@x.org");
        assert_eq!(back.extra, a.extra);
        assert_eq!(back.secret, a.secret);
    }

    #[test]
    fn json_round_trip_and_debug_redacted() {
        let a = acct("aaaaaaaaaaaa", "GitHub", "me");
        let j = serde_json::to_vec(&a).unwrap();
        let b: Account = serde_json::from_slice(&j).unwrap();
        assert_eq!(a, b);
        assert!(!format!("{a:?}").contains("JBSW"));
    }

    #[test]
    fn matching_prefers_exact_then_prefix_then_substring() {
        let v = vec![
            acct("abcd00000001", "GitHub", "work"),
            acct("abcd00000002", "GitHub", "home"),
            acct("ffff00000003", "Gitea", "home"),
        ];
        assert_eq!(find(&v, "github").len(), 2);
        assert_eq!(find(&v, "github:work")[0].id, "abcd00000001");
        assert_eq!(find(&v, "abcd00000002")[0].id, "abcd00000002");
        assert_eq!(find(&v, "ffff")[0].id, "ffff00000003");
        assert_eq!(find(&v, "gite")[0].id, "ffff00000003");
        assert_eq!(find(&v, "home").len(), 2);
        assert!(find(&v, "nothing").is_empty());
        assert!(find(&v, "  ").is_empty());
    }

    #[test]
    fn patch_validates_and_normalises_tags() {
        let mut a = acct("aaaaaaaaaaaa", "X", "y");
        let p = AccountPatch {
            add_tags: vec![" qa:staging ".into(), "qa:staging".into(), "".into()],
            ..Default::default()
        };
        a.apply(p, 9).unwrap();
        assert_eq!(a.tags, vec!["qa:staging"]);
        assert_eq!(a.updated, 9);
        let bad = AccountPatch {
            digits: Some(3),
            ..Default::default()
        };
        assert!(a.apply(bad, 10).is_err());
        assert_eq!(a.digits, 6);
        assert_eq!(a.updated, 9);
    }

    #[test]
    fn ids_are_12_hex() {
        let id = new_id();
        assert_eq!(id.len(), 12);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
