//! The core: users, TOTP enrolment and verification, recovery codes, challenges, tokens, the
//! rate limit, the request log and the QA operations. The REST face, the HTML face and the
//! desktop app all go through these functions.

mod device;
mod faces;
mod gate;
mod limits;
mod qa;
mod recovery;
mod sessions;
mod tokens;
mod totp;
mod users;

pub use faces::FaceState;
pub use qa::qr_svg;
pub(crate) use sessions::SessionStore;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use twofold_otp::{Kind, OtpParams};
use utoipa::ToSchema;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::{self, Keys};
use crate::db::{params, Conn, Database, OptionalExtension};
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

/// The server's state. Cheap to share (`Arc<App>`); every method takes `&self`.
pub struct App {
    pub(crate) cfg: Config,
    pub(crate) keys: Keys,
    /// SQLite: one connection for every request, re-entrant, so that a request's steps can run
    /// in one [`batch`](App::batch) while each step still takes the connection for itself.
    /// PostgreSQL: one per thread ([`Connections`](crate::db::Connections)).
    db: crate::db::Connections,
    clock: Arc<dyn Clock>,
    offset: AtomicI64,
    log: Mutex<VecDeque<LogEntry>>,
    /// Each face's state between requests (HTML sessions, the headless API's).
    faces: faces::Faces,
    /// One permit per core: at most that many Argon2 hashes at once (each holds its memory,
    /// 19 MiB by default, while it runs); more logins wait their turn.
    hash_slots: Arc<tokio::sync::Semaphore>,
    database: Database,
    /// SQLite only: the WAL checkpoints' thread.
    _checkpointer: Option<crate::db::Checkpointer>,
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
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(ts).unwrap_or(i64::MAX))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl App {
    /// Opens the database and its key (beside a SQLite file, or `--key-file`).
    pub fn open(cfg: Config, clock: Arc<dyn Clock>) -> Result<Self> {
        cfg.validate()?;
        let database = cfg.database()?;
        let (keys, conn, checkpointer) = match &database {
            Database::Sqlite(db_path) => {
                if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::db::create_private_dir(dir)?;
                }
                let (key_file, key_store) = cfg.key_source(db_path);
                let keys = Keys::for_database(db_path, &key_file, key_store)?;
                let conn = crate::db::sqlite::open(db_path)?;
                let checkpointer = crate::db::Checkpointer::start(&conn, db_path)?;
                let conn = Conn::Sqlite(conn);
                keys.check_database(&conn)?;
                let conns = crate::db::Connections::Shared(parking_lot::ReentrantMutex::new(conn));
                (keys, conns, Some(checkpointer))
            }
            Database::Postgres(url) => {
                // `validate` asked for it.
                let key_file = cfg.key_file.as_ref().ok_or_else(|| {
                    ServerError::Config("a PostgreSQL database needs --key-file".into())
                })?;
                let keys = Keys::load_or_create(key_file)?;
                let config = crate::db::postgres::config(url)?;
                let pg = crate::db::postgres::PgConn::connect(url, config.clone())?;
                pg.migrate()?;
                let conn = Conn::postgres(pg);
                keys.check_database(&conn)?;
                (keys, crate::db::Connections::per_thread(config, conn), None)
            }
        };
        let offset = AtomicI64::new(cfg.clock_offset);
        Ok(App {
            cfg,
            keys,
            db: conn,
            clock,
            offset,
            log: Mutex::new(VecDeque::new()),
            faces: faces::Faces::default(),
            hash_slots: Arc::new(tokio::sync::Semaphore::new(hash_slots())),
            database,
            _checkpointer: checkpointer,
        })
    }

    /// The state of face `T` (made on its first use).
    pub(crate) fn face<T: FaceState>(&self) -> Arc<T> {
        self.faces.get(&self.cfg)
    }

    /// Forgets every face's sessions (QA reset, a deleted user).
    pub(crate) fn clear_faces(&self) -> Result<()> {
        self.faces.clear(self)
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// Where the data lives.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The server's time: the clock plus the offset.
    pub fn now(&self) -> u64 {
        let t = self.clock.now() as i64 + self.offset.load(Ordering::Relaxed);
        t.max(0) as u64
    }
    /// The server's time in milliseconds (django-otp's throttling).
    pub fn now_ms(&self) -> u64 {
        let t = self.clock.now_ms() as i64 + self.offset.load(Ordering::Relaxed) * 1000;
        t.max(0) as u64
    }
    pub fn clock_offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
    /// QA: make the server's clock run `secs` ahead (negative: behind). On PostgreSQL the
    /// offset is the database's, so every instance on it runs on the same clock (each reads it
    /// at the start of a request: [`refresh_clock_offset`](App::refresh_clock_offset)); on
    /// SQLite it is this process's.
    pub fn set_clock_offset(&self, secs: i64) -> Result<()> {
        if secs.unsigned_abs() > 10 * 365 * 86_400 {
            return Err(ServerError::bad_request(
                "offset_seconds: must be within ten years.",
            ));
        }
        if self.shared_clock() {
            self.conn().exec(
                "INSERT INTO meta (key, value) VALUES ('clock_offset', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![secs.to_string().into_bytes()],
            )?;
        }
        self.offset.store(secs, Ordering::Relaxed);
        Ok(())
    }

    /// Whether the QA clock offset is kept in the database (PostgreSQL: instances share it).
    fn shared_clock(&self) -> bool {
        matches!(self.database, Database::Postgres(_))
    }

    /// On PostgreSQL, takes the clock offset a QA call set through any instance (one read per
    /// request); until one did, the instance's own (`--clock-offset`) stands. A no-op on SQLite.
    pub(crate) fn refresh_clock_offset(&self) -> Result<()> {
        if !self.shared_clock() {
            return Ok(());
        }
        let stored: Option<Vec<u8>> = self
            .conn()
            .row(
                "SELECT value FROM meta WHERE key = 'clock_offset'",
                params![],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(secs) = stored
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|s| s.parse::<i64>().ok())
        {
            self.offset.store(secs, Ordering::Relaxed);
        }
        Ok(())
    }

    pub(crate) fn conn(&self) -> crate::db::ConnGuard<'_> {
        self.db.get()
    }

    /// Whether the database answers (`/_twofold/health`): on SQLite, takes the write lock every
    /// request needs and gives it back, failing after a short busy wait when another process
    /// holds it or the file cannot be written; on PostgreSQL, a round trip (connecting again
    /// if the connection broke).
    pub fn database_probe(&self) -> Result<()> {
        self.conn().probe()
    }

    /// Runs a request's steps holding the connection throughout, in one transaction: one WAL
    /// commit and one lock hand-over instead of one per statement. The transaction is committed
    /// whatever `f` returns, as the statements one by one were (a refused code must still count
    /// as a failure). A batch inside a batch joins it.
    pub(crate) fn batch<R>(&self, f: impl FnOnce() -> Result<R>) -> Result<R> {
        let conn = self.conn();
        let outer = !conn.in_transaction();
        if outer {
            // On SQLite the write lock from the start (waiting up to the busy timeout). A
            // deferred transaction that read first could not be upgraded once a checkpoint had
            // restarted the WAL ("database is locked").
            conn.begin()?;
        }
        let r = f();
        if outer {
            conn.commit()?;
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

    /// All of `f` or none of it: a transaction, or a savepoint inside a
    /// [`batch`](App::batch).
    pub(crate) fn atomic<R>(&self, f: impl FnOnce(&Conn) -> Result<R>) -> Result<R> {
        let conn = self.conn();
        let outer = !conn.in_transaction();
        if outer {
            conn.begin()?;
        } else {
            conn.execute_batch("SAVEPOINT atomic")?;
        }
        match f(&conn) {
            Ok(r) => {
                if outer {
                    conn.commit()?;
                } else {
                    conn.execute_batch("RELEASE atomic")?;
                }
                Ok(r)
            }
            Err(e) => {
                let _ = if outer {
                    conn.rollback()
                } else {
                    conn.execute_batch("ROLLBACK TO atomic; RELEASE atomic")
                };
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
