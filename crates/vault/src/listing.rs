//! How a list of accounts is searched, sorted and reordered: the rules behind the desktop's
//! search box, sort menu and drag-and-drop, and behind `twofold list --search/--sort` and
//! `twofold move`.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountSummary};
use crate::{Result, Vault, VaultError};

/// The orders a list can be shown in. Pinned accounts always come first, each group keeping
/// the order chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum SortOrder {
    /// The vault's own order, which the user sets by moving accounts.
    #[default]
    Manual,
    /// By issuer (the label when there is none), then label, ignoring case.
    Name,
    /// Most recently used first; never-used accounts last.
    Recent,
}

impl FromStr for SortOrder {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "manual" => Ok(SortOrder::Manual),
            "name" => Ok(SortOrder::Name),
            "recent" => Ok(SortOrder::Recent),
            other => Err(format!(
                "unknown sort order '{other}': use manual, name or recent"
            )),
        }
    }
}

/// Whether `a` matches a search: `query` (trimmed, any case) in its issuer, label, a tag or its
/// note, and every one of `tags`.
pub fn matches(a: &AccountSummary, query: &str, tags: &[String]) -> bool {
    if !tags.iter().all(|t| a.tags.contains(t)) {
        return false;
    }
    let q = query.trim().to_lowercase();
    q.is_empty()
        || [&a.issuer, &a.label, &a.note]
            .into_iter()
            .chain(&a.tags)
            .any(|s| s.to_lowercase().contains(&q))
}

/// Sorts `list` (in the vault's order) by `order`, pinned accounts first; stable.
pub fn sort(list: &mut [AccountSummary], order: SortOrder) {
    let name = |a: &AccountSummary| {
        let first = if a.issuer.is_empty() {
            &a.label
        } else {
            &a.issuer
        };
        (first.to_lowercase(), a.label.to_lowercase())
    };
    match order {
        SortOrder::Manual => {}
        SortOrder::Name => list.sort_by_cached_key(name),
        SortOrder::Recent => list.sort_by_key(|a| std::cmp::Reverse(a.last_used)),
    }
    list.sort_by_key(|a| !a.pinned);
}

/// Where [`Vault::move_account`] puts an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    Before(String),
    After(String),
    /// An index in the order without the moved account (past the end: last).
    Index(usize),
}

impl Vault {
    /// The accounts matching a search, in `order`: what the desktop's list and `twofold list`
    /// show.
    pub fn listing(&self, query: &str, tags: &[String], order: SortOrder) -> Vec<AccountSummary> {
        let mut v: Vec<AccountSummary> = self
            .accounts()
            .iter()
            .map(Account::summary)
            .filter(|a| matches(a, query, tags))
            .collect();
        sort(&mut v, order);
        v
    }

    /// Moves account `id` in the manual order, under the vault's lock (another process's
    /// change in between is kept).
    pub fn move_account(&mut self, id: &str, to: Position) -> Result<()> {
        self.modify(|accounts, _| {
            let from = accounts
                .iter()
                .position(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.to_string()))?;
            let moved = accounts.remove(from);
            let at = match &to {
                Position::Index(i) => Some(*i),
                Position::Before(o) => accounts.iter().position(|a| &a.id == o),
                Position::After(o) => accounts.iter().position(|a| &a.id == o).map(|i| i + 1),
            };
            match at {
                Some(i) => {
                    accounts.insert(i.min(accounts.len()), moved);
                    Ok(())
                }
                None => {
                    let other = match to {
                        Position::Before(o) | Position::After(o) => o,
                        Position::Index(_) => unreachable!("an index always has a place"),
                    };
                    accounts.insert(from, moved);
                    Err(VaultError::AccountNotFound(other))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(issuer: &str, label: &str, tags: &[&str], note: &str) -> AccountSummary {
        let uri = twofold_otp::KeyUri::parse(&format!(
            "otpauth://totp/{issuer}:{label}?secret=JBSWY3DPEHPK3PXP&issuer={issuer}"
        ))
        .unwrap();
        let mut a = Account::from_key_uri(&uri, 0);
        a.tags = tags.iter().map(|t| t.to_string()).collect();
        a.note = note.into();
        a.summary()
    }

    #[test]
    fn search_covers_issuer_label_tags_and_note_in_any_case() {
        let a = s(
            "GitHub",
            "ann",
            &["work", "qa:staging"],
            "recovery codes in the safe",
        );
        for q in ["github", " ANN ", "Staging", "SAFE", ""] {
            assert!(matches(&a, q, &[]), "{q}");
        }
        assert!(!matches(&a, "gitlab", &[]));
        assert!(matches(&a, "", &["work".into()]));
        assert!(!matches(&a, "", &["work".into(), "home".into()]));
    }

    #[test]
    fn sort_orders_keep_pinned_first_and_are_stable() {
        let mut v = vec![
            s("b", "x", &[], ""),
            s("", "A", &[], ""),
            s("c", "y", &[], ""),
        ];
        v[0].last_used = Some(5);
        v[2].last_used = Some(9);
        v[2].pinned = true;
        let ids = |v: &[AccountSummary]| v.iter().map(|a| a.label.clone()).collect::<Vec<_>>();
        let mut m = v.clone();
        sort(&mut m, SortOrder::Manual);
        assert_eq!(ids(&m), ["y", "x", "A"]);
        let mut n = v.clone();
        sort(&mut n, SortOrder::Name);
        assert_eq!(ids(&n), ["y", "A", "x"]);
        let mut r = v.clone();
        sort(&mut r, SortOrder::Recent);
        assert_eq!(ids(&r), ["y", "x", "A"]);
        assert_eq!("recent".parse::<SortOrder>(), Ok(SortOrder::Recent));
        assert!("newest"
            .parse::<SortOrder>()
            .unwrap_err()
            .contains("manual, name or recent"));
    }
}
