//! django-otp's verification rules, as the profiles `django-otp`, `two-factor` and
//! `allauth-2fa` follow them: the throttling back-off, TOTP drift tracking, the last verified
//! step, and static (backup) tokens.
//!
//! Followed: django-otp 1.7.5 and django-two-factor-auth 1.18.1 (docs/server.md pins them).
//! Each rule names the upstream file it follows; paths are relative to the installed packages.
//! This module holds the rules alone, on plain values, with the time passed in: the core
//! (`app/device.rs`) loads and stores the state around them.

use twofold_otp::{OtpParams, Secret};

/// `django_otp/models.py`: `MAX_THROTTLE_DELAY_SECONDS = timedelta(days=365 * 100)`.
pub const MAX_THROTTLE_DELAY_SECS: u64 = 365 * 100 * 86_400;

/// `django_otp/models.py`, `ThrottlingMixin`: `throttling_failure_count` and
/// `throttling_failure_timestamp` (kept in milliseconds here; Django keeps microseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failure_count: u32,
    pub failure_at_ms: Option<u64>,
}

/// Why a verification was not even tried: `VerifyNotAllowed.N_FAILED_ATTEMPTS` with its
/// `failure_count` and `locked_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub failure_count: u32,
    pub locked_until_ms: u64,
}

impl Refusal {
    /// `django_otp/forms.py`, `OTPAuthenticationFormMixin.otp_error_messages
    /// ['n_failed_attempts']` (an `ngettext_lazy` on `failure_count`).
    pub fn message(&self) -> String {
        let n = self.failure_count;
        let noun = if n == 1 { "attempt" } else { "attempts" };
        format!(
            "Verification temporarily disabled because of {n} failed {noun}, please try again soon."
        )
    }

    /// Whole seconds until the device takes codes again (at least 1), for `Retry-After`.
    pub fn retry_after_secs(&self, now_ms: u64) -> u64 {
        self.locked_until_ms
            .saturating_sub(now_ms)
            .div_ceil(1000)
            .max(1)
    }
}

impl Throttle {
    /// `ThrottlingMixin.verify_is_allowed`: the delay required after `n` consecutive failures
    /// is `factor × 2^(n−1)` seconds, at most `MAX_THROTTLE_DELAY_SECONDS`; a factor of 0
    /// disables throttling (`throttling_enabled`).
    pub fn delay_required_ms(&self, factor: u64) -> u64 {
        if self.failure_count == 0 {
            return 0;
        }
        let exp = (self.failure_count - 1).min(62);
        let secs = factor
            .saturating_mul(1u64 << exp)
            .min(MAX_THROTTLE_DELAY_SECS);
        secs * 1000
    }

    /// `ThrottlingMixin.verify_is_allowed`: refused while less than the required delay has
    /// passed since the last failure (`delay < delay_required`).
    pub fn verify_is_allowed(&self, factor: u64, now_ms: u64) -> Result<(), Refusal> {
        let Some(at) = self.failure_at_ms else {
            return Ok(());
        };
        if factor == 0 || self.failure_count == 0 {
            return Ok(());
        }
        let required = self.delay_required_ms(factor);
        if now_ms.saturating_sub(at) < required {
            return Err(Refusal {
                failure_count: self.failure_count,
                locked_until_ms: at + required,
            });
        }
        Ok(())
    }

    /// `ThrottlingMixin.throttle_reset`: after a success.
    pub fn reset(&mut self) {
        *self = Throttle::default();
    }

    /// `ThrottlingMixin.throttle_increment`: after a failure (not after a refusal: the
    /// devices' `verify_token` return before verifying, and counting, when not allowed).
    pub fn increment(&mut self, now_ms: u64) {
        self.failure_count = self.failure_count.saturating_add(1);
        self.failure_at_ms = Some(now_ms);
    }
}

/// The outcome of one `verify_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Verified and wrong: counted as a failure.
    Invalid,
    /// Not verified at all (throttled): not counted.
    Throttled(Refusal),
}

/// The settings the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// `TOTPDevice.tolerance` (default 1).
    pub tolerance: u64,
    /// `OTP_TOTP_SYNC` (default `True`).
    pub sync: bool,
    /// `OTP_TOTP_THROTTLE_FACTOR` / `OTP_STATIC_THROTTLE_FACTOR` (default 1).
    pub throttle_factor: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            tolerance: 1,
            sync: true,
            throttle_factor: 1,
        }
    }
}

/// `django_otp/plugins/otp_totp/models.py`, `TOTPDevice`: `drift`, `last_t` and the
/// throttling fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpDevice {
    pub drift: i64,
    /// The step of the last verified token; `-1` for a new device (the field's default), so
    /// the code that proved the device at setup is not spent.
    pub last_t: i64,
    pub throttle: Throttle,
}

impl Default for TotpDevice {
    fn default() -> Self {
        TotpDevice {
            drift: 0,
            last_t: -1,
            throttle: Throttle::default(),
        }
    }
}

/// Python's `int(token)` for what a form lets through: optional surrounding whitespace, an
/// optional sign, ASCII digits with single underscores between them.
pub fn python_int(token: &str) -> Option<i128> {
    let t = token.trim();
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v: i128 = clean.get(..clean.len().min(30))?.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// `django_otp/oath.py`, `hotp`: the token at step `t` as an integer.
fn hotp(secret: &Secret, params: &OtpParams, t: i64) -> Option<i128> {
    let t = u64::try_from(t).ok()?;
    params.code_for_counter(secret, t).parse().ok()
}

/// `django_otp/oath.py`, `TOTP.t`: `(now - t0) // step + drift`.
fn step_with_drift(params: &OtpParams, now_secs: u64, drift: i64) -> i64 {
    let base = now_secs.saturating_sub(params.t0) / params.period.max(1);
    base as i64 + drift
}

impl TotpDevice {
    /// `django_otp/plugins/otp_totp/models.py`, `TOTPDevice.verify_token` with
    /// `django_otp/oath.py`, `TOTP.verify(token, tolerance, last_t + 1)`:
    /// - throttled: refused, not counted;
    /// - `int(token)` fails: a failure;
    /// - the steps `t + drift + offset` for `offset` in `-tolerance..=tolerance`, skipping
    ///   those below `last_t + 1`, first match wins;
    /// - on a match: `last_t` = the matched step, `drift` = `drift + offset` when `sync`
    ///   (`OTP_TOTP_SYNC`), throttling reset; else throttling incremented.
    pub fn verify_token(
        &mut self,
        secret: &Secret,
        params: &OtpParams,
        token: &str,
        rules: &Rules,
        now_ms: u64,
    ) -> Verdict {
        if let Err(r) = self
            .throttle
            .verify_is_allowed(rules.throttle_factor, now_ms)
        {
            return Verdict::Throttled(r);
        }
        let now_secs = now_ms / 1000;
        let tol = rules.tolerance.min(10) as i64;
        let matched = python_int(token).and_then(|token| {
            (-tol..=tol).find_map(|offset| {
                let drift = self.drift + offset;
                let t = step_with_drift(params, now_secs, drift);
                (t > self.last_t && hotp(secret, params, t) == Some(token)).then_some((t, drift))
            })
        });
        match matched {
            Some((t, drift)) => {
                self.last_t = t;
                if rules.sync {
                    self.drift = drift;
                }
                self.throttle.reset();
                Verdict::Accepted
            }
            None => {
                self.throttle.increment(now_ms);
                Verdict::Invalid
            }
        }
    }
}

/// `two_factor/forms.py`, `TOTPDeviceForm.clean_token` (the setup wizard's generator step):
/// tolerance 1, drift 0, every offset tried (the last match wins), no throttling and no
/// `last_t`. The offset found becomes the new device's drift (`TOTPDeviceForm.save`).
pub fn setup_drift(secret: &Secret, params: &OtpParams, token: i128, now_secs: u64) -> Option<i64> {
    let mut found = None;
    for offset in -1..=1 {
        let t = step_with_drift(params, now_secs, offset);
        if hotp(secret, params, t) == Some(token) {
            found = Some(offset);
        }
    }
    found
}

/// `django_otp/plugins/otp_static/models.py`, `StaticToken.random_token`:
/// `b32encode(urandom(5)).decode().lower()`: 8 characters of `[a-z2-7]`, from 5 bytes.
pub fn static_token(bytes: [u8; 5]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    (0..8)
        .rev()
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// `django_otp/plugins/otp_static/models.py`, `StaticDevice.verify_token`: throttled →
/// refused (not counted); else the token looked up exactly (`token_set.filter(token=token)`,
/// after the form's `CharField` strip), deleted when found and throttling reset, else
/// throttling incremented. `unused` holds the unused tokens; returns the index matched.
pub fn verify_static(
    throttle: &mut Throttle,
    unused: &[(usize, String)],
    token: &str,
    factor: u64,
    now_ms: u64,
) -> (Verdict, Option<usize>) {
    if let Err(r) = throttle.verify_is_allowed(factor, now_ms) {
        return (Verdict::Throttled(r), None);
    }
    let typed = token.trim();
    let hit = unused
        .iter()
        .find(|(_, t)| twofold_otp::verify::codes_equal(t, typed))
        .map(|(i, _)| *i);
    match hit {
        Some(i) => {
            throttle.reset();
            (Verdict::Accepted, Some(i))
        }
        None => {
            throttle.increment(now_ms);
            (Verdict::Invalid, None)
        }
    }
}

#[cfg(test)]
#[path = "django_otp_tests.rs"]
mod tests;
