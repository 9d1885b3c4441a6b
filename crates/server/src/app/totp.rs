//! TOTP: enrolment, the otpauth URI, verification.

use crate::db::{params, OptionalExtension};
use twofold_otp::{KeyUri, Kind, Secret};
use zeroize::Zeroizing;

use crate::crypto::{self};
use crate::error::{Result, ServerError};

use super::*;

impl App {
    // ----- TOTP ----------------------------------------------------------------------------

    pub(crate) fn secret_aad(user_id: i64, what: &str) -> String {
        format!("twofold-server/{what}/user:{user_id}")
    }

    pub(super) fn build_uri(&self, user: &User, secret: &Secret) -> Zeroizing<String> {
        if self.cfg.profile.is_allauth() {
            return Zeroizing::new(crate::upstream::allauth_totp_url(
                &user.email,
                &secret.to_base32(),
                &self.cfg.issuer,
                self.cfg.digits,
                self.cfg.period,
            ));
        }
        let mut uri = KeyUri::new(
            Kind::Totp,
            secret.clone(),
            Some(self.cfg.issuer.clone()).filter(|i| !i.is_empty()),
            user.email.clone(),
        );
        uri.algorithm = self.cfg.algorithm;
        uri.digits = self.cfg.digits;
        uri.period = self.cfg.period;
        uri.to_uri()
    }

    /// Starts an enrolment: a new 20-byte secret, kept encrypted until activation.
    pub fn setup_totp(&self, user: &User) -> Result<SetupInfo> {
        self.setup_totp_with(
            user,
            Secret::from_bytes(crypto::random_bytes::<20>().to_vec()),
        )
    }

    pub(super) fn setup_totp_with(&self, user: &User, secret: Secret) -> Result<SetupInfo> {
        if self.has_totp(user.id)? {
            return Err(ServerError::bad_request("TOTP already activated."));
        }
        let blob = self.keys.encrypt(
            &Self::secret_aad(user.id, "setup-secret"),
            secret.as_bytes(),
        )?;
        self.conn().exec(
            "INSERT INTO setup_secrets (user_id, data, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
            params![user.id, blob, self.now() as i64],
        )?;
        let uri = self.build_uri(user, &secret);
        let qr_svg = qr_svg(&uri);
        Ok(SetupInfo {
            secret: secret.to_base32(),
            provisioning_uri: uri,
            qr_svg,
        })
    }

    /// The pending enrolment secret, if any and not expired.
    pub fn pending_secret(&self, user: &User) -> Result<Option<Secret>> {
        let row: Option<(Vec<u8>, i64)> = self
            .conn()
            .row(
                "SELECT data, created_at FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((blob, created)) = row else {
            return Ok(None);
        };
        if self.now() as i64 - created >= self.cfg.challenge_ttl as i64 {
            self.conn().exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
            return Ok(None);
        }
        let bytes = self
            .keys
            .decrypt(&Self::secret_aad(user.id, "setup-secret"), &blob)?;
        Ok(Some(Secret::from_bytes(bytes.to_vec())))
    }

    /// The provisioning URI and QR of the pending enrolment (HTML activation page reloads).
    pub fn pending_setup(&self, user: &User) -> Result<Option<SetupInfo>> {
        Ok(self.pending_secret(user)?.map(|secret| {
            let uri = self.build_uri(user, &secret);
            SetupInfo {
                secret: secret.to_base32(),
                qr_svg: qr_svg(&uri),
                provisioning_uri: uri,
            }
        }))
    }

    pub(crate) fn bypass(&self, code: &str) -> bool {
        match (&self.cfg.insecure_bypass_code, self.cfg.insecure) {
            (Some(b), true) => twofold_otp::verify::normalize_code(code)
                .map(|c| twofold_otp::verify::codes_equal(&c, &b.to_ascii_uppercase()))
                .unwrap_or(false),
            _ => false,
        }
    }

    /// Confirms the first code and activates TOTP; returns the new recovery codes.
    pub fn activate_totp(&self, user: &User, code: &str) -> Result<Vec<String>> {
        self.activate_totp_with(user, code, None)
    }

    /// The secret being set up, for an activation: refused when the user has TOTP already or
    /// never started the setup.
    pub(super) fn secret_to_activate(&self, user: &User) -> Result<Secret> {
        if self.has_totp(user.id)? {
            return Err(ServerError::bad_request("TOTP already activated."));
        }
        self.pending_secret(user)?
            .ok_or_else(|| ServerError::bad_request("Setup not initiated."))
    }

    /// In `tx`: stores the proven secret (encrypted) as the user's TOTP device with its
    /// `last_step` and `drift` (`used_at`: the activation spent a code then) and forgets the
    /// pending secret. An activation that got there first makes this one "TOTP already
    /// activated.".
    pub(super) fn store_totp_device(
        &self,
        tx: &crate::db::Conn,
        user_id: i64,
        secret: &Secret,
        (last_step, drift): (i64, i64),
        used_at: Option<u64>,
    ) -> Result<()> {
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user_id, TYPE_TOTP), secret.as_bytes())?;
        let inserted = tx.exec(
            "INSERT INTO authenticators (user_id, type, data, last_step, drift, created_at, last_used_at) VALUES (?1, 'totp', ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id, type) DO NOTHING",
            params![user_id, blob, last_step, drift, self.now() as i64, used_at.map(|t| t as i64)],
        )?;
        if inserted == 0 {
            return Err(ServerError::bad_request("TOTP already activated."));
        }
        tx.exec(
            "DELETE FROM setup_secrets WHERE user_id = ?1",
            params![user_id],
        )?;
        Ok(())
    }

    /// The time step `code` is valid for at `now` within the configured tolerance, if any.
    fn matching_step(&self, secret: &Secret, code: &str, now: u64) -> Option<u64> {
        twofold_otp::verify::verify_totp(secret, &self.otp_params(), code, now, self.cfg.tolerance)
            .ok()
            .flatten()
    }

    /// The user's TOTP secret, still encrypted; `None` without TOTP.
    pub(crate) fn totp_blob(&self, user_id: i64) -> Result<Option<Vec<u8>>> {
        self.conn()
            .row(
                "SELECT data FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| r.get(0),
            )
            .optional()
    }

    /// As [`activate_totp`](App::activate_totp); `setup_challenge` (the REST bootstrap) is
    /// spent in the same transaction that activates, and only one request can spend it.
    pub(crate) fn activate_totp_with(
        &self,
        user: &User,
        code: &str,
        setup_challenge: Option<&str>,
    ) -> Result<Vec<String>> {
        let secret = self.secret_to_activate(user)?;
        let now = self.now();
        let step = if self.bypass(code) {
            Some(self.otp_params().step_at(now).unwrap_or(0))
        } else {
            self.matching_step(&secret, code, now)
        };
        // django-otp: two_factor/forms.py, TOTPDeviceForm.clean_token/save: the offset found
        // becomes the drift, and the new device's last_t is -1 (the setup code not spent).
        let (step, drift) = if self.cfg.profile.is_django_otp() {
            let d = if self.bypass(code) {
                Some(0)
            } else {
                crate::django_otp::python_int(code).and_then(|t| {
                    crate::django_otp::setup_drift(&secret, &self.otp_params(), t, now)
                })
            };
            (d.map(|_| -1i64), d.unwrap_or(0))
        } else {
            (step.map(|s| s as i64), 0)
        };
        let Some(step) = step else {
            return Err(ServerError::bad_request("Invalid code."));
        };
        self.atomic(|tx| {
            if let Some(id) = setup_challenge {
                match self.take_token(id, PURPOSE_SETUP)? {
                    Ok((uid, _)) if uid == user.id => {}
                    Err(true) => return Err(ServerError::bad_request("Setup not initiated.")),
                    _ => return Err(ServerError::not_authenticated()),
                }
            }
            self.store_totp_device(tx, user.id, &secret, (step, drift), Some(now))
        })?;
        self.new_recovery_codes(user.id)
    }

    /// Checks a TOTP code against the user's authenticator: accepted once per step (a step
    /// not after the last accepted one is a replay), within the configured tolerance.
    pub(super) fn check_totp_code(&self, user_id: i64, code: &str) -> Result<bool> {
        if self.cfg.profile.is_allauth() {
            return self.allauth_check_totp(user_id, code);
        }
        if self.cfg.profile.is_django_otp() {
            return match self.otp_verify_totp(user_id, code)? {
                crate::django_otp::Verdict::Accepted => Ok(true),
                crate::django_otp::Verdict::Invalid => Ok(false),
                crate::django_otp::Verdict::Throttled(r) => Err(self.throttled(r)),
            };
        }
        let row: Option<(i64, Vec<u8>, Option<i64>)> = self
            .conn()
            .row(
                "SELECT id, data, last_step FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((auth_id, blob, last_step)) = row else {
            return Err(ServerError::bad_request("TOTP not activated."));
        };
        let now = self.now();
        if self.bypass(code) {
            self.conn().exec(
                "UPDATE authenticators SET last_used_at = ?1 WHERE id = ?2",
                params![now as i64, auth_id],
            )?;
            return Ok(true);
        }
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        let matched = self.matching_step(&secret, code, now);
        match matched {
            Some(step) if last_step.is_none_or(|l| step as i64 > l) => {
                // Conditional update: two concurrent requests with one code cannot both win.
                let n = self.conn().exec(
                    "UPDATE authenticators SET last_step = ?1, last_used_at = ?2 WHERE id = ?3 AND (last_step IS NULL OR last_step < ?1)",
                    params![step as i64, now as i64, auth_id],
                )?;
                Ok(n == 1)
            }
            _ => Ok(false),
        }
    }
}
