//! The SQLite database: opening (WAL), migrations, and the key check.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::crypto::Keys;
use crate::error::{Result, ServerError};

/// Each entry moves the schema one version up (`PRAGMA user_version`). Append, never edit.
const MIGRATIONS: &[&str] = &[
    // 1: users, authenticators (allauth's Authenticator model), single-use tokens
    // (challenges, refresh whitelist, invitations), failed attempts, pending setup secrets.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
     CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        email_verified INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL);
     CREATE TABLE authenticators (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        data BLOB NOT NULL,
        code_count INTEGER NOT NULL DEFAULT 0,
        used_mask INTEGER NOT NULL DEFAULT 0,
        last_step INTEGER,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        UNIQUE (user_id, type));
     CREATE TABLE tokens (
        digest TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL);
     CREATE INDEX tokens_user ON tokens (user_id, purpose);
     CREATE TABLE setup_secrets (
        user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL);
     CREATE TABLE mfa_failures (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        at INTEGER NOT NULL);
     CREATE INDEX mfa_failures_user ON mfa_failures (user_id, at);",
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `execute` and `query_row` through the connection's prepared-statement cache: every
/// statement of the server is a fixed string, so each is parsed once per connection instead
/// of on every request.
pub trait Cached {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<T, P: rusqlite::Params, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
    fn row<T, P: rusqlite::Params, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Opens (creating) the database, switches it to WAL, applies pending migrations and checks
/// that `keys` is the key it was created with.
pub fn open(path: &Path, keys: &Keys) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_handler(Some(retry_soon))?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn)?;
    check_key(&conn, keys)?;
    Ok(conn)
}

/// The request connection's busy handler. SQLite's own (`busy_timeout`) sleeps 1, 2, 5, 10, 15,
/// 20, 25… ms between tries, so a request that meets the checkpointer's write lock, held for a
/// millisecond, waited ~20 ms (the p99 of the server benchmark). Retry every 100 µs instead, for
/// up to 5 s in all.
fn retry_soon(tries: i32) -> bool {
    std::thread::sleep(std::time::Duration::from_micros(100));
    tries < 50_000
}

/// Checkpoints the WAL from a thread of its own, so that copying pages back into the database
/// and its fsync happen off the request path: with SQLite's automatic checkpoints, the request
/// that crosses 1000 WAL pages does all of it while holding the connection every other request
/// waits for (a tail of 100+ ms under load). Every `every`: a PASSIVE checkpoint (waits for
/// nobody); when the WAL has grown past [`WAL_RESTART_FRAMES`], a RESTART one, which then has
/// little left to copy and lets the next write start the WAL over (a PASSIVE checkpoint under
/// steady writes never catches up by itself). Stops, after a last checkpoint, when dropped.
pub struct Checkpointer {
    _stop: std::sync::mpsc::Sender<()>,
}

/// 4096 pages of 4 KiB: 16 MiB of WAL.
pub const WAL_RESTART_FRAMES: i64 = 4096;

impl Checkpointer {
    /// Turns automatic checkpoints off on `conn` and checkpoints `path` every `every` from a
    /// second connection.
    pub fn start(conn: &Connection, path: &Path, every: std::time::Duration) -> Result<Self> {
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let bg = Connection::open(path)?;
        bg.busy_timeout(std::time::Duration::from_secs(5))?;
        let checkpoint = move |mode: &str| -> Option<i64> {
            bg.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                r.get::<_, i64>(1)
            })
            .ok()
        };
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("twofold-server-checkpoint".into())
            .spawn(move || loop {
                let last = matches!(
                    rx.recv_timeout(every),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
                );
                let frames = checkpoint("PASSIVE").unwrap_or(0);
                if last || frames > WAL_RESTART_FRAMES {
                    checkpoint("RESTART");
                }
                if last {
                    break;
                }
            })
            .map_err(|e| ServerError::Config(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { _stop: tx })
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(ServerError::Config(format!(
            "the database has schema version {version}, newer than this server ({SCHEMA_VERSION}); use a newer twofold"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

fn check_key(conn: &Connection, keys: &Keys) -> Result<()> {
    const AAD: &str = "twofold-server/key-check";
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
            r.get(0)
        })
        .optional()?;
    match stored {
        Some(blob) => {
            keys.decrypt(AAD, &blob)
                .map_err(|_| ServerError::KeyMismatch(keys.path.clone()))?;
        }
        None => {
            let blob = keys.encrypt(AAD, b"twofold")?;
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                params![blob],
            )?;
        }
    }
    Ok(())
}
