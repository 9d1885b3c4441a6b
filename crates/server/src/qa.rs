//! QA endpoints under `/_twofold/`: set up a scenario in one call. Loopback clients only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::{App, CreatedUser, LogEntry, UserSummary};
use crate::error::{Result, ServerError};
use crate::input::{Fields, JsonOnly, MAX_FIELD_CHARS};

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/_twofold/users", get(list_users).post(create_user))
        .route("/_twofold/users/{user}", delete(delete_user))
        .route("/_twofold/reset", post(reset))
        .route("/_twofold/clock", get(get_clock).post(set_clock))
        .route("/_twofold/log", get(log))
        .layer(axum::middleware::from_fn(loopback_only))
}

async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if !crate::guard::direct_loopback(peer.ip(), req.headers()) {
        return ServerError::forbidden(
            "QA endpoints answer loopback clients only, and not through a proxy: call them on the instance's host.",
        )
        .into_response();
    }
    next.run(req).await
}

#[derive(Serialize, ToSchema)]
pub struct CreateUserRequest {
    pub email: String,
    /// Defaults to `password123!`.
    pub password: Option<String>,
    /// Also activate TOTP and return its otpauth URI and recovery codes.
    pub enrolled: Option<bool>,
    /// Base32 TOTP secret to enrol with (implies `enrolled`; at least 16 bytes); default a
    /// random 20-byte one.
    pub secret: Option<String>,
}

/// The QA endpoint's secret, as [`SECRET_PATTERN`] says: upper-case base32 without padding or
/// spaces, a length that can end a base32 encoding (not 1, 3 or 6 mod 8), at least 26
/// characters (16 bytes).
fn parse_secret(text: &str) -> Option<twofold_otp::Secret> {
    let ok = text.len() >= 26
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        && !matches!(text.len() % 8, 1 | 3 | 6);
    if !ok {
        return None;
    }
    twofold_otp::Secret::from_base32(text)
        .ok()
        .filter(|s| s.len() >= 16)
}

/// [`parse_secret`] as a JSON Schema pattern (with `minLength` 26, for /openapi.json).
pub const SECRET_PATTERN: &str =
    "^([A-Z2-7]{8})*([A-Z2-7]{2}|[A-Z2-7]{4}|[A-Z2-7]{5}|[A-Z2-7]{7})?$";

/// `POST /_twofold/reset` takes an empty JSON object (a JSON body, so that no page can send it
/// without a CORS preflight).
#[derive(Serialize, ToSchema)]
pub struct ResetRequest {}

#[derive(Serialize, ToSchema)]
pub struct ClockState {
    pub offset_seconds: i64,
    /// The server's Unix time, offset included.
    pub now: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ClockRequest {
    pub offset_seconds: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// How many recent entries (default 100).
    #[param(minimum = 0, maximum = 1000)]
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/_twofold/users", tag = "qa", responses((status = 200, body = Vec<UserSummary>)))]
pub async fn list_users(State(app): State<Arc<App>>) -> Result<Response> {
    Ok(Json(app.list_users()?).into_response())
}

#[utoipa::path(post, path = "/_twofold/users", tag = "qa", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser), (status = 400, body = crate::rest::ErrorResponse)))]
pub async fn create_user(
    State(app): State<Arc<App>>,
    JsonOnly(input): JsonOnly,
) -> Result<Response> {
    let mut f = Fields::default();
    let email = f.string(&input, "email", true, true);
    // Given: at least 8 characters (an empty one too is refused); absent or null: the default.
    let password = match input.0.get("password") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(p)) if p.chars().count() <= MAX_FIELD_CHARS => {
            Some(p.clone())
        }
        Some(serde_json::Value::String(_)) => {
            f.errors.push((
                "password".into(),
                format!("Ensure this field has no more than {MAX_FIELD_CHARS} characters."),
            ));
            None
        }
        Some(_) => {
            f.errors
                .push(("password".into(), "Not a valid string.".into()));
            None
        }
    };
    let enrolled = f.boolean(&input, "enrolled").unwrap_or(false);
    // Given: upper-case base32 of at least 16 bytes (an empty one too is refused).
    let secret = match input.0.get("secret") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => {
            let parsed = v.as_str().and_then(parse_secret);
            if parsed.is_none() {
                f.errors.push((
                    "secret".into(),
                    "Enter a base32 secret (A-Z, 2-7, no padding) of at least 16 bytes.".into(),
                ));
            }
            parsed
        }
    };
    f.finish()?;
    let email = email.unwrap_or_default();
    let password = password.unwrap_or_else(|| "password123!".into());
    let enrolment = match secret {
        Some(s) => Some(Some(s)),
        None => enrolled.then_some(None),
    };
    let a = app.clone();
    let created = app
        .hashing(move || a.create_test_user_with_secret(&email, &password, enrolment))
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(delete, path = "/_twofold/users/{user}", tag = "qa",
    params(("user" = String, Path, description = "Id or e-mail address")),
    responses((status = 204), (status = 404, body = crate::rest::ErrorResponse)))]
pub async fn delete_user(
    State(app): State<Arc<App>>,
    Path(user): Path<String>,
) -> Result<Response> {
    if app.delete_user(&user)? {
        Ok(axum::http::StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ServerError::api(
            axum::http::StatusCode::NOT_FOUND,
            "No such user.",
        ))
    }
}

#[utoipa::path(post, path = "/_twofold/reset", tag = "qa", request_body = ResetRequest,
    responses((status = 200, body = crate::rest::DetailResponse)))]
pub async fn reset(State(app): State<Arc<App>>, _body: JsonOnly) -> Result<Response> {
    app.reset()?;
    Ok(Json(json!({"detail": "Database reset."})).into_response())
}

#[utoipa::path(get, path = "/_twofold/clock", tag = "qa", responses((status = 200, body = ClockState)))]
pub async fn get_clock(State(app): State<Arc<App>>) -> Result<Response> {
    Ok(Json(json!({"offset_seconds": app.clock_offset(), "now": app.now()})).into_response())
}

#[utoipa::path(post, path = "/_twofold/clock", tag = "qa", request_body = ClockRequest,
    responses((status = 200, body = ClockState), (status = 400, body = crate::rest::ErrorResponse)))]
pub async fn set_clock(State(app): State<Arc<App>>, JsonOnly(input): JsonOnly) -> Result<Response> {
    let offset = match input.0.get("offset_seconds") {
        Some(v @ serde_json::Value::Number(_)) => crate::input::integer(v),
        None => {
            return Err(ServerError::fields(vec![(
                "offset_seconds".into(),
                "This field is required.".into(),
            )]))
        }
        _ => None,
    }
    .ok_or_else(|| {
        ServerError::fields(vec![(
            "offset_seconds".into(),
            "A valid integer is required.".into(),
        )])
    })?;
    app.set_clock_offset(offset)?;
    Ok(Json(json!({"offset_seconds": app.clock_offset(), "now": app.now()})).into_response())
}

#[utoipa::path(get, path = "/_twofold/log", tag = "qa", params(LogQuery),
    responses((status = 200, body = Vec<LogEntry>, description = "Method, path (no query), status, duration: never bodies, headers or secrets"),
              (status = 400, body = crate::rest::ErrorResponse)))]
pub async fn log(
    State(app): State<Arc<App>>,
    query: std::result::Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let limit = match query {
        Ok(Query(q)) if q.limit.is_none_or(|l| l <= 1000) => q.limit.unwrap_or(100),
        Ok(_) => {
            return Err(ServerError::fields(vec![(
                "limit".into(),
                "Ensure this value is less than or equal to 1000.".into(),
            )]))
        }
        Err(_) => {
            return Err(ServerError::fields(vec![(
                "limit".into(),
                "A valid integer is required.".into(),
            )]))
        }
    };
    Ok(Json(app.request_log(limit)).into_response())
}
