//! Single-use tokens (challenges, refresh whitelist, invitations) and the JWT pair.

use crate::db::{params, OptionalExtension};

use crate::config::Mode;
use crate::crypto::{self, Claims};
use crate::error::{Result, ServerError};

use super::*;

impl App {
    // ----- single-use tokens (challenges, refresh whitelist, invitations) ------------------

    pub(crate) fn create_token(&self, user_id: i64, purpose: &str, token: &str) -> Result<()> {
        self.conn().exec(
            "INSERT INTO tokens (digest, user_id, purpose, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![crypto::digest(token), user_id, purpose, self.now() as i64],
        )?;
        Ok(())
    }

    pub(super) fn token_ttl(&self, purpose: &str) -> u64 {
        match purpose {
            PURPOSE_REFRESH => self.cfg.refresh_token_ttl,
            PURPOSE_INVITE => 7 * 86_400,
            _ => self.cfg.challenge_ttl,
        }
    }

    /// `Ok(Some(user_id, failures))` for a live token; `Err(true)` inside when it existed but
    /// has expired (it is deleted then), `Err(false)` when unknown.
    pub(crate) fn lookup_token(
        &self,
        token: &str,
        purpose: &str,
    ) -> Result<std::result::Result<(i64, u32), bool>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(Err(false));
        }
        let d = crypto::digest(token);
        let conn = self.conn();
        let row: Option<(i64, u32, i64)> = conn
            .row(
                "SELECT user_id, failures, created_at FROM tokens WHERE digest = ?1 AND purpose = ?2",
                params![d, purpose],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(match row {
            None => Err(false),
            Some((user_id, failures, created)) => {
                let age = self.now() as i64 - created;
                if age >= self.token_ttl(purpose) as i64 {
                    conn.exec("DELETE FROM tokens WHERE digest = ?1", params![d])?;
                    Err(true)
                } else {
                    Ok((user_id, failures))
                }
            }
        })
    }

    /// Takes a single-use token: deletes it and returns what it held in one statement
    /// (`DELETE … RETURNING`), so that of two concurrent requests with one token exactly one
    /// gets it. The same answers as [`lookup_token`](App::lookup_token).
    pub(crate) fn take_token(
        &self,
        token: &str,
        purpose: &str,
    ) -> Result<std::result::Result<(i64, u32), bool>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(Err(false));
        }
        let row: Option<(i64, u32, i64)> = self
            .conn()
            .row(
                "DELETE FROM tokens WHERE digest = ?1 AND purpose = ?2 RETURNING user_id, failures, created_at",
                params![crypto::digest(token), purpose],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(match row {
            None => Err(false),
            Some((_, _, created))
                if self.now() as i64 - created >= self.token_ttl(purpose) as i64 =>
            {
                Err(true)
            }
            Some((user_id, failures, _)) => Ok((user_id, failures)),
        })
    }

    pub(crate) fn delete_token(&self, token: &str) -> Result<bool> {
        Ok(self.conn().exec(
            "DELETE FROM tokens WHERE digest = ?1",
            params![crypto::digest(token)],
        )? > 0)
    }

    // ----- tokens (JWT) --------------------------------------------------------------------

    /// A fresh access + refresh pair; the refresh token's id goes on the whitelist.
    pub fn issue_tokens(&self, user: &User) -> Result<TokenPair> {
        let now = self.now();
        let refresh_jti = crypto::uuid4().replace('-', "");
        let refresh = self.keys.jwt_encode(&Claims {
            token_type: "refresh".into(),
            exp: now + self.cfg.refresh_token_ttl,
            iat: now,
            jti: refresh_jti.clone(),
            user_id: user.id,
            email: user.email.clone(),
        });
        self.create_token(user.id, PURPOSE_REFRESH, &refresh_jti)?;
        let access = self.keys.jwt_encode(&Claims {
            token_type: "access".into(),
            exp: now + self.cfg.access_token_ttl,
            iat: now,
            jti: crypto::uuid4().replace('-', ""),
            user_id: user.id,
            email: user.email.clone(),
        });
        Ok(TokenPair { access, refresh })
    }

    /// A token's claims when it is signed by this server, unexpired and of `token_type`.
    fn live_claims(&self, token: &str, token_type: &str) -> Option<crate::crypto::Claims> {
        self.keys
            .jwt_decode(token, self.now())
            .filter(|c| c.token_type == token_type)
    }

    /// The user an access token belongs to.
    pub fn user_from_access(&self, token: &str) -> Result<User> {
        let claims = self
            .live_claims(token, "access")
            .ok_or_else(|| ServerError::unauthorized("Given token not valid for any token type"))?;
        self.user_by_id(claims.user_id)?
            .ok_or_else(|| ServerError::unauthorized("User not found"))
    }

    /// Rotates a refresh token: the old one stops working, a new pair is issued.
    pub fn refresh(&self, refresh: &str) -> Result<TokenPair> {
        let invalid = || ServerError::unauthorized("Token is invalid or expired");
        let claims = self.live_claims(refresh, "refresh").ok_or_else(invalid)?;
        // Spent in the statement that finds it: two concurrent refreshes cannot both pass.
        match self.take_token(&claims.jti, PURPOSE_REFRESH)? {
            Ok((user_id, _)) if user_id == claims.user_id => {}
            _ => return Err(invalid()),
        }
        let user = self.user_by_id(claims.user_id)?.ok_or_else(invalid)?;
        if self.cfg.mode == Mode::Required && !self.has_totp(user.id)? {
            return Err(ServerError::forbidden(
                "Multi-factor authentication is required.",
            ));
        }
        self.issue_tokens(&user)
    }

    /// Revokes a refresh token (logout). Unknown tokens are not an error.
    pub fn revoke_refresh(&self, refresh: &str) -> Result<bool> {
        // Expired tokens are already useless; still parse them (time 0) for the jti.
        match self.keys.jwt_decode(refresh, 0) {
            Some(c) if c.token_type == "refresh" => self.delete_token(&c.jti),
            _ => Ok(false),
        }
    }
}
