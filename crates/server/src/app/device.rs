//! django-otp's devices in the core: the TOTP row and the static (backup token) row of a user,
//! each with its own drift/`last_t` and throttling state, verified by the rules of
//! [`crate::django_otp`] under the profiles `django-otp`, `two-factor` and `allauth-2fa`.

use crate::db::{params, OptionalExtension};
use twofold_otp::Secret;
use zeroize::Zeroizing;

use crate::django_otp::{self, Refusal, Rules, Throttle, TotpDevice, Verdict};
use crate::error::{Result, ServerError};

use super::*;

/// The length of a static-token seed: tells the derivation apart from the others
/// ([`App::derive_codes`]).
pub(crate) const STATIC_SEED_LEN: usize = 32;

fn throttle_of(count: i64, at: Option<i64>) -> Throttle {
    Throttle {
        failure_count: count.clamp(0, i64::from(u32::MAX)) as u32,
        failure_at_ms: at.map(|v| v.max(0) as u64),
    }
}

impl App {
    /// The django-otp settings of this server.
    pub fn otp_rules(&self) -> Rules {
        Rules {
            tolerance: self.cfg.tolerance,
            sync: self.cfg.totp_sync,
            throttle_factor: self.cfg.throttle_factor,
        }
    }

    /// A throttled attempt as the REST face answers it: 429, django-otp's message, and when
    /// to come back.
    pub(crate) fn throttled(&self, r: Refusal) -> ServerError {
        ServerError::api_retry(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            r.message(),
            r.retry_after_secs(self.now_ms()),
        )
    }

    /// `TOTPDevice.verify_token` (django_otp/plugins/otp_totp/models.py) on the user's TOTP
    /// device; the new drift, `last_t` and throttling state stored.
    pub fn otp_verify_totp(&self, user_id: i64, code: &str) -> Result<Verdict> {
        type Row = (i64, Vec<u8>, Option<i64>, i64, i64, Option<i64>);
        let row: Option<Row> = self
            .conn()
            .row(
                "SELECT id, data, last_step, drift, throttle_count, throttle_at_ms FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some((id, blob, last_step, drift, count, at)) = row else {
            return Err(ServerError::bad_request("TOTP not activated."));
        };
        let now_ms = self.now_ms();
        if self.bypass(code) {
            self.conn().exec(
                "UPDATE authenticators SET last_used_at = ?1, throttle_count = 0, throttle_at_ms = NULL WHERE id = ?2",
                params![(now_ms / 1000) as i64, id],
            )?;
            return Ok(Verdict::Accepted);
        }
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        let mut dev = TotpDevice {
            drift,
            last_t: last_step.unwrap_or(-1),
            throttle: throttle_of(count, at),
        };
        let verdict =
            dev.verify_token(&secret, &self.otp_params(), code, &self.otp_rules(), now_ms);
        if matches!(verdict, Verdict::Throttled(_)) {
            return Ok(verdict);
        }
        // Conditional on the state read: of two concurrent requests with one code, one wins.
        let n = self.conn().exec(
            "UPDATE authenticators SET last_step = ?1, drift = ?2, throttle_count = ?3, throttle_at_ms = ?4,
                last_used_at = CASE WHEN ?5 THEN ?6 ELSE last_used_at END
             WHERE id = ?7 AND last_step IS NOT DISTINCT FROM ?8 AND drift = ?9 AND throttle_count = ?10",
            params![
                dev.last_t,
                dev.drift,
                dev.throttle.failure_count,
                dev.throttle.failure_at_ms.map(|v| v as i64),
                verdict == Verdict::Accepted,
                (now_ms / 1000) as i64,
                id,
                last_step,
                drift,
                count
            ],
        )?;
        Ok(if n == 1 { verdict } else { Verdict::Invalid })
    }

    /// `StaticDevice.verify_token` (django_otp/plugins/otp_static/models.py) on the user's
    /// backup tokens: `Err` when the user has none at all.
    pub fn otp_verify_static(&self, user_id: i64, code: &str) -> Result<Verdict> {
        let Some((id, codes, mask)) = self.recovery_state(user_id)? else {
            return Err(ServerError::bad_request("Recovery codes not available."));
        };
        let (count, at): (i64, Option<i64>) = self.conn().row(
            "SELECT throttle_count, throttle_at_ms FROM authenticators WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut throttle = throttle_of(count, at);
        let unused: Vec<(usize, String)> = codes
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mask & (1u64 << i) == 0)
            .collect();
        let now_ms = self.now_ms();
        let (verdict, hit) = django_otp::verify_static(
            &mut throttle,
            &unused,
            code,
            self.cfg.throttle_factor,
            now_ms,
        );
        if matches!(verdict, Verdict::Throttled(_)) {
            return Ok(verdict);
        }
        let bit = hit.map_or(0i64, |i| 1i64 << i);
        let n = self.conn().exec(
            "UPDATE authenticators SET used_mask = used_mask | ?1, throttle_count = ?2, throttle_at_ms = ?3,
                last_used_at = CASE WHEN ?1 != 0 THEN ?4 ELSE last_used_at END
             WHERE id = ?5 AND (used_mask & ?1) = 0 AND throttle_count = ?6",
            params![
                bit,
                throttle.failure_count,
                throttle.failure_at_ms.map(|v| v as i64),
                (now_ms / 1000) as i64,
                id,
                count
            ],
        )?;
        Ok(if n == 1 { verdict } else { Verdict::Invalid })
    }

    /// Backup tokens as `otp_static` makes them (`StaticToken.random_token`): 8 characters of
    /// `[a-z2-7]`, from 5 bytes of an HMAC of the set's seed.
    pub(crate) fn static_tokens(seed: &[u8], count: u32) -> Vec<String> {
        use hmac::{Hmac, Mac};
        (0..count)
            .map(|i| {
                let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(seed).expect("key");
                mac.update(b"otp_static");
                mac.update(&i.to_be_bytes());
                let d = mac.finalize().into_bytes();
                django_otp::static_token([d[0], d[1], d[2], d[3], d[4]])
            })
            .collect()
    }

    /// `BackupTokensView.get_device`: `staticdevice_set.get_or_create`: a static device with no
    /// tokens yet.
    pub fn empty_static_device(&self, user_id: i64) -> Result<()> {
        let seed = Self::static_seed();
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user_id, TYPE_RECOVERY), seed.as_slice())?;
        self.conn().exec(
            "INSERT INTO authenticators (user_id, type, data, code_count, used_mask, created_at) VALUES (?1, 'recovery_codes', ?2, 0, 0, ?3)
             ON CONFLICT (user_id, type) DO NOTHING",
            params![user_id, blob, self.now() as i64],
        )?;
        Ok(())
    }

    /// A new seed for a set of backup tokens.
    pub(crate) fn static_seed() -> Zeroizing<Vec<u8>> {
        Zeroizing::new(crate::crypto::random_bytes::<STATIC_SEED_LEN>().to_vec())
    }

    /// `two_factor/forms.py`, `TOTPDeviceForm.clean_token` then `save`: the pending secret
    /// proved by an integer token (tolerance 1, any offset becomes the drift), the device
    /// stored with `last_t` −1 (not spent). Returns `Ok(false)` for a wrong token.
    pub fn otp_activate(&self, user: &User, token: &str) -> Result<bool> {
        let secret = self.secret_to_activate(user)?;
        let drift = if self.bypass(token) {
            Some(0)
        } else {
            django_otp::python_int(token)
                .and_then(|t| django_otp::setup_drift(&secret, &self.otp_params(), t, self.now()))
        };
        let Some(drift) = drift else {
            return Ok(false);
        };
        self.atomic(|tx| self.store_totp_device(tx, user.id, &secret, (-1, drift), None))?;
        Ok(true)
    }

    /// `allauth_2fa/forms.py`, `TOTPDeviceForm.clean_otp_token`: the unconfirmed device's own
    /// `verify_token` (tolerance, drift, `last_t`, throttling), so the setup code is spent and
    /// an off-centre code sets the drift; the device confirmed on success.
    pub fn otp_activate_verified(&self, user: &User, token: &str) -> Result<Verdict> {
        let secret = self.secret_to_activate(user)?;
        let mut dev = TotpDevice::default();
        let verdict = if self.bypass(token) {
            Verdict::Accepted
        } else {
            dev.verify_token(
                &secret,
                &self.otp_params(),
                token,
                &self.otp_rules(),
                self.now_ms(),
            )
        };
        if verdict != Verdict::Accepted {
            return Ok(verdict);
        }
        self.atomic(|tx| {
            self.store_totp_device(tx, user.id, &secret, (dev.last_t, dev.drift), None)
        })?;
        Ok(verdict)
    }

    /// The device's state, for the QA endpoints and tests: (drift, last_t, throttle count).
    pub fn otp_totp_state(&self, user_id: i64) -> Result<Option<(i64, i64, u32)>> {
        self
            .conn()
            .row(
                "SELECT drift, last_step, throttle_count FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?.unwrap_or(-1),
                        r.get::<_, i64>(2)?.max(0) as u32,
                    ))
                },
            )
            .optional()
    }
}
