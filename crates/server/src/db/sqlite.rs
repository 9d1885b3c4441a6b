//! The SQLite database: opening (WAL), migrations, the key check, and the statements' values
//! as SQLite takes and gives them.

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use super::{Arg, Row, Value};
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
    // 2: tokens keyed by their digest alone (WITHOUT ROWID): one B-tree less to write for every
    // challenge and refresh token created or used.
    "CREATE TABLE tokens_v2 (
        digest TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL) WITHOUT ROWID;
     INSERT INTO tokens_v2 (digest, user_id, purpose, failures, created_at)
        SELECT digest, user_id, purpose, failures, created_at FROM tokens;
     DROP TABLE tokens;
     ALTER TABLE tokens_v2 RENAME TO tokens;
     CREATE INDEX tokens_user ON tokens (user_id, purpose);",
    // 3: django-otp's device state (django_otp/plugins/otp_totp/models.py, TOTPDevice.drift;
    // django_otp/models.py, ThrottlingMixin's failure count and timestamp, in milliseconds),
    // for the TOTP row and the static (backup token) row alike.
    "ALTER TABLE authenticators ADD COLUMN drift INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE authenticators ADD COLUMN throttle_count INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE authenticators ADD COLUMN throttle_at_ms INTEGER;",
    // 4: allauth's used TOTP codes (mfa/totp/internal/auth.py, `_mark_code_used`: a cache
    // entry per user and code), in the database so that every instance on it refuses a code
    // one of them accepted. The code's digest only; expired markers are dropped as the user's
    // next code is marked.
    "CREATE TABLE used_codes (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_digest TEXT NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (user_id, code_digest)) WITHOUT ROWID;",
    // 5: failed password logins per client address (the login throttle), in the database so
    // that every instance on it counts them.
    "CREATE TABLE login_failures (client TEXT NOT NULL, at INTEGER NOT NULL);
     CREATE INDEX login_failures_client ON login_failures (client, at);",
    // 6: allauth's rate-limit history (core/internal/ratelimit.py: hit times per cache key), in
    // the database so that every instance counts the hits of all.
    "CREATE TABLE rate_hits (key TEXT NOT NULL, at REAL NOT NULL);
     CREATE INDEX rate_hits_key ON rate_hits (key, at);
     CREATE INDEX rate_hits_at ON rate_hits (at);",
    // 7: user ids are never given twice (AUTOINCREMENT). Without it SQLite numbers a new row
    // after the largest id left, so after a QA reset (or the deletion of the newest user) a
    // new user got an old user's id, and the old user's access tokens and sessions, which name
    // the id, acted as the new user. The table is rebuilt (the rows keep their ids) with
    // foreign keys off (see `migrate`), so that dropping the old table deletes nothing of the
    // tables that name it.
    "CREATE TABLE users_v7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        email_verified INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL);
     INSERT INTO users_v7 (id, email, password_hash, first_name, last_name, email_verified, created_at)
        SELECT id, email, password_hash, first_name, last_name, email_verified, created_at FROM users;
     DROP TABLE users;
     ALTER TABLE users_v7 RENAME TO users;",
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Arg::Null => ValueRef::Null,
            Arg::Int(v) => ValueRef::Integer(v),
            Arg::Real(v) => ValueRef::Real(v),
            Arg::Text(s) => ValueRef::Text(s.as_bytes()),
            Arg::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// The rows of a query, through the connection's prepared-statement cache: every statement of
/// the server is a fixed string, so each is parsed once per connection instead of on every
/// request.
pub fn query(conn: &Connection, sql: &str, params: &[Arg<'_>]) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

/// Opens (creating) the database, switches it to WAL and applies pending migrations.
pub fn open(path: &Path) -> Result<Connection> {
    create_private_file(path)?;
    let mut conn = Connection::open(path)?;
    conn.busy_handler(Some(retry_soon))?;
    conn.set_prepared_statement_cache_capacity(64);
    // Instances started at once on a new database meet here: one of two connections that both
    // read and then both want to write is answered SQLITE_BUSY at once, without its busy
    // handler (SQLite's deadlock rule; switching to WAL is one such write). Every step below
    // can run again, so a busy start waits a moment and starts over.
    let mut tries = 0;
    loop {
        match prepare(&mut conn) {
            Err(ServerError::Db(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && tries < 200 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(1 + (tries % 7)));
            }
            r => break r?,
        }
    }
    Ok(conn)
}

/// The connection's settings, the migrations and the key check: what [`open`] runs, and may run
/// again.
fn prepare(conn: &mut Connection) -> Result<()> {
    // Before the first table is created (a no-op on an existing database): the server's rows
    // are small and a request changes a few of them in several B-trees, each change rewriting
    // its whole page into the WAL. 1 KiB pages write a quarter of the bytes of 4 KiB ones
    // (fewer WAL checkpoints, and with them a shorter latency tail: docs/server.md).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A small page cache. Every B-tree balance briefly gives a page the lock page's number
    // (page 1,048,577 with 1 KiB pages), and the commit after it then walks the cache's whole
    // hash table to drop pages past the end of the database: with SQLite's default 2,000 pages
    // that walk was 4% of the server's time under bench/server.sh. 512 pages hold the B-trees'
    // upper levels; the leaves come from the OS page cache either way.
    conn.pragma_update(None, "cache_size", CACHE_PAGES)?;
    migrate(conn)
}

/// Creates the directories of `dir` that are missing, each 0700 from its `mkdir` (the mode is
/// given at creation, not set afterwards; existing directories are left as they are).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| ServerError::Io {
        action: "cannot create directory",
        path: dir.to_path_buf(),
        source,
    })
}

/// Creates the database file 0600 (from its `open`) when it does not exist yet, before SQLite
/// opens it: SQLite would create it 0644, and it creates the `-wal` and `-shm` files with the
/// mode of the database file, so they are 0600 too. An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop).map_err(|source| ServerError::Io {
        action: "cannot create database",
        path: path.to_path_buf(),
        source,
    })
}

/// The request connection's busy handler. SQLite's own (`busy_timeout`) sleeps 1, 2, 5, 10, 15,
/// 20, 25… ms between tries, so a request that meets the checkpointer's write lock, held for a
/// millisecond, waited tens of milliseconds (docs/server.md). Retry every 100 µs instead,
/// 50,000 times: at least 5 s in all (the OS rounds each sleep up: about 9 s on Linux).
fn retry_soon(tries: i32) -> bool {
    sleep_100us_while(tries, 50_000)
}

/// The health check's busy handler: as [`retry_soon`], for a tenth of its tries (a load
/// balancer waits a few seconds for an answer, not nine).
fn retry_briefly(tries: i32) -> bool {
    sleep_100us_while(tries, 5_000)
}

/// A busy handler's step: sleeps 100 µs and asks for another try while fewer than `max` ran.
fn sleep_100us_while(tries: i32, max: i32) -> bool {
    std::thread::sleep(std::time::Duration::from_micros(100));
    tries < max
}

/// Takes the write lock every request needs and gives it back, waiting for it at most about a
/// second (`/_twofold/health`).
pub fn probe(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_handler(Some(retry_briefly))?;
    let taken = conn
        .prepare_cached("BEGIN IMMEDIATE")
        .and_then(|mut s| s.execute([]))
        .and_then(|_| conn.prepare_cached("ROLLBACK")?.execute([]));
    conn.busy_handler(Some(retry_soon))?;
    taken.map(drop)
}

/// Checkpoints the WAL from a thread of its own, so that copying pages back into the database
/// and its fsync happen off the request path: with SQLite's automatic checkpoints, the request
/// that crosses 1000 WAL pages does all of it while holding the connection every other request
/// waits for (a tail of 100+ ms under load).
///
/// A PASSIVE checkpoint, which waits for nobody and blocks nobody, every [`CHECKPOINT_BUSY`]
/// while the WAL grows, backing off to one every [`CHECKPOINT_IDLE`] while nothing is written.
/// Small, frequent checkpoints keep the request thread's tail short (the measurements are in
/// docs/server.md). A PASSIVE
/// checkpoint under steady writes never lets the WAL start over, so once the WAL has grown past
/// [`WAL_RESTART_BYTES`] a RESTART one follows, which blocks writers while it copies what is
/// left and syncs. Before it, PASSIVE checkpoints run back to back until little is left, so that
/// writers wait for a few hundred pages and not for everything written since the last tick.
/// Stops, after a last checkpoint, when dropped.
pub struct Checkpointer {
    _stop: std::sync::mpsc::Sender<()>,
}

/// The database's page size (bytes), for new databases.
pub const PAGE_SIZE: i64 = 1024;
/// Pages in the request connection's page cache (see [`open`]).
pub const CACHE_PAGES: i64 = 512;
/// WAL size past which it is started over: 256 MiB.
pub const WAL_RESTART_BYTES: i64 = 256 << 20;
/// Time between checkpoints while the WAL grows.
const CHECKPOINT_BUSY: std::time::Duration = std::time::Duration::from_millis(25);
/// The longest time between checkpoints while nothing is written (one wake-up a second).
const CHECKPOINT_IDLE: std::time::Duration = std::time::Duration::from_secs(1);
/// Frames left behind by a PASSIVE checkpoint that a RESTART may copy with writers waiting.
const RESTART_LEFT_FRAMES: i64 = 1000;

impl Checkpointer {
    /// Turns automatic checkpoints off on `conn` and checkpoints `path` from a second
    /// connection.
    pub fn start(conn: &Connection, path: &Path) -> Result<Self> {
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let page = pragma(conn, "page_size")?;
        let restart_frames = WAL_RESTART_BYTES / page.max(512);
        let bg = Connection::open(path)?;
        bg.busy_timeout(std::time::Duration::from_secs(5))?;
        // (frames in the WAL, frames of it checkpointed)
        let checkpoint = move |mode: &str| -> Option<(i64, i64)> {
            bg.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })
            .ok()
        };
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("twofold-server-checkpoint".into())
            .spawn(move || {
                let (mut every, mut seen) = (CHECKPOINT_BUSY, 0);
                loop {
                    let last = matches!(
                        rx.recv_timeout(every),
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
                    );
                    let (frames, _) = checkpoint("PASSIVE").unwrap_or((0, 0));
                    // Written to since the last look: look again soon; if not, twice as late.
                    every = if frames != seen {
                        CHECKPOINT_BUSY
                    } else {
                        (every * 2).min(CHECKPOINT_IDLE)
                    };
                    seen = frames;
                    if last || frames > restart_frames {
                        seen = restart(&checkpoint).unwrap_or(seen);
                    }
                    if last {
                        break;
                    }
                }
            })
            .map_err(|e| ServerError::Config(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { _stop: tx })
    }
}

/// Starts the WAL over: PASSIVE checkpoints back to back (at most 5) until fewer than
/// [`RESTART_LEFT_FRAMES`] are left, then a RESTART, which makes writers wait only for those.
/// Returns the frames the WAL held, if the RESTART ran.
fn restart(checkpoint: &impl Fn(&str) -> Option<(i64, i64)>) -> Option<i64> {
    for _ in 0..5 {
        match checkpoint("PASSIVE") {
            Some((log, done)) if log - done > RESTART_LEFT_FRAMES => {}
            _ => break,
        }
    }
    checkpoint("RESTART").map(|(log, _)| log)
}

/// An integer pragma's value.
fn pragma(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, name, |r| r.get(0))
}

/// Applies the migrations the database lacks, each in a transaction that holds the write lock
/// from its start and reads the version under it: instances started at once on one database
/// take turns, and each applies only what the others have not.
fn migrate(conn: &mut Connection) -> Result<()> {
    // Table rebuilds (migration 7) drop a table others refer to: with foreign keys on, that
    // would delete their rows. The pragma is a no-op inside a transaction, so it is set here.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let r = migrate_all(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    r
}

fn migrate_all(conn: &mut Connection) -> Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version = pragma(&tx, "user_version")?;
        if version > SCHEMA_VERSION {
            return Err(ServerError::Config(format!(
                "the database has schema version {version}, newer than this server ({SCHEMA_VERSION}); use a newer twofold"
            )));
        }
        let Some(sql) = MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrading_a_version_1_database_keeps_its_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "page_size", 4096).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO users (id, email, created_at) VALUES (7, 'a@b.test', 1)",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO tokens (digest, user_id, purpose, failures, created_at) VALUES ('d1', 7, 'login', 2, 5)",
                [],
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        assert_eq!(pragma(&conn, "user_version").unwrap(), SCHEMA_VERSION);
        let row: (i64, String, i64, i64) = conn
            .query_row(
                "SELECT user_id, purpose, failures, created_at FROM tokens WHERE digest = 'd1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, (7, "login".to_string(), 2, 5));
        // WITHOUT ROWID: there is no rowid to select.
        assert!(conn.prepare("SELECT rowid FROM tokens").is_err());
        // An existing database keeps its page size; the token table's foreign key still holds.
        assert_eq!(pragma(&conn, "page_size").unwrap(), 4096);
        conn.execute("DELETE FROM users WHERE id = 7", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "ON DELETE CASCADE");
        // Migration 7: the emptied table does not give id 7 again.
        let id: i64 = conn
            .query_row(
                "INSERT INTO users (email, created_at) VALUES ('b@b.test', 2) RETURNING id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(id, 8, "a user id is never given twice");
    }

    #[test]
    fn a_new_database_has_small_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite3");
        let conn = open(&path).unwrap();
        assert_eq!(pragma(&conn, "page_size").unwrap(), PAGE_SIZE);
        assert_eq!(pragma(&conn, "cache_size").unwrap(), CACHE_PAGES);
    }
}
