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
use crate::input::{Fields, Input};

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
    if !peer.ip().is_loopback() {
        return ServerError::forbidden("QA endpoints answer loopback clients only.")
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
pub struct LogQuery {
    /// How many recent entries (default 100, at most 1000).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/_twofold/users", tag = "qa", responses((status = 200, body = Vec<UserSummary>)))]
pub async fn list_users(State(app): State<Arc<App>>) -> Result<Response> {
    Ok(Json(app.list_users()?).into_response())
}

#[utoipa::path(post, path = "/_twofold/users", tag = "qa", request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser), (status = 400, body = crate::rest::ErrorResponse)))]
pub async fn create_user(State(app): State<Arc<App>>, input: Input) -> Result<Response> {
    let mut f = Fields::default();
    let email = f.string(&input, "email", true, false);
    let password = f.string(&input, "password", false, true);
    let enrolled = match input.0.get("enrolled") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) if s == "true" || s == "1" => true,
        Some(serde_json::Value::String(s)) if s == "false" || s == "0" => false,
        Some(_) => {
            f.errors
                .push(("enrolled".into(), "Must be a valid boolean.".into()));
            false
        }
    };
    let secret = f.string(&input, "secret", false, true).and_then(|text| {
        match twofold_otp::Secret::from_base32(&text) {
            Ok(s) if s.len() >= 16 => Some(s),
            _ => {
                f.errors.push((
                    "secret".into(),
                    "Enter a base32 secret of at least 16 bytes.".into(),
                ));
                None
            }
        }
    });
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

#[utoipa::path(post, path = "/_twofold/reset", tag = "qa", responses((status = 200, body = crate::rest::DetailResponse)))]
pub async fn reset(State(app): State<Arc<App>>) -> Result<Response> {
    app.reset()?;
    Ok(Json(json!({"detail": "Database reset."})).into_response())
}

#[utoipa::path(get, path = "/_twofold/clock", tag = "qa", responses((status = 200, body = ClockState)))]
pub async fn get_clock(State(app): State<Arc<App>>) -> Result<Response> {
    Ok(Json(json!({"offset_seconds": app.clock_offset(), "now": app.now()})).into_response())
}

#[utoipa::path(post, path = "/_twofold/clock", tag = "qa", request_body = ClockRequest,
    responses((status = 200, body = ClockState), (status = 400, body = crate::rest::ErrorResponse)))]
pub async fn set_clock(State(app): State<Arc<App>>, input: Input) -> Result<Response> {
    let offset = match input.0.get("offset_seconds") {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
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
    responses((status = 200, body = Vec<LogEntry>, description = "Method, path (no query), status, duration: never bodies, headers or secrets")))]
pub async fn log(
    State(app): State<Arc<App>>,
    query: std::result::Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let limit = match query {
        Ok(Query(q)) => q.limit.unwrap_or(100).min(1000),
        Err(_) => {
            return Err(ServerError::fields(vec![(
                "limit".into(),
                "A valid integer is required.".into(),
            )]))
        }
    };
    Ok(Json(app.request_log(limit)).into_response())
}
