//! The login gate and the second factor at login.

use crate::db::params;
use twofold_otp::Secret;
use zeroize::Zeroizing;

use crate::config::Mode;
use crate::crypto::{self};
use crate::error::{Result, ServerError};

use super::*;

/// An authenticator as stored: id, type, created_at, last_used_at (Unix seconds).
pub(crate) type AuthenticatorRow = (i64, String, i64, Option<i64>);

impl App {
    // ----- the login gate ------------------------------------------------------------------

    /// What a proven password leads to, under the configured mode (jwt_allauth.mfa.gate).
    pub fn login_gate(&self, user: &User) -> Result<LoginOutcome> {
        self.batch(|| self.login_gate_steps(user))
    }

    pub(super) fn login_gate_steps(&self, user: &User) -> Result<LoginOutcome> {
        let mode = self.cfg.mode;
        if mode == Mode::Disabled {
            return Ok(LoginOutcome::Granted(user.clone()));
        }
        if !self.has_totp(user.id)? {
            if mode == Mode::Required {
                let id = crypto::uuid4();
                self.create_token(user.id, PURPOSE_SETUP, &id)?;
                return Ok(LoginOutcome::SetupRequired {
                    setup_challenge_id: id,
                });
            }
            return Ok(LoginOutcome::Granted(user.clone()));
        }
        if let Some(wait) = self.lockout_remaining(user.id)? {
            return Err(self.locked_out(wait));
        }
        let id = crypto::uuid4();
        self.create_token(user.id, PURPOSE_LOGIN, &id)?;
        Ok(LoginOutcome::MfaRequired { challenge_id: id })
    }

    /// A setup challenge for a user who must enrol (registration in `required` mode).
    pub fn create_setup_challenge(&self, user_id: i64) -> Result<String> {
        let id = crypto::uuid4();
        self.create_token(user_id, PURPOSE_SETUP, &id)?;
        Ok(id)
    }

    // ----- second factor at login ------------------------------------------------------------

    /// The second step of a login, with a TOTP code or a recovery code, for a user already
    /// known (the HTML face keeps it in the session; the REST face in a challenge).
    /// In one transaction (joining the caller's), so that the lockout's check and count are one
    /// for every instance on the database.
    pub fn second_factor(&self, user_id: i64, code: &str, recovery: bool) -> Result<bool> {
        self.second_factor_by(user_id, |app| {
            if recovery {
                app.use_recovery_code(user_id, code)
            } else {
                app.check_totp_code(user_id, code)
            }
        })
    }

    /// The lockout's part of every second step, around `check` (which codes it takes): refused
    /// while locked out, then a success clears the failures and a failure is counted; in one
    /// transaction.
    pub(super) fn second_factor_by(
        &self,
        user_id: i64,
        check: impl FnOnce(&Self) -> Result<bool>,
    ) -> Result<bool> {
        self.batch(|| {
            if let Some(wait) = self.lockout_remaining(user_id)? {
                return Err(self.locked_out(wait));
            }
            let ok = check(self)?;
            if ok {
                self.clear_failures(user_id)?;
            } else {
                self.record_failure(user_id)?;
            }
            Ok(ok)
        })
    }

    /// `POST /mfa/verify/` and `/mfa/verify-recovery/`: the challenge, the lockout, the code.
    pub fn verify_challenge(&self, challenge_id: &str, code: &str, recovery: bool) -> Result<User> {
        self.batch(|| self.verify_challenge_steps(challenge_id, code, recovery))
    }

    pub(super) fn verify_challenge_steps(
        &self,
        challenge_id: &str,
        code: &str,
        recovery: bool,
    ) -> Result<User> {
        let (user_id, failures) = self
            .lookup_token(challenge_id, PURPOSE_LOGIN)?
            .map_err(|_| ServerError::bad_request("Challenge expired or invalid."))?;
        let user = self
            .user_by_id(user_id)?
            .ok_or_else(|| ServerError::bad_request("Challenge expired or invalid."))?;
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        if !recovery && !self.has_totp(user_id)? {
            return Err(ServerError::bad_request("TOTP not activated."));
        }
        if self.second_factor(user_id, code, recovery)? {
            if self.take_token(challenge_id, PURPOSE_LOGIN)?.is_err() {
                return Err(ServerError::bad_request("Challenge expired or invalid."));
            }
            return Ok(user);
        }
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        if failures + 1 >= self.cfg.challenge_max_failures {
            self.delete_token(challenge_id)?;
            return Err(ServerError::bad_request(
                "Too many failed attempts. Challenge invalidated.",
            ));
        }
        self.conn().exec(
            "UPDATE tokens SET failures = failures + 1 WHERE digest = ?1",
            params![crypto::digest(challenge_id)],
        )?;
        Err(ServerError::bad_request(if recovery {
            "Invalid recovery code."
        } else {
            "Invalid code."
        }))
    }

    /// Removes TOTP and recovery codes (the password checked by the caller).
    pub fn deactivate(&self, user: &User) -> Result<()> {
        let n = self.atomic(|tx| {
            let n = tx.exec(
                "DELETE FROM authenticators WHERE user_id = ?1",
                params![user.id],
            )?;
            tx.exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
            Ok(n)
        })?;
        if n == 0 {
            return Err(ServerError::bad_request("TOTP not activated."));
        }
        Ok(())
    }

    /// The otpauth URI of a user's activated TOTP authenticator, whichever face activated it
    /// (REST, HTML pages, headless API or QA): the desktop panel's "Add to Twofold". `None`
    /// when the user has no TOTP.
    pub fn totp_uri(&self, user_id: i64) -> Result<Option<Zeroizing<String>>> {
        let Some(user) = self.user_by_id(user_id)? else {
            return Ok(None);
        };
        let blob = self.totp_blob(user_id)?;
        let Some(blob) = blob else {
            return Ok(None);
        };
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        Ok(Some(self.build_uri(&user, &secret)))
    }

    /// The user's authenticators in id order (allauth's default ordering): id, type,
    /// created_at and last_used_at, as stored.
    pub(crate) fn authenticator_rows(&self, user_id: i64) -> Result<Vec<AuthenticatorRow>> {
        self.conn().rows(
            "SELECT id, type, created_at, last_used_at FROM authenticators WHERE user_id = ?1 ORDER BY id",
            params![user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    pub fn authenticators(&self, user_id: i64) -> Result<Vec<AuthenticatorInfo>> {
        Ok(self
            .authenticator_rows(user_id)?
            .into_iter()
            .map(|(id, kind, created_at, last_used_at)| AuthenticatorInfo {
                id,
                kind,
                created_at: iso(created_at as u64),
                last_used_at: last_used_at.map(|t| iso(t as u64)),
            })
            .collect())
    }
}
