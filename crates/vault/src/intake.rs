//! Turning what a user brings (an `otpauth://` URI, a Google Authenticator export, a scanned QR
//! payload) into accounts, and telling which of them the vault already holds.

use twofold_otp::{migration, KeyUri};

use crate::account::Account;
use crate::{Result, VaultError};

/// How a candidate relates to the accounts already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Duplicate {
    /// Not in the vault.
    None,
    /// Same secret, issuer and label: adding it again would change nothing (skip it).
    Same,
    /// Same issuer and label with another secret: a re-enrolment, or another account (ask).
    Conflict,
}

/// Accounts carried by one payload: an `otpauth://` URI gives one, an `otpauth-migration://`
/// export all of its accounts.
pub fn accounts_from_payload(payload: &str, now: u64) -> Result<Vec<Account>> {
    let payload = payload.trim();
    if migration::is_migration_uri(payload) {
        let batch = migration::decode(payload)?;
        Ok(batch
            .accounts
            .iter()
            .map(|k| Account::from_key_uri(k, now))
            .collect())
    } else {
        Ok(vec![Account::from_key_uri(&KeyUri::parse(payload)?, now)])
    }
}

fn same_name(a: &Account, b: &Account) -> bool {
    a.issuer.trim().eq_ignore_ascii_case(b.issuer.trim()) && a.label.trim() == b.label.trim()
}

/// Whether `a` and `b` are the same account: same secret, issuer and label.
pub fn same_account(a: &Account, b: &Account) -> bool {
    same_name(a, b) && a.secret == b.secret
}

/// Classifies `candidate` against `existing`.
pub fn duplicate_of(existing: &[Account], candidate: &Account) -> Duplicate {
    let mut result = Duplicate::None;
    for a in existing.iter().filter(|a| same_name(a, candidate)) {
        if a.secret == candidate.secret {
            return Duplicate::Same;
        }
        result = Duplicate::Conflict;
    }
    result
}

/// Splits `candidates` into those to add and the number of exact duplicates skipped (against
/// the vault and within the batch itself). Conflicts are kept: the caller asked for them.
pub fn without_duplicates(existing: &[Account], candidates: Vec<Account>) -> (Vec<Account>, usize) {
    let mut keep: Vec<Account> = Vec::with_capacity(candidates.len());
    let mut skipped = 0;
    for c in candidates {
        if duplicate_of(existing, &c) == Duplicate::Same
            || duplicate_of(&keep, &c) == Duplicate::Same
        {
            skipped += 1;
        } else {
            keep.push(c);
        }
    }
    (keep, skipped)
}

/// An error for a payload that holds no account (used by callers that expect at least one).
pub fn nothing_to_add() -> VaultError {
    VaultError::Otp(twofold_otp::OtpError::InvalidMigration(
        "the export holds no account".into(),
    ))
}

/// The `otpauth://` and `otpauth-migration://` links among a command line's arguments (the
/// desktop file hands a clicked link to the app as one).
pub fn links_in(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .filter(|a| {
            let l = a.to_ascii_lowercase();
            l.starts_with("otpauth://") || l.starts_with("otpauth-migration://")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_among_arguments_are_found_in_any_case() {
        let args = [
            "--flag",
            "OTPAUTH://totp/a?secret=B",
            "x",
            "otpauth-migration://offline?data=x",
        ];
        assert_eq!(
            links_in(args.map(String::from)),
            [
                "OTPAUTH://totp/a?secret=B",
                "otpauth-migration://offline?data=x"
            ]
        );
    }

    use super::*;

    fn acc(uri: &str) -> Account {
        accounts_from_payload(uri, 1).unwrap().remove(0)
    }

    #[test]
    fn classifies_duplicates() {
        let a = acc("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP");
        let existing = vec![a.clone()];
        assert_eq!(duplicate_of(&existing, &a), Duplicate::Same);
        let other_secret = acc("otpauth://totp/acme:alice?secret=GEZDGNBVGY3TQOJQ");
        assert_eq!(duplicate_of(&existing, &other_secret), Duplicate::Conflict);
        let other_name = acc("otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP");
        assert_eq!(duplicate_of(&existing, &other_name), Duplicate::None);
        let (keep, skipped) =
            without_duplicates(&existing, vec![a.clone(), other_name.clone(), other_name]);
        assert_eq!((keep.len(), skipped), (1, 2));
    }

    #[test]
    fn migration_payload_gives_all_accounts() {
        let k = KeyUri::parse("otpauth://totp/A:x?secret=JBSWY3DPEHPK3PXP").unwrap();
        let j = KeyUri::parse("otpauth://hotp/B:y?secret=GEZDGNBVGY3TQOJQ&counter=4").unwrap();
        let uri = migration::encode(&[k, j], 1, 0, 1).unwrap();
        let accounts = accounts_from_payload(&uri, 5).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!((accounts[1].issuer.as_str(), accounts[1].counter), ("B", 4));
    }

    #[test]
    fn bad_payloads_are_errors() {
        assert!(accounts_from_payload("https://example.com", 0).is_err());
        assert!(accounts_from_payload("otpauth-migration://offline?data=xx", 0).is_err());
    }
}
