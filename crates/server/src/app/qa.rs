//! QA operations, the QR code, the lockout answer of the profile.

use crate::db::params;
use twofold_otp::Secret;

use crate::crypto::{self};
use crate::error::{Result, ServerError};

use super::*;

impl App {
    // ----- QA operations -----------------------------------------------------------------------

    pub fn list_users(&self) -> Result<Vec<UserSummary>> {
        let ids: Vec<(i64, String, i64)> = self.conn().rows(
            "SELECT id, email, created_at FROM users ORDER BY id",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        ids.into_iter()
            .map(|(id, email, created)| {
                Ok(UserSummary {
                    id,
                    email,
                    totp_enabled: self.has_totp(id)?,
                    recovery_codes_left: self
                        .unused_recovery_codes(id)?
                        .map(|c| c.len() as u32)
                        .unwrap_or(0),
                    created_at: iso(created as u64),
                })
            })
            .collect()
    }

    /// Creates a test user; `enrolled` also activates TOTP and returns the otpauth URI, the
    /// secret and the recovery codes. Blocking (password hashing).
    pub fn create_test_user(
        &self,
        email: &str,
        password: &str,
        enrolled: bool,
    ) -> Result<CreatedUser> {
        self.create_test_user_with_secret(email, password, enrolled.then_some(None))
    }

    /// As [`App::create_test_user`]; `enrolment` is `None` for a user without TOTP,
    /// `Some(None)` for a fresh random secret, `Some(Some(secret))` for a given one (a QA suite
    /// or a benchmark that computes codes itself).
    pub fn create_test_user_with_secret(
        &self,
        email: &str,
        password: &str,
        enrolment: Option<Option<Secret>>,
    ) -> Result<CreatedUser> {
        let errs = self.signup_errors(email, password, password)?;
        if !errs.is_empty() {
            return Err(ServerError::fields(errs));
        }
        let user = self.create_user(email, Some(password), "", "")?;
        let Some(given) = enrolment else {
            return Ok(CreatedUser {
                id: user.id,
                email: user.email,
                otpauth_uri: None,
                secret: None,
                recovery_codes: None,
            });
        };
        let secret =
            given.unwrap_or_else(|| Secret::from_bytes(crypto::random_bytes::<20>().to_vec()));
        let setup = self.setup_totp_with(&user, secret)?;
        let secret = self
            .pending_secret(&user)?
            .ok_or_else(|| ServerError::bad_request("Setup not initiated."))?;
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user.id, TYPE_TOTP), secret.as_bytes())?;
        {
            let conn = self.conn();
            conn.exec(
                "INSERT INTO authenticators (user_id, type, data, created_at) VALUES (?1, 'totp', ?2, ?3)",
                params![user.id, blob, self.now() as i64],
            )?;
            conn.exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
        }
        let codes = self.new_recovery_codes(user.id)?;
        Ok(CreatedUser {
            id: user.id,
            email: user.email,
            otpauth_uri: Some(setup.provisioning_uri.to_string()),
            secret: Some(setup.secret.to_string()),
            recovery_codes: Some(codes),
        })
    }

    /// Deletes a user by id or e-mail address. `false` when there was none.
    pub fn delete_user(&self, id_or_email: &str) -> Result<bool> {
        let conn = self.conn();
        let n = match id_or_email.parse::<i64>() {
            Ok(id) => conn.exec("DELETE FROM users WHERE id = ?1", params![id])?,
            Err(_) => conn.exec("DELETE FROM users WHERE email = ?1", params![id_or_email])?,
        };
        drop(conn);
        self.clear_faces()?;
        Ok(n > 0)
    }

    /// Empties the database (users, authenticators, challenges, tokens) and the sessions.
    pub fn reset(&self) -> Result<()> {
        self.conn().execute_batch(
            "BEGIN; DELETE FROM mfa_failures; DELETE FROM setup_secrets; DELETE FROM tokens;
             DELETE FROM authenticators; DELETE FROM used_codes; DELETE FROM users;
             DELETE FROM login_failures; DELETE FROM rate_hits; COMMIT;",
        )?;
        self.clear_faces()?;
        Ok(())
    }
}

/// The QR code of `data` as an inline SVG element (the otp crate's renderer, shared with the
/// desktop app); empty when `data` is too long for one.
pub fn qr_svg(data: &str) -> String {
    twofold_otp::qr_svg(data).unwrap_or_default()
}

impl App {
    /// The lockout answer of the profile: allauth's `400 too_many_login_attempts`
    /// (`mfa/base/internal/flows.py`, `check_rate_limit`), else 429 with `Retry-After`.
    pub(crate) fn locked_out(&self, wait: u64) -> ServerError {
        if self.cfg.profile.is_allauth() {
            return ServerError::bad_request("Too many failed login attempts. Try again later.");
        }
        ServerError::locked_out(wait)
    }

    /// django-allauth's authenticate form: a TOTP code or a recovery code, one failure counted,
    /// in one transaction (the lockout's check and count are one for every instance).
    pub fn second_factor_either(&self, user_id: i64, code: &str) -> Result<bool> {
        self.second_factor_by(user_id, |app| {
            Ok(app.check_totp_code(user_id, code).unwrap_or(false)
                || app.use_recovery_code(user_id, code).unwrap_or(false))
        })
    }
}
