//! Recovery codes.

use crate::db::{params, OptionalExtension};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::{self};
use crate::error::{Result, ServerError};

use super::*;

impl App {
    // ----- recovery codes --------------------------------------------------------------------

    pub(crate) fn derive_codes(seed: &[u8], count: u32) -> Vec<String> {
        if seed.len() == ALLAUTH_SEED_CHARS {
            return crate::upstream::allauth_recovery_codes(seed, count);
        }
        if seed.len() == super::device::STATIC_SEED_LEN {
            return Self::static_tokens(seed, count);
        }
        (0..count)
            .map(|i| {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(seed).expect("key");
                mac.update(&i.to_be_bytes());
                let d = mac.finalize().into_bytes();
                let n = u32::from_be_bytes([d[0] & 0x7f, d[1], d[2], d[3]]) % 100_000_000;
                format!("{n:08}")
            })
            .collect()
    }

    /// Replaces the user's recovery codes with a fresh set (the old set stops working).
    pub(crate) fn new_recovery_codes(&self, user_id: i64) -> Result<Vec<String>> {
        // allauth: `secrets.token_hex(40)`, the codes derived as its recovery_codes/internal/
        // auth.py derives them (the seed's length says which derivation a stored set uses).
        let seed: Zeroizing<Vec<u8>> = if self.cfg.profile.is_allauth() {
            Zeroizing::new(hex::encode(crypto::random_bytes::<40>()).into_bytes())
        } else if self.cfg.profile.is_django_otp() {
            // django_otp/plugins/otp_static/models.py, StaticToken.random_token.
            Self::static_seed()
        } else {
            Zeroizing::new(crypto::random_bytes::<20>().to_vec())
        };
        let count = self.cfg.recovery_codes;
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user_id, TYPE_RECOVERY), seed.as_slice())?;
        self.conn().exec(
            "INSERT INTO authenticators (user_id, type, data, code_count, used_mask, created_at) VALUES (?1, 'recovery_codes', ?2, ?3, 0, ?4)
             ON CONFLICT (user_id, type) DO UPDATE SET data = excluded.data, code_count = excluded.code_count, used_mask = 0, created_at = excluded.created_at, last_used_at = NULL",
            params![user_id, blob, count, self.now() as i64],
        )?;
        Ok(Self::derive_codes(seed.as_slice(), count))
    }

    pub(crate) fn recovery_state(&self, user_id: i64) -> Result<Option<(i64, Vec<String>, u64)>> {
        let row: Option<(i64, Vec<u8>, u32, i64)> = self
            .conn()
            .row(
                "SELECT id, data, code_count, used_mask FROM authenticators WHERE user_id = ?1 AND type = 'recovery_codes'",
                params![user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, blob, count, mask)) = row else {
            return Ok(None);
        };
        let seed = self
            .keys
            .decrypt(&Self::secret_aad(user_id, TYPE_RECOVERY), &blob)?;
        Ok(Some((id, Self::derive_codes(&seed, count), mask as u64)))
    }

    /// The unused codes to show on a page: none when there is no set or it cannot be read.
    pub fn codes_to_show(&self, user_id: i64) -> Vec<String> {
        self.unused_recovery_codes(user_id)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// The codes not used yet (allauth's `get_unused_codes`).
    pub fn unused_recovery_codes(&self, user_id: i64) -> Result<Option<Vec<String>>> {
        Ok(self.recovery_state(user_id)?.map(|(_, codes, mask)| {
            codes
                .into_iter()
                .enumerate()
                .filter(|(i, _)| mask & (1u64 << i) == 0)
                .map(|(_, c)| c)
                .collect()
        }))
    }

    /// Regenerates the recovery codes of a user with TOTP.
    pub fn regenerate_recovery_codes(&self, user: &User) -> Result<Vec<String>> {
        if !self.has_totp(user.id)? {
            return Err(ServerError::bad_request("TOTP not activated."));
        }
        self.new_recovery_codes(user.id)
    }

    /// Spends a recovery code. `Err` when the user has none at all.
    pub(super) fn use_recovery_code(&self, user_id: i64, code: &str) -> Result<bool> {
        if self.cfg.profile.is_django_otp() {
            return match self.otp_verify_static(user_id, code)? {
                crate::django_otp::Verdict::Accepted => Ok(true),
                crate::django_otp::Verdict::Invalid => Ok(false),
                crate::django_otp::Verdict::Throttled(r) => Err(self.throttled(r)),
            };
        }
        let Some((id, codes, mask)) = self.recovery_state(user_id)? else {
            return Err(ServerError::bad_request("Recovery codes not available."));
        };
        let typed: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let mut hit = None;
        for (i, c) in codes.iter().enumerate() {
            if twofold_otp::verify::codes_equal(c, &typed)
                && mask & (1u64 << i) == 0
                && hit.is_none()
            {
                hit = Some(i);
            }
        }
        let Some(i) = hit else { return Ok(false) };
        let bit = 1i64 << i;
        let n = self.conn().exec(
            "UPDATE authenticators SET used_mask = used_mask | ?1, last_used_at = ?2 WHERE id = ?3 AND (used_mask & ?1) = 0",
            params![bit, self.now() as i64, id],
        )?;
        Ok(n == 1)
    }
}
