//! Which library the server stands in for ([`Profile`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Result, ServerError};

/// Which library the server stands in for: the rules that differ between them (see
/// docs/server.md, "Profiles"). Every setting a profile sets can still be given on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// django-allauth 65.x (`allauth/mfa/app_settings.py`): tolerance 0, a used code refused
    /// for the steps it stays valid (`totp/internal/auth.py`, `_mark_code_used`) and the
    /// activation code not marked used, lockout answered `400 too_many_login_attempts`
    /// (`base/internal/flows.py`, `check_rate_limit`), the otpauth label the bare e-mail
    /// without default `digits`/`period` (`mfa/adapter.py`, `build_totp_url`), recovery codes
    /// derived from a 40-byte hex seed (`recovery_codes/internal/auth.py`).
    Allauth,
    /// django-jwt-allauth's REST flow (today's behaviour, the default): tolerance 1, the last
    /// accepted step per authenticator, lockout answered 429, label `Issuer:email`.
    #[default]
    JwtAllauth,
    /// django-otp 1.7.5's devices on the REST face: tolerance 1, `last_t` (−1 for a new
    /// device: the setup code is not spent), drift tracking (`OTP_TOTP_SYNC`), the throttling
    /// back-off (`ThrottlingMixin`, answered 429 with its message) instead of the lockout,
    /// backup tokens as `otp_static` writes them (src/django_otp.rs).
    DjangoOtp,
    /// django-two-factor-auth 1.18.1's pages (`/account/login/` …, src/two_factor/) with
    /// django-otp's rules, `TWO_FACTOR_LOGIN_TIMEOUT` 600 s, 10 backup tokens.
    TwoFactor,
    /// django-allauth-2fa 0.12.0's pages on allauth's account pages: django-otp's rules, 3
    /// backup tokens, a half-done login abandoned on any other request.
    Allauth2fa,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Allauth => "allauth",
            Profile::JwtAllauth => "jwt-allauth",
            Profile::DjangoOtp => "django-otp",
            Profile::TwoFactor => "two-factor",
            Profile::Allauth2fa => "allauth-2fa",
        }
    }
    pub fn is_allauth(self) -> bool {
        self == Profile::Allauth
    }
    /// Where the profile's HTML pages start: django-two-factor-auth's `/account/` under
    /// `two-factor`, allauth's `/accounts/` otherwise.
    pub fn pages_path(self) -> &'static str {
        match self {
            Profile::TwoFactor => "/account/login/",
            _ => "/accounts/",
        }
    }
    /// The profiles on django-otp's devices (src/django_otp.rs).
    pub fn is_django_otp(self) -> bool {
        matches!(
            self,
            Profile::DjangoOtp | Profile::TwoFactor | Profile::Allauth2fa
        )
    }
    /// The profile's own tolerance (steps before and after the current one).
    pub fn tolerance(self) -> u64 {
        match self {
            // allauth/mfa/app_settings.py: TOTP_TOLERANCE defaults to 0.
            Profile::Allauth => 0,
            // django-otp's TOTPDevice.tolerance defaults to 1; django-jwt-allauth uses it.
            Profile::JwtAllauth | Profile::DjangoOtp | Profile::TwoFactor | Profile::Allauth2fa => {
                1
            }
        }
    }
}

impl FromStr for Profile {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "allauth" => Ok(Profile::Allauth),
            "jwt-allauth" => Ok(Profile::JwtAllauth),
            "django-otp" => Ok(Profile::DjangoOtp),
            "two-factor" => Ok(Profile::TwoFactor),
            "allauth-2fa" => Ok(Profile::Allauth2fa),
            _ => Err(ServerError::Config(format!(
                "profile must be allauth, jwt-allauth, django-otp, two-factor or allauth-2fa, not {s:?}"
            ))),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
