//! Authenticators as allauth stores them, and the users they are serialised as.

use crate::db::params;
use serde_json::{json, Value};
use twofold_otp::Secret;

use crate::app::{App, User, TYPE_TOTP};
use crate::crypto;
use crate::error::{Result, ServerError};

use super::*;

/// `headless/adapter.py`, `serialize_user`: empty values left out. Twofold's users have no user
/// name of their own: the e-mail's local part stands in (allauth derives one from it too).
pub(super) fn serialize_user(u: &User) -> Value {
    let username = u.email.split('@').next().unwrap_or("").to_string();
    json!({
        "id": u.id,
        "display": username,
        "email": u.email,
        "has_usable_password": u.has_password(),
        "username": username,
    })
}

/// `headless/mfa/response.py`, `_authenticator_data`.
pub(super) fn authenticator_data(a: &Authenticator, sensitive: bool) -> Value {
    let mut d = json!({
        "type": a.kind,
        "created_at": a.created_at as f64,
        "last_used_at": a.last_used_at.map(|t| t as f64),
    });
    if let Some((total, unused)) = &a.codes {
        d["total_code_count"] = json!(total);
        d["unused_code_count"] = json!(unused.len());
        if sensitive {
            d["unused_codes"] = json!(unused);
        }
    }
    d
}

/// An authenticator row as the headless API shows it.
pub(crate) struct Authenticator {
    pub kind: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Recovery codes: (total, unused).
    pub codes: Option<(usize, Vec<String>)>,
}

impl App {
    /// The user's authenticators in id order (allauth's default ordering).
    pub(crate) fn allauth_authenticators(&self, user_id: i64) -> Result<Vec<Authenticator>> {
        self.authenticator_rows(user_id)?
            .into_iter()
            .map(|(_, kind, created_at, last_used_at)| {
                let codes = if kind == "recovery_codes" {
                    self.recovery_state(user_id)?.map(|(_, all, mask)| {
                        let unused = all
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1u64 << i) == 0)
                            .map(|(_, c)| c.clone())
                            .collect();
                        (all.len(), unused)
                    })
                } else {
                    None
                };
                Ok(Authenticator {
                    kind,
                    created_at,
                    last_used_at,
                    codes,
                })
            })
            .collect()
    }

    /// The types of the user's authenticators, in `Authenticator.Type`'s order
    /// (`mfa/models.py`: recovery_codes, totp, webauthn).
    pub(crate) fn authenticator_types(&self, user_id: i64) -> Result<Vec<&'static str>> {
        let kinds: Vec<String> = self
            .authenticator_rows(user_id)?
            .into_iter()
            .map(|(_, kind, _, _)| kind)
            .collect();
        Ok(["recovery_codes", "totp"]
            .into_iter()
            .filter(|t| kinds.iter().any(|k| k == t))
            .collect())
    }

    /// `mfa/totp/internal/auth.py`, `validate_totp_code`: the code of any step within the
    /// tolerance (allauth: 0), nothing stored.
    pub(super) fn totp_code_valid(&self, secret: &Secret, code: &str) -> bool {
        if self.bypass(code) {
            return true;
        }
        twofold_otp::verify::verify_totp(
            secret,
            &self.otp_params(),
            code,
            self.now(),
            self.cfg.tolerance,
        )
        .ok()
        .flatten()
        .is_some()
    }

    /// One code against every authenticator of the user, as `BaseAuthenticateForm.clean_code`:
    /// TOTP (`TOTP.validate_code`: valid, then marked used for the
    /// `TOTP_PERIOD * (2 * TOTP_TOLERANCE + 1)` seconds it stays valid — a used code is refused
    /// for that long), then the recovery codes (`RecoveryCodes.validate_code`). The
    /// authenticator used gets its `last_used_at` (`Authenticator.record_usage`).
    pub(crate) fn allauth_validate_code(
        &self,
        user_id: i64,
        code: &str,
    ) -> Result<Option<(i64, &'static str)>> {
        // The rows alone: the recovery codes are derived only if the TOTP code fails.
        for (id, kind, _, _) in self.authenticator_rows(user_id)? {
            let ok = if kind == TYPE_TOTP {
                self.allauth_check_totp(user_id, code)?
            } else {
                self.spend_recovery_code(user_id, code)?
            };
            if ok {
                self.conn().exec(
                    "UPDATE authenticators SET last_used_at = ?1 WHERE id = ?2",
                    params![self.now() as i64, id],
                )?;
                let kind = if kind == TYPE_TOTP {
                    "totp"
                } else {
                    "recovery_codes"
                };
                return Ok(Some((id, kind)));
            }
        }
        Ok(None)
    }

    /// `mfa/totp/internal/auth.py`, `TOTP.validate_code`: a valid code is accepted once, then
    /// refused for the `TOTP_PERIOD * (2 * TOTP_TOLERANCE + 1)` seconds it could still be
    /// valid (`_mark_code_used`, a cache entry per user and code): allauth keeps no last step.
    pub(crate) fn allauth_check_totp(&self, user_id: i64, code: &str) -> Result<bool> {
        let blob = self.totp_blob(user_id)?;
        let Some(blob) = blob else { return Ok(false) };
        if self.bypass(code) {
            return Ok(true);
        }
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        if !self.totp_code_valid(&secret, code) {
            return Ok(false);
        }
        let timeout = (self.cfg.period * (2 * self.cfg.tolerance + 1)) as f64;
        let normalized: String = code.split_whitespace().collect();
        self.mark_code_used(user_id, &normalized, now_f(self), timeout)
    }

    /// `_mark_code_used`, `cache.add(key, "y", timeout)`: true when the code was not marked used
    /// for this user yet (or its marker has expired), and then it is. In the database, so that
    /// every instance on it sees the marker (`used_codes`: the code's digest, not the code).
    fn mark_code_used(&self, user_id: i64, code: &str, now: f64, timeout: f64) -> Result<bool> {
        let digest = crypto::digest(code);
        self.batch(|| {
            let conn = self.conn();
            conn.exec(
                "DELETE FROM used_codes WHERE user_id = ?1 AND expires_at <= ?2",
                params![user_id, now],
            )?;
            let added = conn.exec(
                "INSERT INTO used_codes (user_id, code_digest, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![user_id, digest, now + timeout],
            )?;
            Ok(added == 1)
        })
    }

    /// `RecoveryCodes.validate_code`: the first unused code equal to the one typed is spent.
    pub(super) fn spend_recovery_code(&self, user_id: i64, code: &str) -> Result<bool> {
        let Some((id, codes, mask)) = self.recovery_state(user_id)? else {
            return Ok(false);
        };
        let hit = codes.iter().enumerate().find(|(i, c)| {
            mask & (1u64 << i) == 0 && twofold_otp::verify::codes_equal(c, code.trim())
        });
        let Some((i, _)) = hit else { return Ok(false) };
        let bit = 1i64 << i;
        let n = self.conn().exec(
            "UPDATE authenticators SET used_mask = used_mask | ?1 WHERE id = ?2 AND (used_mask & ?1) = 0",
            params![bit, id],
        )?;
        Ok(n == 1)
    }

    /// `mfa/totp/internal/flows.py`, `activate_totp`: the TOTP authenticator (never used yet,
    /// so `last_used_at` null), and recovery codes when the user has none
    /// (`auto_generate_recovery_codes`).
    pub(super) fn allauth_activate(&self, user: &User, secret: &str) -> Result<()> {
        let secret =
            Secret::from_base32(secret).map_err(|_| ServerError::bad_request("Invalid secret."))?;
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user.id, TYPE_TOTP), secret.as_bytes())?;
        self.batch(|| {
            self.conn().exec(
                "INSERT INTO authenticators (user_id, type, data, created_at) VALUES (?1, 'totp', ?2, ?3)",
                params![user.id, blob, self.now() as i64],
            )?;
            if self.recovery_state(user.id)?.is_none() {
                self.new_recovery_codes(user.id)?;
            }
            Ok(())
        })
    }

    /// `mfa/base/internal/flows.py`, `delete_and_cleanup`: the TOTP authenticator, and the
    /// recovery codes left dangling without it.
    pub(super) fn allauth_deactivate(&self, user_id: i64) -> Result<()> {
        self.batch(|| {
            self.conn().exec(
                "DELETE FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
            )?;
            self.conn().exec(
                "DELETE FROM authenticators WHERE user_id = ?1 AND NOT EXISTS (SELECT 1 FROM authenticators WHERE user_id = ?1 AND type != 'recovery_codes')",
                params![user_id],
            )?;
            Ok(())
        })
    }

    /// `mfa/internal/flows/trust.py`, `create_config_fingerprint`: changes with the password
    /// and the authenticators, so that a trust given before such a change no longer holds.
    pub(super) fn trust_fingerprint(&self, user: &User) -> Result<String> {
        let mut parts = vec![user.id.to_string(), user.password_fingerprint()];
        for (id, kind, created_at, _) in self.authenticator_rows(user.id)? {
            parts.push(id.to_string());
            parts.push(kind);
            parts.push(created_at.to_string());
        }
        let mac = self
            .keys
            .mac(format!("allauth.mfa.trust|{}", parts.join("|")).as_bytes());
        Ok(hex::encode(mac))
    }

    /// `trust.py`, `decode_trust_cookie` / `is_trusted_browser`.
    pub(super) fn trusted(&self, cookie: Option<&String>, user: &User) -> Result<bool> {
        let Some(value) = cookie else {
            return Ok(false);
        };
        let fp = self.trust_fingerprint(user)?;
        let now = self.now();
        Ok(value.split('.').any(|entry| {
            let Some((at, rest)) = entry.split_once('-') else {
                return false;
            };
            let Some((fingerprint, sig)) = rest.split_once('-') else {
                return false;
            };
            let expect = self
                .keys
                .mac(format!("trust|{at}|{fingerprint}").as_bytes());
            let expect = hex::encode(&expect[..16]);
            let at: u64 = at.parse().unwrap_or(0);
            crypto::digest(sig) == crypto::digest(&expect)
                && fingerprint == fp
                && at + self.cfg.trust_cookie_age > now
        }))
    }

    pub(super) fn trust_cookie(&self, existing: Option<&String>, user: &User) -> Result<String> {
        let fp = self.trust_fingerprint(user)?;
        let at = self.now();
        let sig = self.keys.mac(format!("trust|{at}|{fp}").as_bytes());
        let sig = hex::encode(&sig[..16]);
        let mut entries: Vec<String> = existing
            .map(|v| v.split('.').map(str::to_string).collect())
            .unwrap_or_default();
        entries.retain(|e| !e.is_empty());
        entries.truncate(16);
        entries.push(format!("{at}-{fp}-{sig}"));
        Ok(entries.join("."))
    }
}
