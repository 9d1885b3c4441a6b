//! Where a face keeps its sessions between requests. On SQLite, in this process (one server on
//! one laptop: no encoding, no I/O; a restart logs everyone out, as before). On PostgreSQL, in
//! the database (`sessions`), so that every instance behind a load balancer sees the session
//! another one started, as Django's default database session engine does: encoded as JSON,
//! encrypted under the server key (a session may hold a TOTP secret being activated), keyed by
//! the digest of its id, never the id itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::App;
use crate::config::Config;
use crate::crypto;
use crate::db::{params, Database, OptionalExtension};
use crate::error::{Result, ServerError};

/// A face's sessions by id.
pub(crate) enum SessionStore<T> {
    Memory(Mutex<HashMap<String, T>>),
    Database {
        /// The face, a column of `sessions` (`html`, `headless`).
        face: &'static str,
        /// Sessions untouched this long are deleted (seconds).
        ttl: u64,
        /// When expired sessions were last deleted (server time).
        purged: AtomicU64,
    },
}

impl<T: Clone + Serialize + DeserializeOwned> SessionStore<T> {
    /// The store for a server with `cfg`: in the database on PostgreSQL, else in memory.
    pub(crate) fn new(cfg: &Config, face: &'static str, ttl: u64) -> Self {
        match cfg.database() {
            Ok(Database::Postgres(_)) => SessionStore::Database {
                face,
                ttl,
                purged: AtomicU64::new(0),
            },
            _ => SessionStore::Memory(Mutex::new(HashMap::new())),
        }
    }

    fn memory(m: &Mutex<HashMap<String, T>>) -> std::sync::MutexGuard<'_, HashMap<String, T>> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn aad(face: &str, digest: &str) -> String {
        format!("session:{face}:{digest}")
    }

    /// The session `id` names, if any (an expired one is gone).
    pub(crate) fn get(&self, app: &App, id: &str) -> Result<Option<T>> {
        match self {
            SessionStore::Memory(m) => Ok(Self::memory(m).get(id).cloned()),
            SessionStore::Database { face, ttl, .. } => {
                let digest = crypto::digest(id);
                let blob: Option<Vec<u8>> = app
                    .conn()
                    .row(
                        "SELECT data FROM sessions WHERE face = ?1 AND digest = ?2 AND touched > ?3",
                        params![*face, digest, app.now() as i64 - *ttl as i64],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(blob) = blob else { return Ok(None) };
                let json = app.keys.decrypt(&Self::aad(face, &digest), &blob)?;
                // A session this server cannot read (written by another version) is no session.
                Ok(serde_json::from_slice(&json).ok())
            }
        }
    }

    /// Stores `s` under `id`. `prune` says which sessions a full memory store keeps.
    pub(crate) fn put(
        &self,
        app: &App,
        id: &str,
        s: &T,
        limit: usize,
        prune: impl Fn(&T) -> bool,
    ) -> Result<()> {
        match self {
            SessionStore::Memory(m) => {
                let mut m = Self::memory(m);
                if m.len() > limit && !m.contains_key(id) {
                    m.retain(|_, s| prune(s));
                }
                m.insert(id.to_string(), s.clone());
                Ok(())
            }
            SessionStore::Database { face, ttl, purged } => {
                let digest = crypto::digest(id);
                let json = Zeroizing::new(
                    serde_json::to_vec(s).map_err(|e| ServerError::Config(e.to_string()))?,
                );
                let blob = app.keys.encrypt(&Self::aad(face, &digest), &json)?;
                let now = app.now() as i64;
                app.conn().exec(
                    "INSERT INTO sessions (face, digest, data, touched) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (face, digest) DO UPDATE SET data = excluded.data, touched = excluded.touched",
                    params![*face, digest, blob, now],
                )?;
                // Expired sessions go, at most once a minute (an index on `touched` finds them).
                let last = purged.load(Ordering::Relaxed) as i64;
                if now - last >= 60 {
                    purged.store(now as u64, Ordering::Relaxed);
                    app.conn().exec(
                        "DELETE FROM sessions WHERE touched <= ?1",
                        params![now - *ttl as i64],
                    )?;
                }
                Ok(())
            }
        }
    }

    pub(crate) fn remove(&self, app: &App, id: &str) -> Result<()> {
        match self {
            SessionStore::Memory(m) => {
                Self::memory(m).remove(id);
            }
            SessionStore::Database { face, .. } => {
                app.conn().exec(
                    "DELETE FROM sessions WHERE face = ?1 AND digest = ?2",
                    params![*face, crypto::digest(id)],
                )?;
            }
        }
        Ok(())
    }

    /// Every session ends.
    pub(crate) fn clear(&self, app: &App) -> Result<()> {
        match self {
            SessionStore::Memory(m) => Self::memory(m).clear(),
            SessionStore::Database { face, .. } => {
                app.conn()
                    .exec("DELETE FROM sessions WHERE face = ?1", params![*face])?;
            }
        }
        Ok(())
    }
}
