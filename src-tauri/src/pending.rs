//! Accounts found but not yet added (a scanned QR code, an image, a link opened with the app, a
//! pasted link): they wait here, in Rust, under an opaque random handle. The page is given the
//! handle and what it shows (issuer, name, kind, duplicates), never the URI or its secret, and
//! adds by handle. Entries expire, and a lock clears them all.

use crate::error::Res;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use twofold_vault::Account;

/// How long a found code waits for the user's "Add".
pub const TTL: Duration = Duration::from_secs(10 * 60);
/// At most this many wait at once; the oldest goes first.
pub const MAX: usize = 64;

struct Entry {
    handle: String,
    accounts: Vec<Account>,
    at: Instant,
}

#[derive(Default)]
pub struct Pending {
    entries: Mutex<Vec<Entry>>,
}

/// 128 random bits in hex: names an entry, says nothing about it.
fn new_handle() -> Res<String> {
    let mut b = [0u8; 16];
    twofold_vault::format::fill_random(&mut b)
        .map_err(|_| "no random numbers from the system: try again".to_string())?;
    Ok(hex::encode(b))
}

impl Pending {
    /// Keeps `accounts` and returns their handle.
    pub fn put(&self, accounts: Vec<Account>) -> Res<String> {
        self.put_at(accounts, Instant::now())
    }

    fn put_at(&self, accounts: Vec<Account>, now: Instant) -> Res<String> {
        let handle = new_handle()?;
        let mut entries = self.entries.lock().unwrap();
        entries.retain(|e| now.saturating_duration_since(e.at) < TTL);
        if entries.len() >= MAX {
            entries.remove(0);
        }
        entries.push(Entry {
            handle: handle.clone(),
            accounts,
            at: now,
        });
        Ok(handle)
    }

    /// The accounts behind `handles`, in that order (kept until [`remove`](Self::remove)): an
    /// unknown or expired handle is refused, and then nothing is returned.
    pub fn accounts(&self, handles: &[String]) -> Res<Vec<Account>> {
        self.accounts_at(handles, Instant::now())
    }

    fn accounts_at(&self, handles: &[String], now: Instant) -> Res<Vec<Account>> {
        let mut entries = self.entries.lock().unwrap();
        entries.retain(|e| now.saturating_duration_since(e.at) < TTL);
        let mut out = Vec::new();
        for h in handles {
            let e = entries.iter().find(|e| &e.handle == h).ok_or(
                "this code is no longer waiting to be added (it expired, or Twofold was locked): scan or open it again",
            )?;
            out.extend(e.accounts.iter().cloned());
        }
        Ok(out)
    }

    /// Forgets `handles` (added, or the dialog was cancelled).
    pub fn remove(&self, handles: &[String]) {
        self.entries
            .lock()
            .unwrap()
            .retain(|e| !handles.contains(&e.handle));
    }

    /// Forgets everything (the app locks).
    pub fn clear(&self) {
        self.entries.lock().unwrap().clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn accounts(issuer: &str) -> Vec<Account> {
        let uri = format!("otpauth://totp/{issuer}:me?secret={SECRET}&issuer={issuer}");
        twofold_vault::intake::accounts_from_payload(&uri, 0).unwrap()
    }

    #[test]
    fn a_handle_is_random_hex_and_names_its_accounts() {
        let p = Pending::default();
        let a = p.put(accounts("Alpha")).unwrap();
        let b = p.put(accounts("Beta")).unwrap();
        assert_ne!(a, b);
        for h in [&a, &b] {
            assert_eq!(h.len(), 32);
            assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
            assert!(!h.contains(SECRET) && !h.to_uppercase().contains(SECRET));
        }
        let got = p.accounts(std::slice::from_ref(&b)).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].issuer, "Beta");
        assert_eq!(got[0].secret.to_base32().to_string(), SECRET);
    }

    #[test]
    fn an_unknown_handle_is_refused_and_nothing_is_returned() {
        let p = Pending::default();
        let a = p.put(accounts("Alpha")).unwrap();
        let e = p.accounts(&[a, "00".repeat(16)]).unwrap_err();
        assert!(e.message().contains("no longer waiting"), "{e:?}");
        assert!(!e.message().contains(SECRET));
    }

    #[test]
    fn removed_and_cleared_handles_are_gone() {
        let p = Pending::default();
        let a = p.put(accounts("Alpha")).unwrap();
        let b = p.put(accounts("Beta")).unwrap();
        p.remove(std::slice::from_ref(&a));
        assert!(p.accounts(std::slice::from_ref(&a)).is_err());
        assert!(p.accounts(std::slice::from_ref(&b)).is_ok());
        p.clear();
        assert!(p.accounts(&[b]).is_err());
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn entries_expire() {
        let p = Pending::default();
        let start = Instant::now();
        let a = p.put_at(accounts("Alpha"), start).unwrap();
        assert!(p
            .accounts_at(
                std::slice::from_ref(&a),
                start + TTL - Duration::from_secs(1)
            )
            .is_ok());
        assert!(p.accounts_at(&[a], start + TTL).is_err());
        assert_eq!(p.len(), 0, "an expired entry is dropped, secret and all");
    }

    #[test]
    fn at_most_max_wait_and_the_oldest_goes_first() {
        let p = Pending::default();
        let first = p.put(accounts("First")).unwrap();
        for i in 0..MAX {
            p.put(accounts(&format!("N{i}"))).unwrap();
        }
        assert_eq!(p.len(), MAX);
        assert!(p.accounts(&[first]).is_err());
    }
}
