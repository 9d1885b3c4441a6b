//! django-allauth's headless API for everything MFA touches, both clients:
//! `/_allauth/app/v1/…` (session token in `X-Session-Token`, issued in `meta.session_token`)
//! and `/_allauth/browser/v1/…` (a `sessionid` cookie and Django's CSRF token: the
//! `csrftoken` cookie echoed in `X-CSRFToken`).
//!
//! Followed: django-allauth 65.22.1 (docs/server.md pins it). Each rule names the upstream
//! file it follows; paths are relative to the `allauth/` package. The conformance test
//! (crates/server/tests/allauth/run.sh) runs one client through the TOTP life cycle against the
//! real library and against this module and compares every exchange.

mod auth;
mod envelope;
mod mfa;
mod routes;
mod store;

use std::net::IpAddr;
use std::sync::Arc;

use crate::db::params;
use axum::routing::any;
use axum::Router;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::app::App;

use auth::*;
use envelope::*;
use mfa::*;
use routes::*;
use store::*;

#[cfg(test)]
use crate::upstream::allauth_recovery_codes;
use crate::upstream::allauth_totp_url;

/// The session cookie of the browser client (Django's `SESSION_COOKIE_NAME`).
pub const SESSION_COOKIE: &str = "sessionid";
/// Django's `CSRF_COOKIE_NAME`; the browser client echoes it in `X-CSRFToken`.
pub const CSRF_COOKIE: &str = "csrftoken";
/// allauth's `MFA_TRUST_COOKIE_NAME`.
pub const TRUST_COOKIE: &str = "mfa_trusted";
const STAGE_MFA: &str = "mfa_authenticate";
const STAGE_TRUST: &str = "mfa_trust";

pub fn router() -> Router<Arc<App>> {
    Router::new().route("/_allauth/{client}/v1/{*rest}", any(handle))
}

/// Which headless client (`headless/constants.py`, `Client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    App,
    Browser,
}

/// A login waiting at one of its stages (`account/stages.py`, `LoginStageController`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Pending {
    user: i64,
    stage: String,
    started: f64,
}

/// A Django session as allauth fills it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Session {
    user: Option<i64>,
    pending: Option<Pending>,
    /// `mfa/totp/internal/auth.py`, `SECRET_SESSION_KEY`: the secret being activated.
    totp_secret: Option<Zeroizing<String>>,
    /// `account/internal/flows/login.py`, `record_authentication`: the session's
    /// authentication records, for the user `records_user`.
    records: Vec<Value>,
    records_user: Option<i64>,
}

impl Session {
    fn is_empty(&self) -> bool {
        self.user.is_none()
            && self.pending.is_none()
            && self.totp_secret.is_none()
            && self.records.is_empty()
    }
}

/// The headless face's state: its sessions (in memory on SQLite, in the database on
/// PostgreSQL: [`SessionStore`](crate::app::SessionStore)). (allauth's cache of used TOTP codes
/// and its rate-limit history are in the database: `used_codes`, `rate_hits`.)
pub struct HeadlessState {
    sessions: crate::app::SessionStore<Session>,
}

/// One rate of allauth's (`core/internal/ratelimit.py`, `Rate`): `amount` hits per
/// `duration` seconds, per IP or per key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    pub amount: usize,
    pub duration: f64,
    pub per_ip: bool,
}

/// `account/app_settings.py`, `RATE_LIMITS["login_failed"]`: `10/m/ip,5/300s/key`.
pub(crate) const LOGIN_FAILED: [Rate; 2] = [
    Rate {
        amount: 10,
        duration: 60.0,
        per_ip: true,
    },
    Rate {
        amount: 5,
        duration: 300.0,
        per_ip: false,
    },
];
/// `RATE_LIMITS["login"]`: `30/m/ip`.
const LOGIN: [Rate; 1] = [Rate {
    amount: 30,
    duration: 60.0,
    per_ip: true,
}];
/// `RATE_LIMITS["signup"]`: `20/m/ip`.
const SIGNUP: [Rate; 1] = [Rate {
    amount: 20,
    duration: 60.0,
    per_ip: true,
}];

impl crate::app::FaceState for HeadlessState {
    fn new(cfg: &crate::config::Config) -> Self {
        // Django's SESSION_COOKIE_AGE: two weeks.
        HeadlessState {
            sessions: crate::app::SessionStore::new(cfg, "headless", 14 * 86_400),
        }
    }
    /// Kept as it was: the headless API's sessions end as allauth's do (logout, expiry), and a
    /// session of a deleted user is refused at its next request.
    fn clear(&self, _: &App) -> crate::error::Result<()> {
        Ok(())
    }
}

/// `core/internal/ratelimit.py`, the cache key of a rate: per IP or per key.
fn cache_key(action: &str, rate: Rate, ip: IpAddr, key: &str) -> String {
    if rate.per_ip {
        format!("{action}:{}/{}:ip:{ip}", rate.amount, rate.duration)
    } else {
        format!("{action}:{}/{}:key:{key}", rate.amount, rate.duration)
    }
}

/// allauth's rate limits (`core/internal/ratelimit.py`), their history in the database
/// (`rate_hits`): every instance on it counts the hits of all.
impl App {
    /// `ratelimit.consume`: every rate in turn; the first that refuses stops (its earlier ones
    /// keep their hit, as upstream). A rate (`apply_rate`) drops the hits older than its
    /// duration, allows while fewer than `amount` remain, and then records the hit. Returns the
    /// hits taken (for a rollback) or `None`.
    fn rate_consume(
        &self,
        action: &str,
        rates: &[Rate],
        ip: IpAddr,
        key: &str,
        now: f64,
    ) -> crate::error::Result<Option<Vec<(String, f64)>>> {
        // `ACCOUNT_RATE_LIMITS = False` (`--no-account-rate-limits`): every rate allows.
        if !self.cfg.account_rate_limits {
            return Ok(Some(Vec::new()));
        }
        self.batch(|| {
            let conn = self.conn();
            // No rate is longer than an hour: older hits are nobody's.
            conn.exec(
                "DELETE FROM rate_hits WHERE at <= ?1",
                params![now - 3600.0],
            )?;
            let mut taken = Vec::new();
            for rate in rates {
                let k = cache_key(action, *rate, ip, key);
                // Count and add as one across instances (PostgreSQL; SQLite's write lock is
                // held already).
                conn.lock(&k)?;
                conn.exec(
                    "DELETE FROM rate_hits WHERE key = ?1 AND at <= ?2",
                    params![k, now - rate.duration],
                )?;
                let hits: i64 = conn.row(
                    "SELECT count(*) FROM rate_hits WHERE key = ?1",
                    params![k],
                    |r| r.get(0),
                )?;
                if hits >= rate.amount as i64 {
                    return Ok(None);
                }
                conn.exec(
                    "INSERT INTO rate_hits (key, at) VALUES (?1, ?2)",
                    params![k, now],
                )?;
                taken.push((k, now));
            }
            Ok(Some(taken))
        })
    }

    /// `SingleRateLimitUsage.rollback`: takes the hits back (a successful password login).
    fn rate_rollback(&self, taken: &[(String, f64)]) -> crate::error::Result<()> {
        self.batch(|| {
            for (k, t) in taken {
                self.conn().exec(
                    "DELETE FROM rate_hits WHERE key = ?1 AND at = ?2",
                    params![k, t],
                )?;
            }
            Ok(())
        })
    }

    /// `ratelimit.clear`: forgets the history of every rate (the IP's too).
    fn rate_clear(
        &self,
        action: &str,
        rates: &[Rate],
        ip: IpAddr,
        key: &str,
    ) -> crate::error::Result<()> {
        // `ACCOUNT_RATE_LIMITS = False`: `clear` (`core/internal/ratelimit.py`) gets no rates
        // from `get_rates`, so it deletes nothing.
        if !self.cfg.account_rate_limits {
            return Ok(());
        }
        self.batch(|| {
            for rate in rates {
                self.conn().exec(
                    "DELETE FROM rate_hits WHERE key = ?1",
                    params![cache_key(action, *rate, ip, key)],
                )?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `recovery_codes/internal/auth.py`: the codes of a known seed, as allauth 65.22.1
    /// computes them (`RecoveryCodes.generate_codes` with RECOVERY_CODE_COUNT 10 and
    /// RECOVERY_CODE_DIGITS 8, run in Python for this test).
    #[test]
    fn recovery_codes_as_allauth_derives_them() {
        let seed =
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677";
        let codes = allauth_recovery_codes(seed.as_bytes(), 10);
        assert_eq!(codes.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(codes, EXPECTED.map(String::from).to_vec());
    }
    const EXPECTED: [&str; 10] = [
        "96543028", "77560411", "64398994", "56181033", "03197695", "03785152", "09748224",
        "76340105", "94950737", "16606028",
    ];

    /// `mfa/app_settings.py`: TOTP_TOLERANCE 0, RECOVERY_CODE_COUNT 10; django-otp's
    /// `TOTPDevice.tolerance` 1 (jwt-allauth and django-otp profiles).
    #[test]
    fn profile_defaults() {
        use crate::config::{Config, Profile};
        let c = Config::for_profile(Profile::Allauth);
        assert_eq!((c.tolerance, c.recovery_codes), (0, 10));
        assert_eq!(Config::for_profile(Profile::JwtAllauth).tolerance, 1);
        assert_eq!(Config::for_profile(Profile::DjangoOtp).tolerance, 1);
        assert_eq!(Config::default().profile, Profile::JwtAllauth);
    }

    /// `mfa/adapter.py`, `build_totp_url`: bare e-mail label, no default digits/period.
    #[test]
    fn totp_url_as_allauth_builds_it() {
        assert_eq!(
            allauth_totp_url("qa@example.test", "ABC", "Twofold", 6, 30),
            "otpauth://totp/qa%40example.test?secret=ABC&issuer=Twofold"
        );
        assert_eq!(
            allauth_totp_url("a b@x.test", "ABC", "My Co", 8, 60),
            "otpauth://totp/a%20b%40x.test?secret=ABC&issuer=My%20Co&digits=8&period=60"
        );
    }
}
