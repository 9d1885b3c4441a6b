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

/// Opens (creating) the database, switches it to WAL, applies pending migrations and checks
/// that `keys` is the key it was created with.
pub fn open(path: &Path, keys: &Keys) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn)?;
    check_key(&conn, keys)?;
    Ok(conn)
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
