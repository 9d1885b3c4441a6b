//! The dispatcher: sessions, clients, CSRF, rate limits and the routes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{Result, ServerError};

use super::*;

pub(super) async fn handle(
    State(app): State<Arc<App>>,
    Path((client, rest)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let method = req.method().clone();
    let headers = req.headers().clone();
    let limit = app.cfg.max_body_bytes;
    let body: std::result::Result<Bytes, ()> = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ());
    let client = match client.as_str() {
        "app" => Client::App,
        "browser" => Client::Browser,
        _ => return ServerError::api(StatusCode::NOT_FOUND, "Not found.").into_response(),
    };
    // Django resolves the URL and the view's methods before any middleware's answer reaches
    // the view: an unknown path is 404, a method the view does not take 405 (with `Allow`).
    match methods(client, app.cfg.trust, &rest) {
        None => return ServerError::api(StatusCode::NOT_FOUND, "Not found.").into_response(),
        Some(allowed) if !allowed.contains(&method.as_str()) => {
            return render(not_allowed(&rest), None)
        }
        Some(_) => {}
    }
    let ip = peer
        .map(|ConnectInfo(p)| crate::guard::client_ip(&app.cfg, p.ip(), &headers))
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let cookies_in = cookies(&headers);
    let mut set_cookies = Vec::new();
    // Browser: Django's CsrfViewMiddleware (the token is set by every headless browser view,
    // `headless/internal/decorators.py`, `browser_view`: `get_token`).
    let mut csrf = cookies_in.get(CSRF_COOKIE).cloned();
    if client == Client::Browser {
        if csrf.as_deref().is_none_or(|c| c.len() != 32) {
            csrf = None;
        }
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method {
            let sent = headers.get("x-csrftoken").and_then(|v| v.to_str().ok());
            let ok = match (&csrf, sent) {
                (Some(c), Some(s)) => crypto::digest(c) == crypto::digest(s),
                _ => false,
            };
            if !ok {
                let mut r = (
                    StatusCode::FORBIDDEN,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>",
                )
                    .into_response();
                if csrf.is_none() {
                    add_cookie(&mut r, &csrf_cookie(&new_key()));
                }
                return r;
            }
        }
        if csrf.is_none() {
            set_cookies.push(csrf_cookie(&new_key()));
        }
    }
    // The session.
    let (key, sess) = match client {
        Client::App => match headers.get("x-session-token") {
            None => (None, Session::default()),
            Some(v) => {
                let token = v.to_str().unwrap_or("").to_string();
                let found = match app.face::<HeadlessState>().sessions.get(&app, &token) {
                    Ok(found) => found,
                    Err(e) => return e.into_response(),
                };
                match found {
                    Some(s) => (Some(token), s),
                    // `headless/internal/authkit.py`: an unknown or expired session token is
                    // 410 Gone, whatever the request.
                    None => {
                        let mut ctx = Ctx {
                            app: &app,
                            arc: app.clone(),
                            client,
                            ip,
                            key: None,
                            sess: Session::default(),
                            cycle: false,
                            flush: false,
                            cookies_in,
                        };
                        return match ctx.auth_reply(Some(410), true) {
                            Ok(r) => render(r, None),
                            Err(e) => e.into_response(),
                        };
                    }
                }
            }
        },
        Client::Browser => {
            let k = cookies_in.get(SESSION_COOKIE).cloned();
            let found = match &k {
                Some(k) => match app.face::<HeadlessState>().sessions.get(&app, k) {
                    Ok(found) => found,
                    Err(e) => return e.into_response(),
                },
                None => None,
            };
            match found {
                Some(s) => (k, s),
                None => (None, Session::default()),
            }
        }
    };
    let before = sess.clone();
    let mut ctx = Ctx {
        app: &app,
        arc: app.clone(),
        client,
        ip,
        key,
        sess,
        cycle: false,
        flush: false,
        cookies_in,
    };
    // `headless/internal/restkit/views.py`, `_parse_json`: a body that is not a JSON object
    // is a bare 400 (whatever the content type; Django reads the body as JSON). Too large a
    // body is Django's 400 too (`RequestDataTooBig`).
    let input = if method == Method::GET {
        Map::new()
    } else {
        match body {
            Err(_) => return render(Reply::empty(400), None),
            Ok(b) if b.is_empty() => Map::new(),
            Ok(b) => match std::str::from_utf8(&b)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
            {
                Some(Value::Object(m)) => m,
                _ => return render(Reply::empty(400), None),
            },
        }
    };
    let reply = match route(&mut ctx, &method, &rest, &input).await {
        Ok(r) => r,
        Err(e) => {
            let status = e.status();
            if status.is_server_error() {
                return e.into_response();
            }
            Reply::status(status.as_u16())
        }
    };
    // Save the session.
    let mut issued = None;
    let modified = ctx.sess != before;
    let saved = (|| -> crate::error::Result<()> {
        let sessions = &app.face::<HeadlessState>().sessions;
        if ctx.flush {
            if let Some(k) = &ctx.key {
                sessions.remove(&app, k)?;
            }
        } else if !ctx.sess.is_empty() || ctx.key.is_some() {
            let k = match (&ctx.key, ctx.cycle) {
                (Some(k), false) => k.clone(),
                (old, _) => {
                    if let Some(o) = old {
                        sessions.remove(&app, o)?;
                    }
                    let k = new_key();
                    issued = Some(k.clone());
                    k
                }
            };
            // A full memory store keeps the sessions of logged-in users.
            sessions.put(&app, &k, &ctx.sess, 100_000, |s| s.user.is_some())?;
        }
        Ok(())
    })();
    if let Err(e) = saved {
        return e.into_response();
    }
    let mut reply = reply;
    reply.cookies.extend(set_cookies);
    let token = match client {
        Client::App => issued,
        Client::Browser => {
            // Django's SessionMiddleware sends the cookie whenever the session changed.
            let k = issued.or_else(|| ctx.key.clone().filter(|_| modified && !ctx.flush));
            if let Some(k) = k {
                reply.cookies.push(format!(
                    "{SESSION_COOKIE}={k}; HttpOnly; Path=/; SameSite=Lax"
                ));
            }
            None
        }
    };
    render(reply, token)
}

/// The routes (`headless/urls.py`, `account/urls.py`, `mfa/urls.py`, `tokens/urls.py`).
/// The views that hash a password await it; every other view runs its database steps in one
/// transaction ([`App::batch`]): one commit per request (on SQLite one WAL write and one round
/// of locks, where each step on its own took its own).
pub(super) async fn route(
    ctx: &mut Ctx<'_>,
    method: &Method,
    path: &str,
    input: &Map<String, Value>,
) -> Result<Reply> {
    let app = ctx.app;
    match (path, method) {
        ("config", &Method::GET) => Ok(config(app)),
        ("auth/signup", &Method::POST) => signup(ctx, input).await,
        ("auth/login", &Method::POST) => login(ctx, input).await,
        ("auth/reauthenticate", &Method::POST) => reauthenticate(ctx, input).await,
        _ => app.batch(|| route_steps(ctx, method, path, input)),
    }
}

/// The views that do not await (see [`route`]).
fn route_steps(
    ctx: &mut Ctx<'_>,
    method: &Method,
    path: &str,
    input: &Map<String, Value>,
) -> Result<Reply> {
    let app = ctx.app;
    let m = method.clone();
    match (path, m) {
        ("auth/session", Method::GET) => ctx.auth_reply(None, false),
        ("auth/session", Method::DELETE) => {
            ctx.sess = Session::default();
            ctx.flush = true;
            ctx.auth_reply(None, false)
        }
        ("auth/2fa/authenticate", Method::POST) => two_factor(ctx, input),
        ("auth/2fa/reauthenticate", Method::POST) => {
            let Some(user) = ctx.user()? else {
                return ctx.auth_reply(None, false);
            };
            let Some(code) = text_field(input, "code") else {
                return Ok(required("code"));
            };
            match ctx.check_code(&user, &code)? {
                Err(r) => Ok(r),
                Ok((id, kind)) => {
                    ctx.record_mfa(user.id, id, kind, true);
                    ctx.auth_reply(None, false)
                }
            }
        }
        ("auth/2fa/trust", Method::POST) if ctx.client == Client::Browser && app.cfg.trust => {
            let Some(p) = ctx.pending(STAGE_TRUST) else {
                return ctx.auth_reply(None, true);
            };
            let trust = match input.get("trust") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Ok(Reply::error(
                        "invalid",
                        "Enter a valid boolean.",
                        Some("trust"),
                    ))
                }
            };
            let mut reply = Reply::status(200);
            if trust {
                if let Some(user) = app.user_by_id(p.user)? {
                    let c = app.trust_cookie(ctx.cookies_in.get(TRUST_COOKIE), &user)?;
                    reply.cookies.push(format!(
                        "{TRUST_COOKIE}={c}; Max-Age={}; Path=/; SameSite=Lax",
                        app.cfg.trust_cookie_age
                    ));
                }
            }
            ctx.login(p.user);
            let mut r = ctx.auth_reply(None, false)?;
            r.cookies.extend(reply.cookies);
            Ok(r)
        }
        ("account/authenticators", Method::GET) => {
            let Some(user) = ctx.user()? else {
                return ctx.auth_reply(None, false);
            };
            let list = app
                .allauth_authenticators(user.id)?
                .iter()
                .map(|a| authenticator_data(a, false))
                .collect();
            Ok(Reply::data(200, Value::Array(list)))
        }
        ("account/authenticators/totp", Method::GET | Method::POST | Method::DELETE) => {
            totp(ctx, method, input)
        }
        ("account/authenticators/recovery-codes", Method::GET | Method::POST) => {
            recovery_codes(ctx, method)
        }
        ("tokens/refresh", Method::POST) if ctx.client == Client::App => {
            // The session-token strategy (allauth's default) refreshes nothing:
            // `tokens/views.py` answers a bare 400.
            if text_field(input, "refresh_token").is_none() {
                return Ok(required("refresh_token"));
            }
            Ok(Reply::status(400))
        }
        (
            "config"
            | "auth/session"
            | "auth/signup"
            | "auth/login"
            | "auth/reauthenticate"
            | "auth/2fa/authenticate"
            | "auth/2fa/reauthenticate"
            | "account/authenticators"
            | "account/authenticators/totp"
            | "account/authenticators/recovery-codes",
            _,
        ) => Ok(not_allowed(path)),
        ("auth/2fa/trust", _) if ctx.client == Client::Browser && app.cfg.trust => {
            Ok(not_allowed(path))
        }
        ("tokens/refresh", _) if ctx.client == Client::App => Ok(not_allowed(path)),
        _ => Err(ServerError::api(StatusCode::NOT_FOUND, "Not found.")),
    }
}

/// The methods each route's view takes (`None`: no such route for this client).
pub(super) fn methods(client: Client, trust: bool, path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "config" | "account/authenticators" => &["GET"],
        "auth/session" => &["GET", "DELETE"],
        "account/authenticators/totp" => &["GET", "POST", "DELETE"],
        "account/authenticators/recovery-codes" => &["GET", "POST"],
        "auth/signup"
        | "auth/login"
        | "auth/reauthenticate"
        | "auth/2fa/authenticate"
        | "auth/2fa/reauthenticate" => &["POST"],
        "auth/2fa/trust" if client == Client::Browser && trust => &["POST"],
        "tokens/refresh" if client == Client::App => &["POST"],
        _ => return None,
    })
}

/// Django's `View.http_method_not_allowed`: 405, no body, `Allow` naming the view's methods.
pub(super) fn not_allowed(path: &str) -> Reply {
    let allow = match path {
        "config" | "account/authenticators" => "GET, OPTIONS",
        "auth/session" => "GET, DELETE, OPTIONS",
        "account/authenticators/totp" => "GET, POST, DELETE, OPTIONS",
        "account/authenticators/recovery-codes" => "GET, POST, OPTIONS",
        _ => "POST, OPTIONS",
    };
    Reply {
        allow: Some(allow),
        ..Reply::empty(405)
    }
}

/// `headless/base/response.py`, `get_config_data`, and `headless/mfa/response.py`.
pub(super) fn config(_app: &App) -> Reply {
    Reply::data(
        200,
        json!({
            "account": {
                "login_methods": ["email"],
                "is_open_for_signup": true,
                "email_verification_by_code_enabled": false,
                "login_by_code_enabled": false,
                "password_reset_by_code_enabled": false,
                "authentication_method": "email",
            },
            "mfa": {"supported_types": ["recovery_codes", "totp"], "passkey_login_enabled": false},
        }),
    )
}
