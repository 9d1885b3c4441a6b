//! The core: users, TOTP enrolment and verification, recovery codes, challenges, tokens, the
//! rate limit, the request log and the QA operations. The REST face, the HTML face and the
//! desktop app all go through these functions.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use parking_lot::{ReentrantMutex, ReentrantMutexGuard};

use hmac::{Hmac, Mac};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::Sha256;
use twofold_otp::{KeyUri, Kind, OtpParams, Secret};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::crypto::{self, Claims, Keys};
use crate::db::Cached;
use crate::error::{Result, ServerError};

pub(crate) const PURPOSE_LOGIN: &str = "login_challenge";
pub(crate) const PURPOSE_SETUP: &str = "setup_challenge";
pub(crate) const PURPOSE_REFRESH: &str = "refresh";
pub(crate) const PURPOSE_INVITE: &str = "invitation";
pub(crate) const TYPE_TOTP: &str = "totp";
pub(crate) const TYPE_RECOVERY: &str = "recovery_codes";
/// A recovery-code seed of this many bytes is allauth's (`token_hex(40)`), else Twofold's.
const ALLAUTH_SEED_CHARS: usize = 80;

/// A user as the server knows it (never with its password hash outside this module).
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub created_at: u64,
    password_hash: Option<String>,
}

impl User {
    /// Whether the user can log in with a password (allauth's `has_usable_password`).
    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }
    /// A digest of the password hash: changes when the password does (allauth's trust
    /// fingerprint takes `user.password`).
    pub(crate) fn password_fingerprint(&self) -> String {
        crypto::digest(self.password_hash.as_deref().unwrap_or(""))
    }
}

/// What a correct password buys.
#[derive(Debug)]
pub enum LoginOutcome {
    /// No second factor needed: issue tokens.
    Granted(User),
    /// `{"mfa_required": true, "challenge_id": ...}`
    MfaRequired { challenge_id: String },
    /// `{"mfa_setup_required": true, "setup_challenge_id": ...}` (mode `required`, no TOTP).
    SetupRequired { setup_challenge_id: String },
}

/// An access token and the refresh token that goes with it.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

/// The start of an enrolment: the secret, its URI and the QR code.
pub struct SetupInfo {
    pub secret: Zeroizing<String>,
    pub provisioning_uri: Zeroizing<String>,
    pub qr_svg: String,
}

/// One entry of `GET /mfa/authenticators/`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthenticatorInfo {
    pub id: i64,
    /// `totp` or `recovery_codes`.
    #[serde(rename = "type")]
    pub kind: String,
    /// ISO 8601, UTC.
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A user as the QA endpoints list it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub totp_enabled: bool,
    pub recovery_codes_left: u32,
    pub created_at: String,
}

/// A test user made by the QA endpoint, with its enrolment when asked for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedUser {
    pub id: i64,
    pub email: String,
    /// The otpauth:// URI to put into an authenticator (enrolled users only).
    pub otpauth_uri: Option<String>,
    pub secret: Option<String>,
    pub recovery_codes: Option<Vec<String>>,
}

/// One line of the request log. Paths are logged without their query string; nothing from
/// bodies or headers is kept, so no secret, password, code or token reaches it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEntry {
    /// Unix time (server clock, offset included).
    pub at: u64,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub duration_us: u64,
}

/// A browser session of the HTML face (kept in memory).
#[derive(Debug, Clone, Default)]
pub(crate) struct HtmlSession {
    pub csrf: String,
    pub user_id: Option<i64>,
    /// A login waiting for its second factor: (user, started at).
    pub pending_login: Option<(i64, u64)>,
    pub flash: Vec<String>,
    pub touched: u64,
    /// When the session last reauthenticated (password or code; allauth's authentication
    /// record with `reauthenticated: True`). A login does not count.
    pub reauthenticated_at: Option<u64>,
    /// A POST that asked for reauthentication first: its path and form, replayed once the
    /// reauthentication succeeds (allauth's `suspend_request` / `resume_request`).
    pub suspended: Option<(String, serde_json::Map<String, serde_json::Value>)>,
}

/// The server's state. Cheap to share (`Arc<App>`); every method takes `&self`.
pub struct App {
    pub(crate) cfg: Config,
    pub(crate) keys: Keys,
    /// One connection for every request. Re-entrant, so that a request's steps can run in one
    /// [`batch`](App::batch) while each step still takes the connection for itself.
    db: ReentrantMutex<Connection>,
    clock: Arc<dyn Clock>,
    offset: AtomicI64,
    log: Mutex<VecDeque<LogEntry>>,
    pub(crate) sessions: Mutex<HashMap<String, HtmlSession>>,
    /// One permit per core: at most that many Argon2 hashes at once (each holds its memory,
    /// 19 MiB by default, while it runs); more logins wait their turn.
    hash_slots: Arc<tokio::sync::Semaphore>,
    /// Failed password logins per client address (times), for the login throttle.
    login_failures: Mutex<HashMap<IpAddr, VecDeque<u64>>>,
    /// django-allauth's headless API: sessions, its rate limits and used TOTP codes.
    pub(crate) headless: crate::headless::HeadlessState,
    db_path: PathBuf,
    _checkpointer: crate::db::Checkpointer,
}

/// The e-mail addresses the server takes, as [`EMAIL_PATTERN`] says: at most 254 characters,
/// one `@`, something before it, a domain of at least two non-empty dot-separated labels, no
/// whitespace or control character anywhere (no trimming: a padded address is refused).
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.chars().count() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| !l.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// [`valid_email`] as a JSON Schema pattern (for /openapi.json).
pub const EMAIL_PATTERN: &str =
    r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f.]+(\.[^@\s\x00-\x1f\x7f.]+)+$";

/// Argon2 hashes at once: the cores this process may use.
fn hash_slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

fn iso(ts: u64) -> String {
    // Civil date from Unix days (Howard Hinnant's algorithm).
    let days = (ts / 86_400) as i64;
    let secs = ts % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

impl App {
    /// Opens the database and the key beside it.
    pub fn open(cfg: Config, clock: Arc<dyn Clock>) -> Result<Self> {
        cfg.validate()?;
        let db_path = cfg.db_path()?;
        if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::db::create_private_dir(dir)?;
        }
        let mut key_name = db_path.file_name().unwrap_or_default().to_os_string();
        key_name.push(".key");
        let keys = Keys::for_database(&db_path, &db_path.with_file_name(key_name), cfg.key_store)?;
        let conn = crate::db::open(&db_path, &keys)?;
        let checkpointer = crate::db::Checkpointer::start(&conn, &db_path)?;
        let rate_limits_off = !cfg.account_rate_limits;
        let offset = AtomicI64::new(cfg.clock_offset);
        Ok(App {
            cfg,
            keys,
            db: ReentrantMutex::new(conn),
            clock,
            offset,
            log: Mutex::new(VecDeque::new()),
            sessions: Mutex::new(HashMap::new()),
            hash_slots: Arc::new(tokio::sync::Semaphore::new(hash_slots())),
            login_failures: Mutex::new(HashMap::new()),
            headless: crate::headless::HeadlessState::new(rate_limits_off),
            db_path,
            _checkpointer: checkpointer,
        })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    pub fn db_path(&self) -> &std::path::Path {
        &self.db_path
    }
    pub fn key_path(&self) -> &std::path::Path {
        &self.keys.path
    }

    /// The server's time: the clock plus the offset.
    pub fn now(&self) -> u64 {
        let t = self.clock.now() as i64 + self.offset.load(Ordering::Relaxed);
        t.max(0) as u64
    }
    pub fn clock_offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
    /// QA: make the server's clock run `secs` ahead (negative: behind).
    pub fn set_clock_offset(&self, secs: i64) -> Result<()> {
        if secs.unsigned_abs() > 10 * 365 * 86_400 {
            return Err(ServerError::bad_request(
                "offset_seconds: must be within ten years.",
            ));
        }
        self.offset.store(secs, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) fn conn(&self) -> ReentrantMutexGuard<'_, Connection> {
        self.db.lock()
    }

    /// Runs a request's steps holding the connection throughout, in one transaction: one WAL
    /// commit and one lock hand-over instead of one per statement. The transaction is committed
    /// whatever `f` returns, as the statements one by one were (a refused code must still count
    /// as a failure). A batch inside a batch joins it.
    pub(crate) fn batch<R>(&self, f: impl FnOnce() -> Result<R>) -> Result<R> {
        let conn = self.conn();
        let outer = conn.is_autocommit();
        if outer {
            // IMMEDIATE: the write lock from the start (waiting up to the busy timeout). A
            // deferred transaction that read first could not be upgraded once a checkpoint had
            // restarted the WAL ("database is locked").
            conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        }
        let r = f();
        if outer {
            if let Err(e) = conn
                .prepare_cached("COMMIT")
                .and_then(|mut s| s.execute([]))
            {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e.into());
            }
        }
        r
    }

    /// Runs password hashing off the async workers, unless it is cheap enough to run in place:
    /// a hop to the blocking pool costs two thread wake-ups, more than hashing with
    /// `--light-password-hashing` itself. Every face (and the desktop's panel) hashes through
    /// here, at most one hash per core at a time ([`hash_slots`]): 150 concurrent logins
    /// otherwise held 150 × 19 MiB at once. The permit travels with the hash, so a client
    /// that goes away does not free its slot before the hash ends.
    pub async fn hashing<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if self.cfg.password_hashing.is_cheap() {
            return f();
        }
        let internal = || {
            ServerError::api(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error.",
            )
        };
        let permit = self
            .hash_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| internal())?;
        tokio::task::spawn_blocking(move || {
            let r = f();
            drop(permit);
            r
        })
        .await
        .map_err(|_| internal())?
    }

    // ----- login throttle (per client address) ------------------------------------------------

    /// The key of a client: its IPv4 address, or the /64 of an IPv6 one (a host has a whole
    /// /64 to pick addresses from).
    fn client_key(ip: IpAddr) -> IpAddr {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }

    /// Seconds until `client` may try a password again, when it has had its share of failed
    /// logins in the window (`login-throttle`).
    pub fn login_throttled(&self, client: IpAddr) -> Option<u64> {
        let rl = self.cfg.login_throttle;
        let now = self.now();
        let mut map = self
            .login_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let times = map.get_mut(&Self::client_key(client))?;
        while times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= rl.window_secs)
        {
            times.pop_front();
        }
        if times.len() < rl.max_failures as usize {
            return None;
        }
        let oldest = times.front().copied().unwrap_or(now);
        Some((oldest + rl.window_secs).saturating_sub(now).max(1))
    }

    /// Counts a failed password login of `client`.
    pub fn login_failed(&self, client: IpAddr) {
        let rl = self.cfg.login_throttle;
        let now = self.now();
        let mut map = self
            .login_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if map.len() >= 10_000 {
            map.retain(|_, t| {
                t.back()
                    .is_some_and(|l| now.saturating_sub(*l) < rl.window_secs)
            });
        }
        let times = map.entry(Self::client_key(client)).or_default();
        times.push_back(now);
        while times.len() > rl.max_failures as usize {
            times.pop_front();
        }
    }

    /// All of `f` or none of it: a savepoint, so it nests inside a [`batch`](App::batch).
    pub(crate) fn atomic<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.conn();
        conn.execute_batch("SAVEPOINT atomic")?;
        match f(&conn) {
            Ok(r) => {
                conn.execute_batch("RELEASE atomic")?;
                Ok(r)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK TO atomic; RELEASE atomic");
                Err(e)
            }
        }
    }

    pub(crate) fn otp_params(&self) -> OtpParams {
        OtpParams {
            kind: Kind::Totp,
            algorithm: self.cfg.algorithm,
            digits: self.cfg.digits,
            period: self.cfg.period,
            t0: 0,
            counter: 0,
        }
    }

    // ----- request log -----------------------------------------------------------------

    pub(crate) fn record_request(&self, method: &str, path: &str, status: u16, duration_us: u64) {
        let entry = LogEntry {
            at: self.now(),
            method: method.to_string(),
            path: path.chars().take(200).collect(),
            status,
            duration_us,
        };
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() >= self.cfg.request_log_size.max(1) {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The most recent `limit` requests, oldest first.
    pub fn request_log(&self, limit: usize) -> Vec<LogEntry> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let skip = log.len().saturating_sub(limit);
        log.iter().skip(skip).cloned().collect()
    }

    // ----- users -----------------------------------------------------------------------

    fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
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
        Ok(self
            .conn()
            .row(
                "SELECT id, email, first_name, last_name, created_at, password_hash FROM users WHERE id = ?1",
                params![id],
                Self::user_from_row,
            )
            .optional()?)
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self
            .conn()
            .row(
                "SELECT id, email, first_name, last_name, created_at, password_hash FROM users WHERE email = ?1",
                params![email.trim()],
                Self::user_from_row,
            )
            .optional()?)
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
        let res = conn.exec(
            "INSERT INTO users (email, password_hash, first_name, last_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![email.trim(), hash, first, last, now as i64],
        );
        match res {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(ServerError::fields(vec![(
                    "email".into(),
                    "A user is already registered with this email address.".into(),
                )]))
            }
            Err(e) => return Err(e.into()),
        }
        let id = conn.last_insert_rowid();
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

    // ----- single-use tokens (challenges, refresh whitelist, invitations) ------------------

    pub(crate) fn create_token(&self, user_id: i64, purpose: &str, token: &str) -> Result<()> {
        self.conn().exec(
            "INSERT INTO tokens (digest, user_id, purpose, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![crypto::digest(token), user_id, purpose, self.now() as i64],
        )?;
        Ok(())
    }

    fn token_ttl(&self, purpose: &str) -> u64 {
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

    /// The user an access token belongs to.
    pub fn user_from_access(&self, token: &str) -> Result<User> {
        let invalid = || ServerError::unauthorized("Given token not valid for any token type");
        let claims = self
            .keys
            .jwt_decode(token, self.now())
            .ok_or_else(invalid)?;
        if claims.token_type != "access" {
            return Err(invalid());
        }
        self.user_by_id(claims.user_id)?
            .ok_or_else(|| ServerError::unauthorized("User not found"))
    }

    /// Rotates a refresh token: the old one stops working, a new pair is issued.
    pub fn refresh(&self, refresh: &str) -> Result<TokenPair> {
        let invalid = || ServerError::unauthorized("Token is invalid or expired");
        let claims = self
            .keys
            .jwt_decode(refresh, self.now())
            .ok_or_else(invalid)?;
        if claims.token_type != "refresh" {
            return Err(invalid());
        }
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

    // ----- the login gate ------------------------------------------------------------------

    /// What a proven password leads to, under the configured mode (jwt_allauth.mfa.gate).
    pub fn login_gate(&self, user: &User) -> Result<LoginOutcome> {
        self.batch(|| self.login_gate_steps(user))
    }

    fn login_gate_steps(&self, user: &User) -> Result<LoginOutcome> {
        let mode = self.cfg.mode;
        if mode == Mode::Disabled {
            return Ok(LoginOutcome::Granted(user.clone()));
        }
        if !self.has_totp(user.id)? {
            if mode == Mode::Required {
                let id = crypto::uuid4();
                self.create_token(user.id, PURPOSE_SETUP, &id)?;
                return Ok(LoginOutcome::SetupRequired {
                    setup_challenge_id: id,
                });
            }
            return Ok(LoginOutcome::Granted(user.clone()));
        }
        if let Some(wait) = self.lockout_remaining(user.id)? {
            return Err(self.locked_out(wait));
        }
        let id = crypto::uuid4();
        self.create_token(user.id, PURPOSE_LOGIN, &id)?;
        Ok(LoginOutcome::MfaRequired { challenge_id: id })
    }

    /// A setup challenge for a user who must enrol (registration in `required` mode).
    pub fn create_setup_challenge(&self, user_id: i64) -> Result<String> {
        let id = crypto::uuid4();
        self.create_token(user_id, PURPOSE_SETUP, &id)?;
        Ok(id)
    }

    // ----- rate limit ----------------------------------------------------------------------

    /// Seconds until the user may try again, when locked out.
    pub fn lockout_remaining(&self, user_id: i64) -> Result<Option<u64>> {
        let rl = self.cfg.rate_limit;
        let now = self.now() as i64;
        let since = now - rl.window_secs as i64;
        let conn = self.conn();
        // No `LIMIT ?`: SQLite plans a statement again whenever the value bound to its LIMIT
        // changes, on every call here. The rows are few (a failure is only recorded while the
        // user is not locked out, and older ones are deleted then).
        let mut stmt = conn.prepare_cached(
            "SELECT at FROM mfa_failures WHERE user_id = ?1 AND at > ?2 ORDER BY at DESC",
        )?;
        let times: Vec<i64> = stmt
            .query_map(params![user_id, since], |r| r.get(0))?
            .take(rl.max_failures as usize)
            .collect::<rusqlite::Result<_>>()?;
        if times.len() >= rl.max_failures as usize {
            let oldest = times[times.len() - 1];
            let wait = oldest + rl.window_secs as i64 - now;
            return Ok(Some(wait.max(1) as u64));
        }
        Ok(None)
    }

    fn record_failure(&self, user_id: i64) -> Result<()> {
        let now = self.now() as i64;
        let conn = self.conn();
        conn.exec(
            "INSERT INTO mfa_failures (user_id, at) VALUES (?1, ?2)",
            params![user_id, now],
        )?;
        conn.exec(
            "DELETE FROM mfa_failures WHERE user_id = ?1 AND at <= ?2",
            params![user_id, now - self.cfg.rate_limit.window_secs as i64],
        )?;
        Ok(())
    }

    fn clear_failures(&self, user_id: i64) -> Result<()> {
        self.conn().exec(
            "DELETE FROM mfa_failures WHERE user_id = ?1",
            params![user_id],
        )?;
        Ok(())
    }

    // ----- TOTP ----------------------------------------------------------------------------

    pub(crate) fn secret_aad(user_id: i64, what: &str) -> String {
        format!("twofold-server/{what}/user:{user_id}")
    }

    fn build_uri(&self, user: &User, secret: &Secret) -> Zeroizing<String> {
        if self.cfg.profile.is_allauth() {
            return Zeroizing::new(crate::headless::allauth_totp_url(
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

    fn setup_totp_with(&self, user: &User, secret: Secret) -> Result<SetupInfo> {
        if self.has_totp(user.id)? {
            return Err(ServerError::bad_request("TOTP already activated."));
        }
        let blob = self.keys.encrypt(
            &Self::secret_aad(user.id, "setup-secret"),
            secret.as_bytes(),
        )?;
        self.conn().exec(
            "INSERT OR REPLACE INTO setup_secrets (user_id, data, created_at) VALUES (?1, ?2, ?3)",
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

    /// As [`activate_totp`](App::activate_totp); `setup_challenge` (the REST bootstrap) is
    /// spent in the same transaction that activates, and only one request can spend it.
    pub(crate) fn activate_totp_with(
        &self,
        user: &User,
        code: &str,
        setup_challenge: Option<&str>,
    ) -> Result<Vec<String>> {
        if self.has_totp(user.id)? {
            return Err(ServerError::bad_request("TOTP already activated."));
        }
        let secret = self
            .pending_secret(user)?
            .ok_or_else(|| ServerError::bad_request("Setup not initiated."))?;
        let now = self.now();
        let step = if self.bypass(code) {
            Some(self.otp_params().step_at(now).unwrap_or(0))
        } else {
            twofold_otp::verify::verify_totp(
                &secret,
                &self.otp_params(),
                code,
                now,
                self.cfg.tolerance,
            )
            .ok()
            .flatten()
        };
        let Some(step) = step else {
            return Err(ServerError::bad_request("Invalid code."));
        };
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user.id, TYPE_TOTP), secret.as_bytes())?;
        self.atomic(|tx| {
            if let Some(id) = setup_challenge {
                match self.take_token(id, PURPOSE_SETUP)? {
                    Ok((uid, _)) if uid == user.id => {}
                    Err(true) => return Err(ServerError::bad_request("Setup not initiated.")),
                    _ => return Err(ServerError::not_authenticated()),
                }
            }
            let inserted = tx.exec(
                "INSERT INTO authenticators (user_id, type, data, last_step, created_at, last_used_at) VALUES (?1, 'totp', ?2, ?3, ?4, ?4)",
                params![user.id, blob, step as i64, now as i64],
            );
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    // A concurrent activation got there first.
                    return Err(ServerError::bad_request("TOTP already activated."));
                }
                r => r?,
            };
            tx.exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
            Ok(())
        })?;
        self.new_recovery_codes(user.id)
    }

    /// Checks a TOTP code against the user's authenticator: accepted once per step (a step
    /// not after the last accepted one is a replay), within the configured tolerance.
    fn check_totp_code(&self, user_id: i64, code: &str) -> Result<bool> {
        if self.cfg.profile.is_allauth() {
            return self.allauth_check_totp(user_id, code);
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
        let matched = twofold_otp::verify::verify_totp(
            &secret,
            &self.otp_params(),
            code,
            now,
            self.cfg.tolerance,
        )
        .ok()
        .flatten();
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

    // ----- recovery codes --------------------------------------------------------------------

    pub(crate) fn derive_codes(seed: &[u8], count: u32) -> Vec<String> {
        if seed.len() == ALLAUTH_SEED_CHARS {
            return crate::headless::allauth_recovery_codes(seed, count);
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
            Zeroizing::new(
                crypto::random_bytes::<40>()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
                    .into_bytes(),
            )
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
    fn use_recovery_code(&self, user_id: i64, code: &str) -> Result<bool> {
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

    // ----- second factor at login ------------------------------------------------------------

    /// The second step of a login, with a TOTP code or a recovery code, for a user already
    /// known (the HTML face keeps it in the session; the REST face in a challenge).
    pub fn second_factor(&self, user_id: i64, code: &str, recovery: bool) -> Result<bool> {
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        let ok = if recovery {
            self.use_recovery_code(user_id, code)?
        } else {
            self.check_totp_code(user_id, code)?
        };
        if ok {
            self.clear_failures(user_id)?;
        } else {
            self.record_failure(user_id)?;
        }
        Ok(ok)
    }

    /// `POST /mfa/verify/` and `/mfa/verify-recovery/`: the challenge, the lockout, the code.
    pub fn verify_challenge(&self, challenge_id: &str, code: &str, recovery: bool) -> Result<User> {
        self.batch(|| self.verify_challenge_steps(challenge_id, code, recovery))
    }

    fn verify_challenge_steps(
        &self,
        challenge_id: &str,
        code: &str,
        recovery: bool,
    ) -> Result<User> {
        let (user_id, failures) = self
            .lookup_token(challenge_id, PURPOSE_LOGIN)?
            .map_err(|_| ServerError::bad_request("Challenge expired or invalid."))?;
        let user = self
            .user_by_id(user_id)?
            .ok_or_else(|| ServerError::bad_request("Challenge expired or invalid."))?;
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        if !recovery && !self.has_totp(user_id)? {
            return Err(ServerError::bad_request("TOTP not activated."));
        }
        if self.second_factor(user_id, code, recovery)? {
            if self.take_token(challenge_id, PURPOSE_LOGIN)?.is_err() {
                return Err(ServerError::bad_request("Challenge expired or invalid."));
            }
            return Ok(user);
        }
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        if failures + 1 >= self.cfg.challenge_max_failures {
            self.delete_token(challenge_id)?;
            return Err(ServerError::bad_request(
                "Too many failed attempts. Challenge invalidated.",
            ));
        }
        self.conn().exec(
            "UPDATE tokens SET failures = failures + 1 WHERE digest = ?1",
            params![crypto::digest(challenge_id)],
        )?;
        Err(ServerError::bad_request(if recovery {
            "Invalid recovery code."
        } else {
            "Invalid code."
        }))
    }

    /// Removes TOTP and recovery codes (the password checked by the caller).
    pub fn deactivate(&self, user: &User) -> Result<()> {
        let n = self.atomic(|tx| {
            let n = tx.exec(
                "DELETE FROM authenticators WHERE user_id = ?1",
                params![user.id],
            )?;
            tx.exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
            Ok(n)
        })?;
        if n == 0 {
            return Err(ServerError::bad_request("TOTP not activated."));
        }
        Ok(())
    }

    /// The otpauth URI of a user's activated TOTP authenticator, whichever face activated it
    /// (REST, HTML pages, headless API or QA): the desktop panel's "Add to Twofold". `None`
    /// when the user has no TOTP.
    pub fn totp_uri(&self, user_id: i64) -> Result<Option<Zeroizing<String>>> {
        let Some(user) = self.user_by_id(user_id)? else {
            return Ok(None);
        };
        let blob: Option<Vec<u8>> = self
            .conn()
            .row(
                "SELECT data FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(blob) = blob else {
            return Ok(None);
        };
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        Ok(Some(self.build_uri(&user, &secret)))
    }

    pub fn authenticators(&self, user_id: i64) -> Result<Vec<AuthenticatorInfo>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, type, created_at, last_used_at FROM authenticators WHERE user_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![user_id], |r| {
                Ok(AuthenticatorInfo {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    created_at: iso(r.get::<_, i64>(2)? as u64),
                    last_used_at: r.get::<_, Option<i64>>(3)?.map(|t| iso(t as u64)),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    // ----- QA operations -----------------------------------------------------------------------

    pub fn list_users(&self) -> Result<Vec<UserSummary>> {
        let ids: Vec<(i64, String, i64)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT id, email, created_at FROM users ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        ids.into_iter()
            .map(|(id, email, created)| {
                Ok(UserSummary {
                    id,
                    email,
                    totp_enabled: self.has_totp(id)?,
                    recovery_codes_left: self
                        .unused_recovery_codes(id)?
                        .map(|c| c.len() as u32)
                        .unwrap_or(0),
                    created_at: iso(created as u64),
                })
            })
            .collect()
    }

    /// Creates a test user; `enrolled` also activates TOTP and returns the otpauth URI, the
    /// secret and the recovery codes. Blocking (password hashing).
    pub fn create_test_user(
        &self,
        email: &str,
        password: &str,
        enrolled: bool,
    ) -> Result<CreatedUser> {
        self.create_test_user_with_secret(email, password, enrolled.then_some(None))
    }

    /// As [`App::create_test_user`]; `enrolment` is `None` for a user without TOTP,
    /// `Some(None)` for a fresh random secret, `Some(Some(secret))` for a given one (a QA suite
    /// or a benchmark that computes codes itself).
    pub fn create_test_user_with_secret(
        &self,
        email: &str,
        password: &str,
        enrolment: Option<Option<Secret>>,
    ) -> Result<CreatedUser> {
        let errs = self.signup_errors(email, password, password)?;
        if !errs.is_empty() {
            return Err(ServerError::fields(errs));
        }
        let user = self.create_user(email, Some(password), "", "")?;
        let Some(given) = enrolment else {
            return Ok(CreatedUser {
                id: user.id,
                email: user.email,
                otpauth_uri: None,
                secret: None,
                recovery_codes: None,
            });
        };
        let secret =
            given.unwrap_or_else(|| Secret::from_bytes(crypto::random_bytes::<20>().to_vec()));
        let setup = self.setup_totp_with(&user, secret)?;
        let secret = self
            .pending_secret(&user)?
            .ok_or_else(|| ServerError::bad_request("Setup not initiated."))?;
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user.id, TYPE_TOTP), secret.as_bytes())?;
        {
            let conn = self.conn();
            conn.exec(
                "INSERT INTO authenticators (user_id, type, data, created_at) VALUES (?1, 'totp', ?2, ?3)",
                params![user.id, blob, self.now() as i64],
            )?;
            conn.exec(
                "DELETE FROM setup_secrets WHERE user_id = ?1",
                params![user.id],
            )?;
        }
        let codes = self.new_recovery_codes(user.id)?;
        Ok(CreatedUser {
            id: user.id,
            email: user.email,
            otpauth_uri: Some(setup.provisioning_uri.to_string()),
            secret: Some(setup.secret.to_string()),
            recovery_codes: Some(codes),
        })
    }

    /// Deletes a user by id or e-mail address. `false` when there was none.
    pub fn delete_user(&self, id_or_email: &str) -> Result<bool> {
        let conn = self.conn();
        let n = match id_or_email.parse::<i64>() {
            Ok(id) => conn.exec("DELETE FROM users WHERE id = ?1", params![id])?,
            Err(_) => conn.exec("DELETE FROM users WHERE email = ?1", params![id_or_email])?,
        };
        drop(conn);
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(n > 0)
    }

    /// Empties the database (users, authenticators, challenges, tokens) and the sessions.
    pub fn reset(&self) -> Result<()> {
        self.conn().execute_batch(
            "BEGIN; DELETE FROM mfa_failures; DELETE FROM setup_secrets; DELETE FROM tokens;
             DELETE FROM authenticators; DELETE FROM users; COMMIT;",
        )?;
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(())
    }
}

/// The QR code of `data` as an inline SVG element (no XML declaration).
pub fn qr_svg(data: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(256, 256)
                .quiet_zone(true)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

impl App {
    /// The lockout answer of the profile: allauth's `400 too_many_login_attempts`
    /// (`mfa/base/internal/flows.py`, `check_rate_limit`), else 429 with `Retry-After`.
    pub(crate) fn locked_out(&self, wait: u64) -> ServerError {
        if self.cfg.profile.is_allauth() {
            return ServerError::bad_request("Too many failed login attempts. Try again later.");
        }
        ServerError::locked_out(wait)
    }

    /// django-allauth's authenticate form: a TOTP code or a recovery code, one failure counted.
    pub fn second_factor_either(&self, user_id: i64, code: &str) -> Result<bool> {
        if let Some(wait) = self.lockout_remaining(user_id)? {
            return Err(self.locked_out(wait));
        }
        let ok = self.check_totp_code(user_id, code).unwrap_or(false)
            || self.use_recovery_code(user_id, code).unwrap_or(false);
        if ok {
            self.clear_failures(user_id)?;
        } else {
            self.record_failure(user_id)?;
        }
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::iso;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00Z");
    }
}
