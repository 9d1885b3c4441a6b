//! Settings: one struct, filled from defaults, a TOML file (`--config`) and flags.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use twofold_otp::Algorithm;

use crate::error::{Result, ServerError};

/// Where the server key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStore {
    /// `<db>.key` beside the database (0600).
    #[default]
    File,
    /// The OS keyring (Secret Service), service `twofold-server-key`, user the database path;
    /// an error when no keyring answers.
    Keyring,
    /// The key file when one exists; else the keyring when one answers; else a new key file.
    Auto,
}

impl FromStr for KeyStore {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "file" => Ok(KeyStore::File),
            "keyring" => Ok(KeyStore::Keyring),
            "auto" => Ok(KeyStore::Auto),
            _ => Err(ServerError::Config(format!(
                "key store must be file, keyring or auto, not {s:?}"
            ))),
        }
    }
}

/// `JWT_ALLAUTH_MFA_TOTP_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Disabled,
    Optional,
    Required,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Disabled => "disabled",
            Mode::Optional => "optional",
            Mode::Required => "required",
        }
    }
}

impl FromStr for Mode {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "disabled" => Ok(Mode::Disabled),
            "optional" => Ok(Mode::Optional),
            "required" => Ok(Mode::Required),
            other => Err(ServerError::Config(format!(
                "unknown mode {other:?} (expected disabled, optional or required)"
            ))),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use crate::profile::Profile;

/// Failed MFA attempts allowed per user within a window (`"5/300"`, `"5/300s"`, `"5/5m"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    pub max_failures: u32,
    pub window_secs: u64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            max_failures: 5,
            window_secs: 300,
        }
    }
}

impl FromStr for RateLimit {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            ServerError::Config(format!(
                "invalid rate limit {s:?} (expected FAILURES/SECONDS, e.g. 5/300 or 5/5m)"
            ))
        };
        let (n, w) = s.trim().split_once('/').ok_or_else(bad)?;
        let max_failures: u32 = n.trim().parse().map_err(|_| bad())?;
        let w = w.trim();
        let (digits, mult) = if let Some(d) = w.strip_suffix('m') {
            (d, 60)
        } else if let Some(d) = w.strip_suffix('h') {
            (d, 3600)
        } else {
            (w.strip_suffix('s').unwrap_or(w), 1)
        };
        let secs: u64 = digits.trim().parse().map_err(|_| bad())?;
        let window_secs = secs.checked_mul(mult).ok_or_else(bad)?;
        if max_failures == 0 || window_secs == 0 || window_secs > 86_400 * 7 {
            return Err(bad());
        }
        Ok(RateLimit {
            max_failures,
            window_secs,
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.max_failures, self.window_secs)
    }
}

impl<'de> Deserialize<'de> for RateLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Argon2id cost. The defaults are OWASP's (19 MiB, 2 passes); tests and benchmarks use
/// [`PasswordHashing::light`], which is valid Argon2id but cheap — never for real passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct PasswordHashing {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordHashing {
    /// At most 1 MiB·pass of Argon2id (e.g. `--light-password-hashing`): well under 100 µs of
    /// work, fine to do on an async worker.
    pub fn is_cheap(&self) -> bool {
        u64::from(self.memory_kib) * u64::from(self.iterations) <= 1024
    }
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PasswordHashing {
    pub fn light() -> Self {
        PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }
}

/// Everything `twofold serve` can be told. Field names are the flag names (kebab-case in TOML).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// The library whose rules the server follows ([`Profile`]); set it with
    /// [`Config::for_profile`] so that its defaults come with it.
    pub profile: Profile,
    /// allauth's `MFA_TRUST_ENABLED`: "trust this browser" after a second factor (the browser
    /// client's `auth/2fa/trust`).
    pub trust: bool,
    /// allauth's `ACCOUNT_RATE_LIMITS` on the headless API (login 30/m/ip, signup 20/m/ip,
    /// login_failed 10/m/ip + 5/300 s per user, `account/app_settings.py`); `false` is
    /// `ACCOUNT_RATE_LIMITS = False`: none of them (a load test from one address).
    pub account_rate_limits: bool,
    /// allauth's `MFA_TRUST_COOKIE_AGE`, seconds (14 days).
    pub trust_cookie_age: u64,
    /// allauth's `ACCOUNT_LOGIN_TIMEOUT`: seconds a login may take through its stages (900).
    pub login_timeout: u64,
    /// allauth's `ACCOUNT_REAUTHENTICATION_TIMEOUT`: how long a reauthentication counts (300).
    pub reauthentication_timeout: u64,
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Allow a non-loopback `bind` (QA endpoints stay loopback-only regardless).
    pub allow_remote: bool,
    /// Host names accepted in the `Host` header besides loopback names and addresses and the
    /// `bind` address (a LAN name with `allow-remote`). Anything else gets 403: a web page
    /// cannot reach the server through a name of its own (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// allauth's `ALLAUTH_TRUSTED_PROXY_COUNT`: the proxies in front of the server that add to
    /// `X-Forwarded-For`; the client's address (login throttle, rate limits) is then the
    /// address that many entries from its end. 0 (the default): the header is ignored.
    pub trusted_proxy_count: usize,
    /// allauth's `ALLAUTH_TRUSTED_CLIENT_IP_HEADER`: a header a trusted proxy sets to the
    /// client's address (`X-Real-IP`), taken instead of `X-Forwarded-For`.
    pub trusted_client_ip_header: Option<String>,
    /// The database: a SQLite file or a `postgres://` URL; `None` = `twofold/server.sqlite3` in
    /// the platform data directory.
    pub db: Option<PathBuf>,
    /// Where the server key is kept (`file` by default: works headless).
    pub key_store: KeyStore,
    /// The server key's file, instead of `<db>.key` (created 0600 when absent): instances that
    /// share a database share this file, so they agree on keys. Implies `key_store = "file"`.
    pub key_file: Option<PathBuf>,
    pub mode: Mode,
    pub issuer: String,
    pub digits: u32,
    pub period: u64,
    pub algorithm: Algorithm,
    /// Steps accepted before and after the current one.
    pub tolerance: u64,
    pub recovery_codes: u32,
    /// Lifetime of login and setup challenges and of pending setup secrets, in seconds.
    pub challenge_ttl: u64,
    pub rate_limit: RateLimit,
    /// Failed password logins per client address and window; past it, logins from that
    /// address get 429 until the window has moved on (no password is hashed for them).
    pub login_throttle: RateLimit,
    /// Failed codes after which one login challenge is invalidated (django-jwt-allauth: 5).
    pub challenge_max_failures: u32,
    pub refresh_token_as_cookie: bool,
    pub access_token_ttl: u64,
    pub refresh_token_ttl: u64,
    /// The server's clock runs this many seconds ahead (or behind, negative).
    pub clock_offset: i64,
    /// `MFA_TOTP_INSECURE_BYPASS_CODE`: accepted as a valid code. Needs `insecure`.
    pub insecure_bypass_code: Option<String>,
    pub insecure: bool,
    /// django-allauth-2fa's reset middleware: loading another page abandons a half-done login.
    pub reset_login_on_navigation: bool,
    /// django-otp's `OTP_TOTP_THROTTLE_FACTOR` and `OTP_STATIC_THROTTLE_FACTOR` (seconds; 0
    /// disables throttling), under the django-otp profiles.
    pub throttle_factor: u64,
    /// django-otp's `OTP_TOTP_SYNC`: an accepted off-centre code moves the device's drift.
    pub totp_sync: bool,
    pub password_hashing: PasswordHashing,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Entries kept in the request log.
    pub request_log_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: Profile::JwtAllauth,
            trust: false,
            account_rate_limits: true,
            trust_cookie_age: 14 * 86_400,
            login_timeout: 900,
            reauthentication_timeout: 300,
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            allow_remote: false,
            allowed_hosts: Vec::new(),
            trusted_proxy_count: 0,
            trusted_client_ip_header: None,
            db: None,
            key_store: KeyStore::File,
            key_file: None,
            mode: Mode::Optional,
            issuer: "Twofold".into(),
            digits: 6,
            period: 30,
            algorithm: Algorithm::Sha1,
            tolerance: 1,
            recovery_codes: 10,
            challenge_ttl: 300,
            rate_limit: RateLimit::default(),
            login_throttle: RateLimit {
                max_failures: 20,
                window_secs: 60,
            },
            challenge_max_failures: 5,
            refresh_token_as_cookie: false,
            access_token_ttl: 300,
            refresh_token_ttl: 86_400,
            clock_offset: 0,
            insecure_bypass_code: None,
            insecure: false,
            reset_login_on_navigation: false,
            throttle_factor: 1,
            totp_sync: true,
            password_hashing: PasswordHashing::default(),
            max_body_bytes: 64 * 1024,
            request_log_size: 1000,
        }
    }
}

impl Config {
    /// The defaults of `profile`: [`Config::default`] with the settings the profile changes.
    pub fn for_profile(profile: Profile) -> Self {
        let mut c = Config::default();
        c.apply_profile(profile);
        c
    }

    /// Switches to `profile`, taking its defaults for the settings it changes.
    pub fn apply_profile(&mut self, profile: Profile) {
        self.profile = profile;
        self.tolerance = profile.tolerance();
        if profile.is_allauth() {
            // allauth/mfa/app_settings.py: RECOVERY_CODE_COUNT 10 (of RECOVERY_CODE_DIGITS 8).
            self.recovery_codes = 10;
        }
        match profile {
            Profile::TwoFactor => {
                // two_factor/views/core.py, LoginView.expired: TWO_FACTOR_LOGIN_TIMEOUT 600;
                // two_factor/views/core.py, BackupTokensView.number_of_tokens = 10.
                self.login_timeout = 600;
                self.recovery_codes = 10;
            }
            Profile::Allauth2fa => {
                // allauth_2fa/app_settings.py: ALLAUTH_2FA_BACKUP_TOKENS_NUMBER 3.
                self.recovery_codes = 3;
                self.reset_login_on_navigation = true;
            }
            _ => {}
        }
    }

    /// Reads a TOML file; absent keys keep their defaults.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| ServerError::Io {
            action: "cannot read config file",
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text)
            .map_err(|e| ServerError::Config(format!("{}: {}", path.display(), e.message())))
    }

    /// The keys a TOML file sets (none when it cannot be read): which settings it gives itself,
    /// so that a profile's defaults do not override them.
    pub fn toml_file_keys(path: &std::path::Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.parse::<toml::Table>().ok())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Where the server key is read from: `key_file`, else the key store's (`<db>.key` beside
    /// the database for a file).
    pub fn key_source(&self, db: &std::path::Path) -> (PathBuf, KeyStore) {
        match &self.key_file {
            Some(f) => (f.clone(), KeyStore::File),
            None => {
                let mut name = db.file_name().unwrap_or_default().to_os_string();
                name.push(".key");
                (db.with_file_name(name), self.key_store)
            }
        }
    }

    /// The database path: `db`, or the default in the platform data directory.
    pub fn db_path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.db {
            return Ok(p.clone());
        }
        let base = dirs::data_local_dir()
            .or_else(dirs::data_dir)
            .ok_or_else(|| {
                ServerError::Config("no data directory on this system; pass --db PATH".into())
            })?;
        Ok(base.join("twofold").join("server.sqlite3"))
    }

    /// The database `db` names: a `postgres://` or `postgresql://` URL, else a SQLite file
    /// (the default one when `db` is not set).
    pub fn database(&self) -> Result<crate::db::Database> {
        Ok(crate::db::Database::parse(&self.db_path()?))
    }

    /// Refuses settings that make no sense or are unsafe without the matching opt-in.
    pub fn validate(&self) -> Result<()> {
        let err = |m: String| Err(ServerError::Config(m));
        if let (Some(db), None) = (&self.db, &self.key_file) {
            let db = crate::db::Database::parse(db);
            if matches!(db, crate::db::Database::Postgres(_)) {
                return err(format!(
                    "{} is a PostgreSQL database: pass --key-file PATH, the server key every instance on it shares (created 0600 when absent)",
                    db.display()
                ));
            }
        }
        if let Some(h) = &self.trusted_client_ip_header {
            if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                return err(format!(
                    "trusted-client-ip-header: {h:?} is not a header name (such as X-Real-IP)"
                ));
            }
        }
        if !self.bind.ip().is_loopback() && !self.allow_remote {
            return err(format!(
                "{} is not a loopback address; pass --allow-remote to listen on it",
                self.bind
            ));
        }
        if !(6..=10).contains(&self.digits) {
            return err(format!("digits must be 6 to 10, not {}", self.digits));
        }
        if !(1..=3600).contains(&self.period) {
            return err(format!(
                "period must be 1 to 3600 seconds, not {}",
                self.period
            ));
        }
        if self.tolerance > 10 {
            return err(format!(
                "tolerance must be 0 to 10 steps, not {}",
                self.tolerance
            ));
        }
        if !(1..=86_400 * 365).contains(&self.trust_cookie_age)
            || !(1..=86_400).contains(&self.login_timeout)
            || !(1..=86_400).contains(&self.reauthentication_timeout)
        {
            return err(
                "trust-cookie-age, login-timeout and reauthentication-timeout must be positive (at most a year, a day, a day)"
                    .into(),
            );
        }
        if !(1..=64).contains(&self.recovery_codes) {
            return err(format!(
                "recovery codes must be 1 to 64, not {}",
                self.recovery_codes
            ));
        }
        if !(1..=86_400).contains(&self.challenge_ttl) {
            return err("challenge TTL must be 1 to 86400 seconds".into());
        }
        if self.access_token_ttl == 0 || self.refresh_token_ttl == 0 {
            return err("token lifetimes must be positive".into());
        }
        if self.clock_offset.unsigned_abs() > 10 * 365 * 86_400 {
            return err("clock offset must be within ten years".into());
        }
        if self.challenge_max_failures == 0 {
            return err("challenge-max-failures must be at least 1".into());
        }
        if let Some(code) = &self.insecure_bypass_code {
            if !self.insecure {
                return err("--insecure-bypass-code accepts any login with that code; it needs --insecure too".into());
            }
            if code.is_empty()
                || code.len() > 16
                || !code.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return err("the bypass code must be 1 to 16 letters or digits".into());
            }
            if !self.bind.ip().is_loopback() {
                return err(format!(
                    "--insecure-bypass-code is for a loopback --bind only, not {}",
                    self.bind
                ));
            }
        }
        for h in &self.allowed_hosts {
            let ok = !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return err(format!(
                    "allowed host {h:?} must be a host name (letters, digits, '-', '.'; no port)"
                ));
            }
        }
        if self.issuer.contains(':') || self.issuer.len() > 100 {
            return err("issuer must be at most 100 characters and hold no colon".into());
        }
        let h = &self.password_hashing;
        if h.memory_kib < 8 * h.parallelism.max(1) || h.iterations == 0 || h.parallelism == 0 {
            return err(
                "password hashing: memory-kib >= 8 x parallelism, iterations and parallelism >= 1"
                    .into(),
            );
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.max_body_bytes) {
            return err("max-body-bytes must be 1 KiB to 16 MiB".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        assert_eq!("5/300".parse::<RateLimit>().unwrap(), RateLimit::default());
        assert_eq!("5/5m".parse::<RateLimit>().unwrap(), RateLimit::default());
        assert_eq!("3/10s".parse::<RateLimit>().unwrap().window_secs, 10);
        assert!("0/10".parse::<RateLimit>().is_err());
        assert!("x".parse::<RateLimit>().is_err());
    }

    #[test]
    fn toml_uses_flag_names() {
        let c: Config = toml::from_str(
            "mode = \"required\"\ndigits = 8\nalgorithm = \"SHA256\"\nrate-limit = \"3/60\"\n",
        )
        .unwrap();
        assert_eq!(c.mode, Mode::Required);
        assert_eq!(c.digits, 8);
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.rate_limit.max_failures, 3);
        assert!(toml::from_str::<Config>("nope = 1").is_err());
    }

    #[test]
    fn bypass_needs_insecure() {
        let c = Config {
            insecure_bypass_code: Some("123456".into()),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            insecure: true,
            ..c
        };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn bypass_only_on_loopback() {
        for bind in ["0.0.0.0:8000", "192.0.2.1:8000", "[::]:8000"] {
            let c = Config {
                bind: bind.parse().unwrap(),
                allow_remote: true,
                insecure: true,
                insecure_bypass_code: Some("123456".into()),
                ..Config::default()
            };
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("loopback"), "{bind}: {e}");
            assert!(!e.contains('\n'));
            let c = Config {
                insecure_bypass_code: None,
                ..c
            };
            assert!(c.validate().is_ok(), "{bind} without the bypass code");
        }
        for bind in ["127.0.0.1:0", "[::1]:0", "127.8.9.1:0"] {
            let c = Config {
                bind: bind.parse().unwrap(),
                insecure: true,
                insecure_bypass_code: Some("123456".into()),
                ..Config::default()
            };
            assert!(c.validate().is_ok(), "{bind}");
        }
    }
}
