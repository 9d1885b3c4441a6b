//! Adding, changing and removing accounts, and their codes: every change through
//! [`Vault::modify`], under the lock.

use super::*;

/// What [`Vault::add_new`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Added {
    /// The ids of the accounts added, in the order given.
    pub ids: Vec<String>,
    /// The ids of stored accounts that candidates duplicated exactly (not added).
    pub already: Vec<String>,
    /// How many candidates were skipped as exact duplicates (of the vault or of each other).
    pub skipped: usize,
}

/// Appends `new` with fresh ids, normalised tags and `now` as created/updated; returns the ids.
pub(super) fn push_new(accounts: &mut Vec<Account>, new: Vec<Account>, now: u64) -> Vec<String> {
    let mut ids = Vec::with_capacity(new.len());
    for mut a in new {
        loop {
            let id = new_id();
            if !accounts.iter().any(|x| x.id == id) {
                a.id = id;
                break;
            }
        }
        a.tags = crate::account::normalise_tags(std::mem::take(&mut a.tags));
        a.created = now;
        a.updated = now;
        ids.push(a.id.clone());
        accounts.push(a);
    }
    ids
}

impl Vault {
    /// Adds an account (its id, created and updated times are assigned); returns the id.
    pub fn add(&mut self, account: Account) -> Result<String> {
        self.add_many(vec![account]).map(|mut v| v.remove(0))
    }

    /// Adds accounts in one write; returns their ids.
    pub fn add_many(&mut self, new: Vec<Account>) -> Result<Vec<String>> {
        for a in &new {
            a.params().validate()?;
        }
        self.modify(|accounts, now| Ok(push_new(accounts, new, now)))
    }

    /// Adds the accounts the vault does not hold yet, in one write: the duplicate check runs
    /// under the lock on the accounts just re-read, so a concurrent writer cannot slip the same
    /// account in between the check and the write. Exact duplicates (same secret, issuer and
    /// label) of a stored account or of an earlier candidate are skipped; conflicts (same
    /// name, another secret) are added, the caller having asked for them.
    pub fn add_new(&mut self, candidates: Vec<Account>) -> Result<Added> {
        for a in &candidates {
            a.params().validate()?;
        }
        self.modify(|accounts, now| {
            let mut added = Added::default();
            let mut keep = Vec::with_capacity(candidates.len());
            for c in candidates {
                if let Some(a) = accounts.iter().find(|a| intake::same_account(a, &c)) {
                    added.already.push(a.id.clone());
                    added.skipped += 1;
                } else if keep.iter().any(|k| intake::same_account(k, &c)) {
                    added.skipped += 1;
                } else {
                    keep.push(c);
                }
            }
            added.ids = push_new(accounts, keep, now);
            Ok(added)
        })
    }

    /// Changes one account.
    pub fn update(&mut self, id: &str, mut patch: AccountPatch) -> Result<AccountSummary> {
        patch.icon = patch
            .icon
            .map(|i| crate::icon::normalise_icon(&i))
            .transpose()?;
        self.modify(|accounts, now| {
            let a = accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            a.apply(patch, now)?;
            Ok(a.summary())
        })
    }

    /// Removes one account; returns what it was (without its secret).
    pub fn remove(&mut self, id: &str) -> Result<AccountSummary> {
        self.modify(|accounts, _| {
            let i = accounts
                .iter()
                .position(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            Ok(accounts.remove(i).summary())
        })
    }

    /// The code of account `id` at `unix_time`. HOTP: the counter is advanced and the vault
    /// saved *before* the code is returned, so no code is ever shown twice. TOTP/Steam: the
    /// last-used time is recorded on a best-effort basis (a failure to save it is ignored).
    pub fn code(&mut self, id: &str, unix_time: u64) -> Result<Code> {
        let a = self
            .get(id)
            .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
        if a.kind.is_timed() {
            let params = a.params();
            let code = params.code(&a.secret, unix_time)?;
            let left = params.seconds_left(unix_time);
            let _ = self.modify(|accounts, now| {
                if let Some(a) = accounts.iter_mut().find(|a| a.id == id) {
                    a.last_used = Some(now);
                }
                Ok(())
            });
            return Ok(Code {
                code,
                seconds_left: Some(left),
                counter: None,
            });
        }
        self.modify(|accounts, now| {
            let a = accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| VaultError::AccountNotFound(id.into()))?;
            let used = a.counter;
            let code = a.params().code(&a.secret, unix_time)?;
            a.counter = used
                .checked_add(1)
                .ok_or(twofold_otp::OtpError::InvalidParameter {
                    name: "counter".into(),
                    reason: "the counter is at its maximum".into(),
                })?;
            a.last_used = Some(now);
            Ok(Code {
                code,
                seconds_left: None,
                counter: Some(used),
            })
        })
    }
}
