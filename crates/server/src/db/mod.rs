//! The storage layer: one connection type with two implementations, SQLite (a file, the
//! default) and PostgreSQL (a database that several instances share). The server's statements
//! are written once, in the SQL the two have in common, with `?N` parameters; values go in as
//! [`Arg`]s and come out as [`Row`]s of [`Value`]s, whichever database answered.

pub mod postgres;
pub mod sqlite;

use std::cell::Cell;

use crate::error::{Result, ServerError};

pub use sqlite::{create_private_dir, Checkpointer};

/// Where the server's data lives, as `--db` names it.
#[derive(Clone)]
pub enum Database {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection string (`postgres://` or `postgresql://`). It may hold a
    /// password: shown only through [`Database::display`].
    Postgres(String),
}

impl Database {
    /// `postgres://…` and `postgresql://…` name a PostgreSQL database; anything else a file.
    pub fn parse(db: &std::path::Path) -> Database {
        match db.to_str() {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Database::Postgres(s.to_string())
            }
            _ => Database::Sqlite(db.to_path_buf()),
        }
    }

    /// The database for messages: a file's path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(url) => postgres::redact(url),
        }
    }

    /// `sqlite` or `postgresql`.
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgresql",
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// A value as a statement takes it (borrowed).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A value as a row gives it back.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Arg<'_> {
    pub fn to_value(self) -> Value {
        match self {
            Arg::Null => Value::Null,
            Arg::Int(v) => Value::Int(v),
            Arg::Real(v) => Value::Real(v),
            Arg::Text(s) => Value::Text(s.to_string()),
            Arg::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

/// What can be a statement's parameter.
pub trait ToArg {
    fn to_arg(&self) -> Arg<'_>;
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> {
                Arg::Int(*self as i64)
            }
        }
    )*};
}
int_arg!(i64, i32, u32, u64, usize, u8);

impl ToArg for bool {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(*self as i64)
    }
}
impl ToArg for f64 {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Real(*self)
    }
}
impl ToArg for str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl ToArg for String {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Text(self)
    }
}
impl ToArg for [u8] {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl ToArg for Vec<u8> {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Blob(self)
    }
}
impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg<'_> {
        (**self).to_arg()
    }
}
impl<T: ToArg> ToArg for Option<T> {
    fn to_arg(&self) -> Arg<'_> {
        match self {
            Some(v) => v.to_arg(),
            None => Arg::Null,
        }
    }
}

/// A statement's parameters: `params![a, b]` is `&[Arg]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::db::Arg<'_>] };
    ($($x:expr),+ $(,)?) => { &[$($crate::db::ToArg::to_arg(&$x)),+] as &[$crate::db::Arg<'_>] };
}
pub use crate::params;

/// What a column's value can be read as.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromValue for u32 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u32::try_from(i).ok())
    }
}
impl FromValue for u64 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u64::try_from(i).ok())
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}
impl FromValue for () {
    fn from_value(_: &Value) -> Option<Self> {
        Some(())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A row of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as a `T` (`r.get::<_, i64>(0)`, as rusqlite writes it).
    pub fn get<I: RowIndex, T: FromValue>(&self, i: I) -> Result<T> {
        let i = i.index();
        let v = self.0.get(i).ok_or(ServerError::DbValue(i))?;
        T::from_value(v).ok_or(ServerError::DbValue(i))
    }
}

/// A column's position (a trait, so that `r.get(0)` takes its `0` as a `usize`).
pub trait RowIndex {
    fn index(self) -> usize;
}
impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// `query_row`'s "no row" as `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}
impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(ServerError::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The app's connections. SQLite: one, which the threads take in turn (a re-entrant lock: a
/// request's steps take it again inside its batch); SQLite has one writer at a time anyway.
/// PostgreSQL: one per thread that asks, made at its first statement, so that requests on
/// several threads wait for their round trips at the same time (`twofold serve` runs several
/// request threads on PostgreSQL). A thread's request runs its steps without yielding, so a
/// connection is never shared.
pub enum Connections {
    Shared(parking_lot::ReentrantMutex<Conn>),
    PerThread {
        config: Box<::postgres::Config>,
        conns: Box<thread_local::ThreadLocal<Conn>>,
    },
}

/// A connection, for the statements of one thread.
pub enum ConnGuard<'a> {
    Shared(parking_lot::ReentrantMutexGuard<'a, Conn>),
    Own(&'a Conn),
}

impl std::ops::Deref for ConnGuard<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            ConnGuard::Shared(g) => g,
            ConnGuard::Own(c) => c,
        }
    }
}

impl Connections {
    /// PostgreSQL's: `first` becomes this thread's connection.
    pub fn per_thread(config: ::postgres::Config, first: Conn) -> Connections {
        let conns = thread_local::ThreadLocal::new();
        conns.get_or(|| first);
        Connections::PerThread {
            config: Box::new(config),
            conns: Box::new(conns),
        }
    }

    pub fn get(&self) -> ConnGuard<'_> {
        match self {
            Connections::Shared(m) => ConnGuard::Shared(m.lock()),
            Connections::PerThread { config, conns } => ConnGuard::Own(
                conns.get_or(|| Conn::postgres(postgres::PgConn::lazy((**config).clone()))),
            ),
        }
    }
}

/// A connection to either database, used by one thread at a time.
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres {
        conn: postgres::PgConn,
        /// Inside `BEGIN … COMMIT` (SQLite tells this itself).
        in_tx: Cell<bool>,
    },
}

impl Conn {
    pub fn postgres(conn: postgres::PgConn) -> Conn {
        Conn::Postgres {
            conn,
            in_tx: Cell::new(false),
        }
    }

    /// Runs a statement; the rows it changed.
    pub fn exec(&self, sql: &str, params: &[Arg<'_>]) -> Result<usize> {
        match self {
            Conn::Sqlite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params))?),
            Conn::Postgres { conn, .. } => conn.exec(sql, params),
        }
    }

    /// The rows of a query, each through `f`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[Arg<'_>],
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.query(sql, params)?.iter().map(f).collect()
    }

    /// The first row of a query through `f`; [`ServerError::NoRow`] when there is none
    /// (`.optional()` makes that `None`).
    pub fn row<T>(
        &self,
        sql: &str,
        params: &[Arg<'_>],
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        let rows = self.query(sql, params)?;
        rows.first().map(f).unwrap_or(Err(ServerError::NoRow))
    }

    fn query(&self, sql: &str, params: &[Arg<'_>]) -> Result<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => sqlite::query(c, sql, params),
            Conn::Postgres { conn, .. } => conn.query(sql, params),
        }
    }

    /// Runs several statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres { conn, .. } => conn.batch(sql),
        }
    }

    pub fn in_transaction(&self) -> bool {
        match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres { in_tx, .. } => in_tx.get(),
        }
    }

    /// Starts a transaction that writes: SQLite takes its one write lock at once (`BEGIN
    /// IMMEDIATE`); PostgreSQL takes row and advisory locks as the statements go
    /// ([`lock`](Conn::lock)).
    pub fn begin(&self) -> Result<()> {
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            }
            Conn::Postgres { conn, in_tx } => {
                conn.batch("BEGIN")?;
                in_tx.set(true);
            }
        }
        Ok(())
    }

    pub fn commit(&self) -> Result<()> {
        match self {
            Conn::Sqlite(c) => match c.prepare_cached("COMMIT").and_then(|mut s| s.execute([])) {
                Ok(_) => Ok(()),
                Err(e) => {
                    let _ = c.execute_batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Conn::Postgres { conn, in_tx } => {
                in_tx.set(false);
                conn.batch("COMMIT")
            }
        }
    }

    pub fn rollback(&self) -> Result<()> {
        if let Conn::Postgres { in_tx, .. } = self {
            in_tx.set(false);
        }
        self.execute_batch("ROLLBACK")
    }

    /// Serializes, until the transaction ends, the transactions of every instance that take
    /// the same `key` (a user's state, a rate-limit key): read, decide and write as one. On
    /// SQLite every writing transaction holds the one write lock already, so this is a no-op;
    /// on PostgreSQL it is a transaction-level advisory lock.
    pub fn lock(&self, key: &str) -> Result<()> {
        match self {
            Conn::Sqlite(_) => Ok(()),
            Conn::Postgres { conn, in_tx } => {
                if in_tx.get() {
                    conn.exec(
                        "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
                        params![key],
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl Conn {
    /// Whether the database answers: see [`App::database_probe`](crate::App::database_probe).
    pub fn probe(&self) -> Result<()> {
        if self.in_transaction() {
            // This thread is inside a batch: the database answered it.
            return Ok(());
        }
        match self {
            Conn::Sqlite(c) => Ok(sqlite::probe(c)?),
            Conn::Postgres { conn, .. } => conn.batch("SELECT 1"),
        }
    }
}
