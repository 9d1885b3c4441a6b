//! `GET /_twofold/health`: whether this instance can serve, for a load balancer or a reverse
//! proxy in front of several instances (docs/server.md). Open to every client, unlike the QA
//! endpoints: a proxy on another host checks it too. It names no user and no secret.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;

pub fn router() -> Router<Arc<App>> {
    Router::new().route("/_twofold/health", get(health))
}

/// The answer of `GET /_twofold/health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` (with `detail`).
    pub status: &'static str,
    pub database: DatabaseHealth,
    /// What is wrong (503 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The database as this instance sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgresql`.
    pub backend: &'static str,
    /// `ok`: on SQLite, the write lock every request needs was taken and given back; on
    /// PostgreSQL, a round trip answered. `unavailable`: not within a few seconds (another
    /// process holds SQLite's lock, an I/O error, PostgreSQL does not answer).
    pub state: &'static str,
}

#[utoipa::path(get, path = "/_twofold/health", tag = "health",
    responses((status = 200, body = Health, description = "The instance can serve"),
              (status = 503, body = Health, description = "The database does not answer; `detail` says why")))]
pub async fn health(State(app): State<Arc<App>>) -> Response {
    let backend = app.database().backend();
    let probe = tokio::task::spawn_blocking(move || app.database_probe()).await;
    let failure = match probe {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("the database check did not finish".to_string()),
    };
    let (status, state) = match failure {
        None => (StatusCode::OK, "ok"),
        Some(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    };
    let body = Health {
        status: state,
        database: DatabaseHealth { backend, state },
        detail: failure,
    };
    (status, Json(body)).into_response()
}
