//! The HTML face: django-allauth's account and MFA pages, server-rendered, with CSRF tokens.
//!
//! URLs as django-allauth's (`/accounts/login/`, `/accounts/2fa/totp/activate/`, …; the MFA
//! pages also answer under `/accounts/mfa/`), form fields as its forms name them (`login`,
//! `password`, `code`, `csrfmiddlewaretoken`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::app::{App, User};
use crate::crypto;
use crate::error::ServerError;
use crate::input::cookie;
use crate::input::Input;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct HtmlSession {
    pub csrf: String,
    pub user_id: Option<i64>,
    /// A login waiting for its second factor: (user, started at).
    pub pending_login: Option<(i64, u64)>,
    pub flash: Vec<String>,
    pub touched: u64,
    /// When the session last reauthenticated (password or code; allauth's authentication
    /// record with `reauthenticated: True`). A login does not count.
    pub reauthenticated_at: Option<u64>,
    /// A POST that asked for reauthentication first: its path and form, replayed once the
    /// reauthentication succeeds (allauth's `suspend_request` / `resume_request`).
    pub suspended: Option<(String, serde_json::Map<String, serde_json::Value>)>,
    /// django-two-factor-auth's wizards and django-otp's verified flag (`--profile two-factor`).
    pub tf: two_factor::TfSession,
}

/// The HTML pages' sessions by id: the face's state, kept by the core ([`crate::app::FaceState`]).
pub(crate) struct HtmlSessions(crate::app::SessionStore<HtmlSession>);

impl crate::app::FaceState for HtmlSessions {
    fn new(cfg: &crate::config::Config) -> Self {
        HtmlSessions(crate::app::SessionStore::new(cfg, "html", SESSION_TTL))
    }
    /// Every session ends: after a QA reset or a deleted user none may name a gone user.
    fn clear(&self, app: &App) -> Result<(), ServerError> {
        self.0.clear(app)
    }
}

const SESSION_COOKIE: &str = "sessionid";
const CSRF_FIELD: &str = "csrfmiddlewaretoken";
const SESSION_TTL: u64 = 14 * 86_400;
const AUTHENTICATE: &str = "/accounts/2fa/authenticate/";

pub fn router() -> Router<Arc<App>> {
    let mut r = Router::new()
        .route("/", get(home))
        .route("/accounts/", get(home))
        .route("/accounts/signup/", get(signup).post(signup))
        .route("/accounts/login/", get(login).post(login))
        .route("/accounts/logout/", get(logout).post(logout))
        .route(
            "/accounts/reauthenticate/",
            get(reauthenticate).post(reauthenticate),
        );
    for prefix in ["/accounts/2fa", "/accounts/mfa"] {
        r = r
            .route(&format!("{prefix}/"), get(mfa_index))
            .route(
                &format!("{prefix}/reauthenticate/"),
                get(mfa_reauthenticate).post(mfa_reauthenticate),
            )
            .route(
                &format!("{prefix}/authenticate/"),
                get(authenticate).post(authenticate),
            )
            .route(
                &format!("{prefix}/totp/activate/"),
                get(activate).post(activate),
            )
            .route(
                &format!("{prefix}/totp/deactivate/"),
                get(deactivate).post(deactivate),
            )
            .route(&format!("{prefix}/recovery-codes/"), get(recovery_codes))
            .route(
                &format!("{prefix}/recovery-codes/generate/"),
                get(generate_codes).post(generate_codes),
            )
            .route(
                &format!("{prefix}/recovery-codes/download/"),
                get(download_codes),
            );
    }
    r.merge(two_factor::router()).merge(allauth_2fa::router())
}

/// Django's `HttpResponseRedirect`: 302 Found (allauth's views and middleware redirect with it).
fn found(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// The request's session, loaded (or created) and saved back with the response.
struct Ctx {
    app: Arc<App>,
    sid: String,
    s: HtmlSession,
    /// The session could not be read (the database does not answer): the answer is the error.
    failed: Option<ServerError>,
    /// The request's path (without the query).
    path: String,
}

impl Ctx {
    fn load(app: &Arc<App>, headers: &HeaderMap, method: &Method, path: &str) -> Ctx {
        let now = app.now();
        let store = app.face::<HtmlSessions>();
        let mut failed = None;
        let existing = cookie(headers, SESSION_COOKIE)
            .filter(|sid| sid.len() < 100)
            .and_then(|sid| match store.0.get(app, sid) {
                Ok(s) => s.map(|s| (sid.to_string(), s)),
                Err(e) => {
                    failed = Some(e);
                    None
                }
            })
            .filter(|(_, s)| now.saturating_sub(s.touched) < SESSION_TTL);
        let (sid, mut s) = existing.unwrap_or_else(|| {
            (
                crypto::random_token(),
                HtmlSession {
                    csrf: crypto::random_token(),
                    ..Default::default()
                },
            )
        });
        s.touched = now;
        // django-allauth-2fa's reset middleware: another page abandons a half-done login.
        // Under --profile allauth-2fa on any request, as allauth_2fa/middleware.py's
        // AllauthTwoFactorMiddleware.process_request does (every URL not named
        // two-factor-authenticate); with the flag alone on GET only.
        let any_method = app.cfg.profile == crate::config::Profile::Allauth2fa;
        if app.cfg.reset_login_on_navigation
            && (any_method || *method == Method::GET)
            && !path.ends_with("/authenticate/")
            && s.pending_login.is_some()
        {
            s.pending_login = None;
        }
        if let Some((_, started)) = s.pending_login {
            if now.saturating_sub(started) >= app.cfg.challenge_ttl {
                s.pending_login = None;
            }
        }
        Ctx {
            app: app.clone(),
            sid,
            s,
            failed,
            path: path.to_string(),
        }
    }

    /// A new session id for this session, and a new CSRF token, at every login step (first
    /// factor, second factor, sign-up, sign-out): an id planted in the browser before the login
    /// (by any page or app that can set a cookie for this host) stops naming the session once
    /// it is worth something (session fixation). The old id is forgotten.
    fn new_id(&mut self) {
        let store = self.app.face::<HtmlSessions>();
        if let Err(e) = store.0.remove(&self.app, &self.sid) {
            self.failed.get_or_insert(e);
        }
        self.sid = crypto::random_token();
        self.s.csrf = crypto::random_token();
    }

    fn user(&self) -> Option<User> {
        self.s
            .user_id
            .and_then(|id| self.app.user_by_id(id).ok().flatten())
    }

    fn csrf_ok(&self, input: &Input) -> bool {
        matches!(input.0.get(CSRF_FIELD), Some(Value::String(t)) if crate::crypto::digest(t) == crate::crypto::digest(&self.s.csrf))
    }

    fn csrf_input(&self) -> String {
        format!(
            r#"<input type="hidden" name="{CSRF_FIELD}" value="{}">"#,
            esc(&self.s.csrf)
        )
    }

    /// A page with a form: 200, or 400 when the form came back with errors; under
    /// `--profile allauth` and `allauth-2fa` 200 either way, as Django's `FormView.form_invalid` re-renders the
    /// form (checked against allauth 65.22.1 by crates/server/tests/allauth/pages_check.py).
    fn form_page(mut self, title: &str, body: &str, errs: &[String]) -> Response {
        let django = matches!(
            self.app.cfg.profile,
            crate::config::Profile::Allauth | crate::config::Profile::Allauth2fa
        );
        let status = if errs.is_empty() || django {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let page = self.page(title, body);
        self.finish((status, page))
    }

    fn finish(mut self, resp: impl IntoResponse) -> Response {
        if let Some(e) = self.failed.take() {
            return e.into_response();
        }
        let mut resp = resp.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/",
            self.sid
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let store = self.app.face::<HtmlSessions>();
        let now = self.app.now();
        // A full memory store keeps the sessions touched in the last hour.
        let kept = |s: &HtmlSession| now.saturating_sub(s.touched) < 3600;
        if let Err(e) = store.0.put(&self.app, &self.sid, &self.s, 10_000, kept) {
            return e.into_response();
        }
        resp
    }

    fn page(&mut self, title: &str, body: &str) -> Html<String> {
        let flash: String = self
            .s
            .flash
            .drain(..)
            .map(|m| format!(r#"<li class="message">{}</li>"#, esc(&m)))
            .collect();
        let flash = if flash.is_empty() {
            String::new()
        } else {
            format!(r#"<ul class="messages">{flash}</ul>"#)
        };
        let nav = match self.user() {
            Some(u) => format!(
                r#"<span>{}</span> · <a href="/accounts/2fa/">Two-Factor Authentication</a> · <a href="/accounts/logout/">Sign Out</a>"#,
                esc(&u.email)
            ),
            None => r#"<a href="/accounts/login/">Sign In</a> · <a href="/accounts/signup/">Sign Up</a>"#.into(),
        };
        Html(layout::document(
            title,
            "Twofold test server",
            &nav,
            &flash,
            body,
            "label { display: block; margin-top: .75rem; }
input[type=text], input[type=email], input[type=password] { width: 100%; padding: .4rem; box-sizing: border-box; }
button { margin-top: 1rem; padding: .4rem 1rem; }
.messages { background: #eef6ee; padding: .5rem 1.5rem; }
.qr svg { width: 256px; height: 256px; }
code { background: #f3f3f3; padding: .1rem .3rem; }
",
        ))
    }

    /// allauth's confirmation pages: a question and one button posting to `action`.
    fn confirm_page(mut self, title: &str, question: &str, action: &str, button: &str) -> Response {
        let body = format!(
            r#"<p>{}</p>
<form method="post" action="{action}">{}<button type="submit">{button}</button></form>"#,
            esc(question),
            self.csrf_input()
        );
        let page = self.page(title, &body);
        self.finish(page)
    }

    fn forbidden(mut self, msg: &str) -> Response {
        let body = format!("<p>{}</p>", esc(msg));
        let page = self.page("Forbidden", &body);
        self.finish((StatusCode::FORBIDDEN, page))
    }

    fn csrf_failed(mut self) -> Response {
        let page = self.page(
            "Forbidden (403)",
            "<p>CSRF verification failed. Request aborted.</p>",
        );
        self.finish((StatusCode::FORBIDDEN, page))
    }
}

/// A code typed on a page: `Ok(true)` when it is right; a wrong code or the lockout (429 under
/// jwt-allauth and django-otp, allauth's 400 too_many_login_attempts) becomes a form error.
fn page_code(
    app: &App,
    user_id: i64,
    code: &str,
    errs: &mut Vec<String>,
) -> Result<bool, ServerError> {
    match app.second_factor_either(user_id, code) {
        Ok(true) => Ok(true),
        Ok(false) => {
            errs.push("Incorrect code.".to_string());
            Ok(false)
        }
        Err(ServerError::Api { status, .. })
            if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::BAD_REQUEST =>
        {
            errs.push("Too many failed login attempts. Try again later.".to_string());
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

fn field(input: &Input, name: &str) -> String {
    match input.0.get(name) {
        Some(Value::String(s)) => s.chars().take(4096).collect(),
        _ => String::new(),
    }
}

fn errors(list: &[String]) -> String {
    layout::list(list, "errorlist")
}

/// Splits a request into what the handlers need; the form is read only for POST.
async fn parts(app: &Arc<App>, req: Request) -> (Ctx, Method, Option<Result<Input, ServerError>>) {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let ctx = Ctx::load(app, req.headers(), &method, &path);
    let form = if method == Method::POST {
        Some(<Input as axum::extract::FromRequest<()>>::from_request(req, &()).await)
    } else {
        None
    };
    (ctx, method, form)
}

macro_rules! post_form {
    ($ctx:ident, $form:expr) => {
        match $form {
            Some(Ok(input)) => {
                if !$ctx.csrf_ok(&input) {
                    return $ctx.csrf_failed();
                }
                Some(input)
            }
            Some(Err(e)) => return $ctx.finish(e),
            None => None,
        }
    };
}

/// `application/x-www-form-urlencoded` quoting as Python's `urlencode` (`quote_plus`, no safe
/// characters): `/accounts/2fa/` -> `%2Faccounts%2F2fa%2F`.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `next` of a reauthentication page: a path on this server only (allauth's
/// `get_next_redirect_url` keeps to allowed hosts; this server has one).
fn next_of(req: &Request) -> Option<String> {
    let q = req.uri().query()?;
    let raw = q.split('&').find_map(|kv| kv.strip_prefix("next="))?;
    let raw = raw.replace('+', " ");
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let next = String::from_utf8(out).ok()?;
    (next.starts_with('/')
        && !next.starts_with("//")
        && next.bytes().all(|b| b.is_ascii_graphic())
        && !next.contains('\\')
        && next.len() < 512)
        .then_some(next)
}

/// Where a reauthentication goes for this user: allauth's `get_reauthentication_methods`
/// (`account/adapter.py`): the password first when the user has one, then an MFA code.
fn reauth_method_url(app: &App, user: &User) -> Option<&'static str> {
    if user.has_password() {
        Some("/accounts/reauthenticate/")
    } else if app.has_totp(user.id).unwrap_or(false) {
        Some("/accounts/2fa/reauthenticate/")
    } else {
        None
    }
}

impl Ctx {
    /// `account/internal/flows/reauthentication.py`, `did_recently_reauthenticate`: only an
    /// explicit reauthentication counts (not the login), for `ACCOUNT_REAUTHENTICATION_TIMEOUT`.
    fn recently_reauthenticated(&self) -> bool {
        self.s.reauthenticated_at.is_some_and(|at| {
            self.app.now().saturating_sub(at) < self.app.cfg.reauthentication_timeout
        })
    }

    /// Under `--profile allauth`: `@reauthentication_required(app="allauth.mfa")`
    /// (`account/decorators.py`) and `raise_if_reauthentication_required`, answered as
    /// `account/middleware.py` answers `ReauthenticationRequired`: a redirect to the first
    /// reauthentication method with `?next=` this path, a POST suspended to be replayed
    /// (`suspend_request`). `None`: go on.
    fn reauth_gate(&mut self, user: &User, form: Option<&Input>) -> Option<Result<String, ()>> {
        if !self.app.cfg.profile.is_allauth() || self.recently_reauthenticated() {
            return None;
        }
        let Some(url) = reauth_method_url(&self.app, user) else {
            return Some(Err(()));
        };
        self.s.suspended = form.map(|f| (self.path.clone(), f.0.clone()));
        Some(Ok(format!("{url}?next={}", urlencode(&self.path))))
    }
}

macro_rules! reauth {
    ($ctx:ident, $user:expr, $form:expr) => {
        match $ctx.reauth_gate(&$user, $form) {
            None => {}
            Some(Ok(to)) => return $ctx.finish(found(&to)),
            Some(Err(())) => return $ctx.forbidden("Reauthentication not available"),
        }
    };
}

/// After a successful reauthentication: `resume_request`
/// (`account/internal/flows/reauthentication.py`): the suspended POST replayed when `next` is
/// its path, else a redirect to `next`, else to the MFA index.
async fn resume(mut ctx: Ctx, next: Option<String>) -> Response {
    let suspended = ctx.s.suspended.take();
    let app = ctx.app.clone();
    match (next, suspended) {
        (Some(next), Some((path, fields))) if next == path => {
            let sid = ctx.sid.clone();
            drop(ctx.finish(()));
            let req = match axum::http::Request::builder()
                .method(Method::POST)
                .uri(&path)
                .header(header::COOKIE, format!("{SESSION_COOKIE}={sid}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(
                    serde_json::to_vec(&fields).unwrap_or_default(),
                )) {
                Ok(r) => r,
                Err(_) => return found(&path).into_response(),
            };
            if path.ends_with("/totp/deactivate/") {
                deactivate(State(app), req).await
            } else if path.ends_with("/totp/activate/") {
                activate(State(app), req).await
            } else if path.ends_with("/recovery-codes/generate/") {
                generate_codes(State(app), req).await
            } else {
                found(&path).into_response()
            }
        }
        (Some(next), _) => ctx.finish(found(&next)),
        (None, _) => ctx.finish(found("/accounts/2fa/")),
    }
}

macro_rules! require_login {
    ($ctx:ident) => {
        match $ctx.user() {
            Some(u) => u,
            None => return $ctx.finish(found("/accounts/login/")),
        }
    };
}

/// A signed-in user on a two-factor page: else to the login page, or 403 when the server has
/// two-factor authentication disabled.
macro_rules! require_mfa_user {
    ($ctx:ident, $app:ident) => {{
        let user = require_login!($ctx);
        if $app.cfg.mode == Mode::Disabled {
            return $ctx.forbidden("Two-factor authentication is disabled on this server.");
        }
        user
    }};
}

// The pages, after the macros above (a macro is visible only below its definition).
pub(crate) mod allauth_2fa;
mod layout;
mod mfa;
mod pages;
pub(crate) mod two_factor;

use mfa::*;
use pages::*;
