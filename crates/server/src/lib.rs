//! Twofold's local MFA test server.
//!
//! Two faces over one SQLite database: the REST face of django-jwt-allauth's MFA flow
//! ([`rest`]) and the HTML pages of django-allauth's accounts and MFA ([`html`]), plus QA
//! endpoints ([`qa`]) and `GET /openapi.json`. Embed it with [`Server::start`]; the returned
//! [`ServerHandle`] gives the bound address, the [`App`] (request log, QA operations) and
//! [`ServerHandle::stop`].

pub mod app;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod django_otp;
pub mod error;
mod guard;
pub mod headless;
pub mod health;
pub mod html;
mod input;
pub mod openapi;
mod profile;
pub mod qa;
pub mod rest;
mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::oneshot;

pub use app::App;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, KeyStore, Mode, PasswordHashing, Profile, RateLimit};
pub use error::{Result, ServerError};

/// Builds the whole router over an opened [`App`].
pub fn router(app: Arc<App>) -> Router {
    let limit = app.cfg.max_body_bytes;
    Router::new()
        .merge(rest::router())
        .merge(headless::router())
        .merge(qa::router())
        .merge(health::router())
        .merge(html::router())
        .route(
            "/openapi.json",
            get(|State(app): State<Arc<App>>| async move { Json(openapi::document(&app.cfg)) }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), record))
        .with_state(app)
}

async fn not_found() -> Response {
    ServerError::api(StatusCode::NOT_FOUND, "Not found.").into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    ServerError::api(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method \"{method}\" not allowed."),
    )
    .into_response()
}

/// Request log: method, path without query, status, duration. Nothing else.
async fn record(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Instances on one PostgreSQL database share the QA clock offset. A database that does not
    // answer fails the request's own statements next, with their 503.
    let _ = app.refresh_clock_offset();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let us = started.elapsed().as_micros() as u64;
    app.record_request(&method, &redact_path(&path), resp.status().as_u16(), us);
    resp
}

/// Keys in paths (`/registration/verification/KEY/`) are credentials: not logged.
fn redact_path(path: &str) -> String {
    match path.strip_prefix("/registration/verification/") {
        Some(_) => "/registration/verification/<key>/".into(),
        None => path.to_string(),
    }
}

/// The server, to embed (the desktop app) or run (`twofold serve`).
pub struct Server;

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the database and starts serving on `config.bind` with the system clock.
    pub async fn start(config: Config) -> Result<ServerHandle> {
        Self::start_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Server::start`], with another clock (tests).
    pub async fn start_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<ServerHandle> {
        let bind = config.bind;
        let app = tokio::task::spawn_blocking(move || App::open(config, clock))
            .await
            .map_err(|e| ServerError::Config(format!("startup failed: {e}")))??;
        let app = Arc::new(app);
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|source| ServerError::Bind {
                addr: bind.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        let (tx, rx) = oneshot::channel::<()>();
        let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(ServerHandle {
            addr,
            app,
            shutdown: Some(tx),
            task,
        })
    }
}

impl ServerHandle {
    /// The address actually bound (port 0 resolved).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The state: QA operations and the request log as Rust calls.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }
    /// Stops accepting connections and waits for open requests to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
    /// Waits until the server stops (it stops on its own only on an I/O error).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}
