//! The one error type of the server crate.

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use thiserror::Error;

/// Everything the server can fail with. `Api` errors are answers to a client (a status and a
/// `detail`, as Django REST framework writes them); the others are faults of the server itself.
/// No variant ever carries a secret, a password, a code or a token.
#[derive(Debug, Error)]
pub enum ServerError {
    #[error("{detail}")]
    Api {
        status: StatusCode,
        detail: String,
        /// Seconds for `Retry-After` (429 answers).
        retry_after: Option<u64>,
        /// Per-field messages (`{"email": ["..."]}`), merged into the JSON body beside `detail`.
        fields: Option<Map<String, Value>>,
    },
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database error: {}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("cannot connect to the database {database}: {cause}")]
    Connect { database: String, cause: String },
    #[error("the database connection's thread has stopped")]
    PostgresGone,
    #[error("a query returned no row")]
    NoRow,
    #[error("column {0} of a row has an unexpected type")]
    DbValue(usize),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the server key {0} does not open this database (it was created with another key); restore the key file or reset the database")]
    KeyMismatch(PathBuf),
    #[error("stored data could not be decrypted (wrong server key or tampered database)")]
    Decrypt,
    #[error("password hashing failed")]
    PasswordHash,
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// A PostgreSQL error in a line: the server's message and SQLSTATE (never its `DETAIL`, which
/// may quote a row's values), or the driver's own words.
pub(crate) fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            use std::error::Error as _;
            match e.source() {
                Some(s) => format!("{e}: {s}"),
                None => e.to_string(),
            }
        }
    }
}

impl ServerError {
    pub fn api(status: StatusCode, detail: impl Into<String>) -> Self {
        ServerError::Api {
            status,
            detail: detail.into(),
            retry_after: None,
            fields: None,
        }
    }
    /// An answer with `Retry-After` (seconds).
    pub fn api_retry(status: StatusCode, detail: impl Into<String>, retry_after: u64) -> Self {
        ServerError::Api {
            status,
            detail: detail.into(),
            retry_after: Some(retry_after.max(1)),
            fields: None,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::api(StatusCode::BAD_REQUEST, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::api(StatusCode::FORBIDDEN, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::api(StatusCode::UNAUTHORIZED, detail)
    }
    pub fn not_authenticated() -> Self {
        Self::unauthorized("Authentication credentials were not provided.")
    }
    pub fn locked_out(retry_after: u64) -> Self {
        ServerError::Api {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: "Too many failed MFA attempts. Try again later.".into(),
            retry_after: Some(retry_after.max(1)),
            fields: None,
        }
    }
    /// The login throttle: too many failed passwords from one client address.
    pub fn login_throttled(retry_after: u64) -> Self {
        ServerError::Api {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: "Too many failed logins from this address. Try again later.".into(),
            retry_after: Some(retry_after.max(1)),
            fields: None,
        }
    }
    /// Field validation errors: `detail` names the first one, the fields carry them all.
    pub fn fields(errors: Vec<(String, String)>) -> Self {
        let detail = errors
            .first()
            .map(|(f, m)| {
                if f == "non_field_errors" {
                    m.clone()
                } else {
                    format!("{f}: {m}")
                }
            })
            .unwrap_or_else(|| "Invalid input.".into());
        let mut map = Map::new();
        for (f, m) in errors {
            let entry = map.entry(f).or_insert_with(|| Value::Array(vec![]));
            if let Value::Array(a) = entry {
                a.push(Value::String(m));
            }
        }
        ServerError::Api {
            status: StatusCode::BAD_REQUEST,
            detail,
            retry_after: None,
            fields: Some(map),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Api { status, .. } => *status,
            e if e.database_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A database that cannot answer for now (held by another process past the busy timeout,
    /// an I/O error, a full disk, a file that cannot be opened or written), as opposed to a
    /// fault of the server's own statements: the request may succeed once it is back.
    pub fn database_unavailable(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            ServerError::Db(e) => matches!(
                e.sqlite_error_code(),
                Some(
                    C::DatabaseBusy
                        | C::DatabaseLocked
                        | C::SystemIoFailure
                        | C::DiskFull
                        | C::CannotOpen
                        | C::ReadOnly
                )
            ),
            // No answer from the server (refused, reset, timed out), or one that says it cannot
            // serve now: connection exceptions (08), shutting down (57P01-57P03), out of
            // resources (53).
            ServerError::Postgres(e) => match e.code() {
                None => {
                    use std::error::Error as _;
                    e.is_closed()
                        || e.source().is_some_and(|s| s.is::<std::io::Error>())
                        || e.to_string().starts_with("error connecting")
                }
                Some(c) => ["08", "57P0", "53"].iter().any(|p| c.code().starts_with(p)),
            },
            ServerError::PostgresGone => true,
            _ => false,
        }
    }

    /// The database's own words for a [`database_unavailable`](Self::database_unavailable)
    /// error ("database is locked"): SQLite's messages name no value of a statement.
    fn cause(&self) -> String {
        match self {
            ServerError::Db(rusqlite::Error::SqliteFailure(e, msg)) => {
                msg.clone().unwrap_or_else(|| e.to_string())
            }
            ServerError::Postgres(e) => match e.as_db_error() {
                Some(db) => db.message().to_string(),
                None => e.to_string(),
            },
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        match self {
            ServerError::Api {
                status,
                detail,
                retry_after,
                fields,
            } => {
                let mut body = fields.unwrap_or_default();
                body.insert("detail".into(), Value::String(detail));
                let mut resp = (status, axum::Json(Value::Object(body))).into_response();
                if let Some(secs) = retry_after {
                    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                        resp.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                }
                resp
            }
            other if other.database_unavailable() => {
                eprintln!("twofold-server: {other}");
                let mut resp = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    axum::Json(json!({"detail": format!("The database is unavailable ({}); try again shortly.", other.cause())})),
                )
                    .into_response();
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                resp
            }
            other => {
                // The message names the cause (never a secret); the client gets a generic answer.
                eprintln!("twofold-server: {other}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(json!({"detail": "Internal server error."})),
                )
                    .into_response()
            }
        }
    }
}
