//! Users: lookup, sign-up, passwords.

use crate::db::{params, OptionalExtension};

use crate::crypto::{self};
use crate::error::{Result, ServerError};

use super::*;

impl App {
    // ----- users -----------------------------------------------------------------------

    pub(super) fn user_from_row(r: &crate::db::Row) -> Result<User> {
        Ok(User {
            id: r.get(0)?,
            email: r.get(1)?,
            first_name: r.get(2)?,
            last_name: r.get(3)?,
            created_at: r.get::<_, i64>(4)? as u64,
            password_hash: r.get(5)?,
        })
    }

    pub fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        self
            .conn()
            .row(
                "SELECT id, email, first_name, last_name, created_at, password_hash FROM users WHERE id = ?1",
                params![id],
                Self::user_from_row,
            )
            .optional()
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        self
            .conn()
            .row(
                "SELECT id, email, first_name, last_name, created_at, password_hash FROM users WHERE email = ?1",
                params![email.trim()],
                Self::user_from_row,
            )
            .optional()
    }

    /// Validates sign-up fields as django-allauth does; returns (field, message) pairs.
    pub fn signup_errors(
        &self,
        email: &str,
        password1: &str,
        password2: &str,
    ) -> Result<Vec<(String, String)>> {
        let mut errs = Vec::new();
        if !valid_email(email) {
            errs.push(("email".into(), "Enter a valid email address.".into()));
        } else if self.user_by_email(email)?.is_some() {
            errs.push((
                "email".into(),
                "A user is already registered with this email address.".into(),
            ));
        }
        if password1.chars().count() < 8 {
            errs.push((
                "password1".into(),
                "This password is too short. It must contain at least 8 characters.".into(),
            ));
        } else if password1.chars().count() > crate::input::MAX_FIELD_CHARS {
            errs.push(("password1".into(), "This password is too long.".into()));
        }
        if password1 != password2 {
            errs.push((
                "password2".into(),
                "You must type the same password each time.".into(),
            ));
        }
        Ok(errs)
    }

    /// Creates a user (the password already validated). Hashing runs on the caller's thread:
    /// call from a blocking context.
    pub fn create_user(
        &self,
        email: &str,
        password: Option<&str>,
        first: &str,
        last: &str,
    ) -> Result<User> {
        let hash = match password {
            Some(p) => Some(crypto::hash_password(&self.cfg.password_hashing, p)?),
            None => None,
        };
        let now = self.now();
        let conn = self.conn();
        let id: Option<i64> = conn
            .row(
                "INSERT INTO users (email, password_hash, first_name, last_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING id",
                params![email.trim(), hash, first, last, now as i64],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Err(ServerError::fields(vec![(
                "email".into(),
                "A user is already registered with this email address.".into(),
            )]));
        };
        Ok(User {
            id,
            email: email.trim().to_string(),
            first_name: first.into(),
            last_name: last.into(),
            created_at: now,
            password_hash: hash,
        })
    }

    /// Checks an e-mail and password. Unknown users cost a hash too (no timing oracle).
    pub fn authenticate(&self, email: &str, password: &str) -> Result<Option<User>> {
        let user = self.user_by_email(email)?;
        match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => {
                Ok(crypto::verify_password(hash, password).then(|| user.clone().unwrap()))
            }
            None => {
                let _ = crypto::hash_password(&self.cfg.password_hashing, password);
                Ok(None)
            }
        }
    }

    pub fn check_password(&self, user: &User, password: &str) -> bool {
        user.password_hash
            .as_deref()
            .is_some_and(|h| crypto::verify_password(h, password))
    }

    /// Spends an invitation key and sets its user's password, in one transaction; `None` when
    /// the key is unknown, expired or already spent (by a concurrent request, too). Blocking
    /// (password hashing, before the key is taken).
    pub fn accept_invitation(&self, key: &str, password: &str) -> Result<Option<User>> {
        let hash = crypto::hash_password(&self.cfg.password_hashing, password)?;
        let user_id = self.atomic(|tx| {
            let Ok((user_id, _)) = self.take_token(key, PURPOSE_INVITE)? else {
                return Ok(None);
            };
            tx.exec(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![hash, user_id],
            )?;
            Ok(Some(user_id))
        })?;
        match user_id {
            Some(id) => self.user_by_id(id),
            None => Ok(None),
        }
    }

    pub fn set_password(&self, user_id: i64, password: &str) -> Result<()> {
        let hash = crypto::hash_password(&self.cfg.password_hashing, password)?;
        self.conn().exec(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![hash, user_id],
        )?;
        Ok(())
    }

    pub fn has_totp(&self, user_id: i64) -> Result<bool> {
        Ok(self
            .conn()
            .row(
                "SELECT 1 FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
