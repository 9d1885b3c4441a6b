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

use crate::app::{App, HtmlSession, User};
use crate::config::Mode;
use crate::crypto;
use crate::error::ServerError;
use crate::input::Input;
use crate::rest::cookie;

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
    r
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
    /// The request's path (without the query).
    path: String,
}

impl Ctx {
    fn load(app: &Arc<App>, headers: &HeaderMap, method: &Method, path: &str) -> Ctx {
        let now = app.now();
        let mut sessions = app.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let existing = cookie(headers, SESSION_COOKIE)
            .filter(|sid| sid.len() < 100)
            .and_then(|sid| sessions.get(sid).map(|s| (sid.to_string(), s.clone())))
            .filter(|(_, s)| now.saturating_sub(s.touched) < SESSION_TTL);
        let (sid, mut s) = existing.unwrap_or_else(|| {
            if sessions.len() > 10_000 {
                sessions.retain(|_, s| now.saturating_sub(s.touched) < 3600);
            }
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
        if app.cfg.reset_login_on_navigation
            && *method == Method::GET
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
            path: path.to_string(),
        }
    }

    /// A new session id for this session, and a new CSRF token, at every login step (first
    /// factor, second factor, sign-up, sign-out): an id planted in the browser before the login
    /// (by any page or app that can set a cookie for this host) stops naming the session once
    /// it is worth something (session fixation). The old id is forgotten.
    fn new_id(&mut self) {
        let mut sessions = self.app.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.remove(&self.sid);
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
    /// `--profile allauth` 200 either way, as Django's `FormView.form_invalid` re-renders the
    /// form (checked against allauth 65.22.1 by crates/server/tests/allauth/pages_check.py).
    fn form_page(mut self, title: &str, body: &str, errs: &[String]) -> Response {
        let status = if errs.is_empty() || self.app.cfg.profile.is_allauth() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let page = self.page(title, body);
        self.finish((status, page))
    }

    fn finish(self, resp: impl IntoResponse) -> Response {
        let mut resp = resp.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/",
            self.sid
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let mut sessions = self.app.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.insert(self.sid, self.s);
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
        Html(format!(
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Twofold test server</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
header {{ display: flex; justify-content: space-between; border-bottom: 1px solid #ddd; padding-bottom: .5rem; margin-bottom: 1rem; }}
label {{ display: block; margin-top: .75rem; }}
input[type=text], input[type=email], input[type=password] {{ width: 100%; padding: .4rem; box-sizing: border-box; }}
button {{ margin-top: 1rem; padding: .4rem 1rem; }}
.errorlist {{ color: #b00020; }}
.messages {{ background: #eef6ee; padding: .5rem 1.5rem; }}
.qr svg {{ width: 256px; height: 256px; }}
code {{ background: #f3f3f3; padding: .1rem .3rem; }}
</style>
</head>
<body>
<header><strong>Twofold test server</strong><nav>{nav}</nav></header>
{flash}
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#,
            title = esc(title)
        ))
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
    if list.is_empty() {
        return String::new();
    }
    let items: String = list
        .iter()
        .map(|e| format!("<li>{}</li>", esc(e)))
        .collect();
    format!(r#"<ul class="errorlist">{items}</ul>"#)
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

async fn home(State(app): State<Arc<App>>, req: Request) -> Response {
    let (ctx, _, _) = parts(&app, req).await;
    let to = if ctx.user().is_some() {
        "/accounts/2fa/"
    } else {
        "/accounts/login/"
    };
    ctx.finish(found(to))
}

/// After a successful first (and second) factor: in `required` mode a user without TOTP goes
/// to the activation page.
fn after_login(app: &App, user: &User) -> &'static str {
    if app.cfg.mode == Mode::Required && !app.has_totp(user.id).unwrap_or(false) {
        "/accounts/2fa/totp/activate/"
    } else {
        "/accounts/2fa/"
    }
}

async fn signup(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let mut errs = Vec::new();
    let mut email = String::new();
    if let Some(input) = form {
        email = field(&input, "email").trim().to_string();
        let (p1, p2) = (field(&input, "password1"), field(&input, "password2"));
        match app.signup_errors(&email, &p1, &p2) {
            Ok(e) if e.is_empty() => {
                let a = app.clone();
                let em = email.clone();
                match app
                    .hashing(move || a.create_user(&em, Some(&p1), "", ""))
                    .await
                {
                    Ok(user) => {
                        ctx.new_id();
                        ctx.s.user_id = Some(user.id);
                        let to = after_login(&app, &user);
                        return ctx.finish(found(to));
                    }
                    Err(e) => errs.push(e.to_string()),
                }
            }
            Ok(e) => errs.extend(e.into_iter().map(|(_, m)| m)),
            Err(e) => return ctx.finish(e),
        }
    }
    let body = format!(
        r#"<p>Already have an account? Then please <a href="/accounts/login/">sign in</a>.</p>
<form method="post" action="/accounts/signup/">
{csrf}{errs}
<label for="id_email">Email:</label>
<input type="email" name="email" id="id_email" value="{email}" autocomplete="email" required>
<label for="id_password1">Password:</label>
<input type="password" name="password1" id="id_password1" autocomplete="new-password" required>
<label for="id_password2">Password (again):</label>
<input type="password" name="password2" id="id_password2" autocomplete="new-password" required>
<button type="submit">Sign Up</button>
</form>"#,
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
        email = esc(&email)
    );
    ctx.form_page("Sign Up", &body, &errs)
}

async fn login(State(app): State<Arc<App>>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let mut errs = Vec::new();
    let mut login = String::new();
    let mut status = None;
    if let Some(input) = form {
        login = field(&input, "login").trim().to_string();
        let password = field(&input, "password");
        let throttled = client.and_then(|ip| app.login_throttled(ip));
        let user = match throttled {
            Some(_) => Err(()),
            None => {
                let a = app.clone();
                let l = login.clone();
                match app.hashing(move || a.authenticate(&l, &password)).await {
                    Ok(u) => Ok(u),
                    Err(e) => return ctx.finish(e),
                }
            }
        };
        match user {
            Err(()) => {
                errs.push("Too many failed sign-ins from this address. Try again later.".into());
                status = Some(StatusCode::TOO_MANY_REQUESTS);
            }
            Ok(None) => {
                if let Some(ip) = client {
                    app.login_failed(ip);
                }
                errs.push(
                    "The email address and/or password you specified are not correct.".to_string(),
                )
            }
            Ok(Some(user)) => {
                let needs_code =
                    app.cfg.mode != Mode::Disabled && app.has_totp(user.id).unwrap_or(false);
                ctx.new_id();
                if needs_code {
                    ctx.s.user_id = None;
                    ctx.s.pending_login = Some((user.id, app.now()));
                    return ctx.finish(found(AUTHENTICATE));
                }
                ctx.s.user_id = Some(user.id);
                let to = after_login(&app, &user);
                return ctx.finish(found(to));
            }
        }
    }
    let body = format!(
        r#"<p>If you have not created an account yet, then please <a href="/accounts/signup/">sign up</a> first.</p>
<form method="post" action="/accounts/login/">
{csrf}{errs}
<label for="id_login">Email:</label>
<input type="email" name="login" id="id_login" value="{login}" autocomplete="email" required>
<label for="id_password">Password:</label>
<input type="password" name="password" id="id_password" autocomplete="current-password" required>
<button type="submit">Sign In</button>
</form>"#,
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
        login = esc(&login)
    );
    let resp = ctx.form_page("Sign In", &body, &errs);
    match status {
        Some(s) => (s, resp).into_response(),
        None => resp,
    }
}

async fn authenticate(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let Some((user_id, _)) = ctx.s.pending_login else {
        return ctx.finish(found("/accounts/login/"));
    };
    let mut errs = Vec::new();
    if let Some(input) = form {
        let code = field(&input, "code");
        match page_code(&app, user_id, &code, &mut errs) {
            Ok(true) => {
                ctx.new_id();
                ctx.s.pending_login = None;
                ctx.s.user_id = Some(user_id);
                return ctx.finish(found("/accounts/2fa/"));
            }
            Ok(false) => {}
            Err(e) => return ctx.finish(e),
        }
    }
    let body = format!(
        r#"<p>Your account is protected by two-factor authentication. Please enter an authenticator code or a recovery code:</p>
<form method="post" action="{AUTHENTICATE}">
{csrf}{errs}
<label for="id_code">Code:</label>
<input type="text" name="code" id="id_code" inputmode="numeric" autocomplete="one-time-code" autofocus required>
<button type="submit">Sign In</button>
</form>
<form method="get" action="/accounts/login/"><button type="submit">Cancel</button></form>"#,
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
    );
    ctx.form_page("Two-Factor Authentication", &body, &errs)
}

async fn logout(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    if form.is_some() {
        ctx.new_id();
        ctx.s = HtmlSession {
            csrf: crypto::random_token(),
            flash: vec!["You have signed out.".into()],
            touched: app.now(),
            ..Default::default()
        };
        return ctx.finish(found("/accounts/login/"));
    }
    let body = format!(
        r#"<p>Are you sure you want to sign out?</p>
<form method="post" action="/accounts/logout/">{}<button type="submit">Sign Out</button></form>"#,
        ctx.csrf_input()
    );
    let page = ctx.page("Sign Out", &body);
    ctx.finish(page)
}

async fn mfa_index(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, _) = parts(&app, req).await;
    let user = require_login!(ctx);
    if app.cfg.mode == Mode::Disabled {
        return ctx.forbidden("Two-factor authentication is disabled on this server.");
    }
    let totp = app.has_totp(user.id).unwrap_or(false);
    let codes = app.unused_recovery_codes(user.id).ok().flatten();
    let totp_html = if totp {
        r#"<p>Authentication using an authenticator app is active.</p>
<p><a href="/accounts/2fa/totp/deactivate/">Deactivate</a></p>"#
            .to_string()
    } else {
        r#"<p>An authenticator app is not active.</p>
<p><a href="/accounts/2fa/totp/activate/">Activate</a></p>"#
            .to_string()
    };
    let rc_html = match codes {
        Some(c) => format!(
            r#"<p>There are {} out of {} recovery codes available.</p>
<p><a href="/accounts/2fa/recovery-codes/">View</a> · <a href="/accounts/2fa/recovery-codes/download/">Download</a> · <a href="/accounts/2fa/recovery-codes/generate/">Generate</a></p>"#,
            c.len(),
            app.cfg.recovery_codes
        ),
        None => "<p>No recovery codes set up.</p>".into(),
    };
    let body = format!("<h2>Authenticator App</h2>{totp_html}<h2>Recovery Codes</h2>{rc_html}");
    let page = ctx.page("Two-Factor Authentication", &body);
    ctx.finish(page)
}

async fn activate(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let user = require_login!(ctx);
    if app.cfg.mode == Mode::Disabled {
        return ctx.forbidden("Two-factor authentication is disabled on this server.");
    }
    if app.has_totp(user.id).unwrap_or(false) {
        return ctx.finish(found("/accounts/2fa/"));
    }
    // mfa/totp/views.py: ActivateTOTPView is `reauthentication_required(app="allauth.mfa")`.
    reauth!(ctx, user, form.as_ref());
    let mut errs = Vec::new();
    if let Some(input) = form {
        let code = field(&input, "code");
        match app.activate_totp(&user, &code) {
            Ok(_) => {
                ctx.s.flash.push("Authenticator app activated.".into());
                return ctx.finish(found("/accounts/2fa/recovery-codes/"));
            }
            Err(ServerError::Api { detail, .. }) if detail == "Invalid code." => {
                errs.push("Incorrect code.".to_string())
            }
            Err(ServerError::Api { detail, .. }) => errs.push(detail),
            Err(e) => return ctx.finish(e),
        }
    }
    let setup = match app.pending_setup(&user) {
        Ok(Some(s)) => s,
        Ok(None) => match app.setup_totp(&user) {
            Ok(s) => s,
            Err(e) => return ctx.finish(e),
        },
        Err(e) => return ctx.finish(e),
    };
    let body = format!(
        r#"<p>To protect your account with two-factor authentication, scan the QR code below with your authenticator app. Then, input the verification code generated by the app below.</p>
<div class="qr" id="totp-qr">{svg}</div>
<p>Authenticator secret: <code id="totp-secret">{secret}</code></p>
<p class="helptext">You can store this secret and use it to reinstall your authenticator app at a later time.</p>
<form method="post" action="/accounts/2fa/totp/activate/">
{csrf}{errs}
<label for="id_code">Authenticator code:</label>
<input type="text" name="code" id="id_code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Activate</button>
</form>"#,
        svg = setup.qr_svg,
        secret = esc(&setup.secret),
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
    );
    ctx.form_page("Activate Authenticator App", &body, &errs)
}

async fn deactivate(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let user = require_login!(ctx);
    if app.cfg.mode != Mode::Optional {
        return ctx.forbidden("Two-factor authentication cannot be deactivated on this server.");
    }
    if !app.has_totp(user.id).unwrap_or(false) {
        return ctx.finish(found("/accounts/2fa/"));
    }
    // mfa/totp/views.py: DeactivateTOTPView._dispatch, after the is_mfa_enabled check.
    reauth!(ctx, user, form.as_ref());
    if form.is_some() {
        if let Err(e) = app.deactivate(&user) {
            return ctx.finish(e);
        }
        ctx.s.flash.push("Authenticator app deactivated.".into());
        return ctx.finish(found("/accounts/2fa/"));
    }
    let body = format!(
        r#"<p>You are about to deactivate authenticator app based authentication. Are you sure?</p>
<form method="post" action="/accounts/2fa/totp/deactivate/">{}<button type="submit">Deactivate</button></form>"#,
        ctx.csrf_input()
    );
    let page = ctx.page("Deactivate Authenticator App", &body);
    ctx.finish(page)
}

async fn recovery_codes(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, _) = parts(&app, req).await;
    let user = require_login!(ctx);
    if app.cfg.mode == Mode::Disabled {
        return ctx.forbidden("Two-factor authentication is disabled on this server.");
    }
    let codes = match app.unused_recovery_codes(user.id) {
        Ok(Some(c)) => c,
        Ok(None) => return ctx.finish(found("/accounts/2fa/")),
        Err(e) => return ctx.finish(e),
    };
    // mfa/recovery_codes/internal/flows.py: view_recovery_codes raises
    // ReauthenticationRequired once the authenticator exists.
    reauth!(ctx, user, None);
    let list: String = codes
        .iter()
        .map(|c| format!("<li><code>{}</code></li>", esc(c)))
        .collect();
    let body = format!(
        r#"<p>There are {} out of {} recovery codes available.</p>
<ul id="recovery-codes">{list}</ul>
<p><a href="/accounts/2fa/recovery-codes/download/">Download codes</a> · <a href="/accounts/2fa/recovery-codes/generate/">Generate new codes</a></p>"#,
        codes.len(),
        app.cfg.recovery_codes
    );
    let page = ctx.page("Recovery Codes", &body);
    ctx.finish(page)
}

async fn generate_codes(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let user = require_login!(ctx);
    if app.cfg.mode == Mode::Disabled {
        return ctx.forbidden("Two-factor authentication is disabled on this server.");
    }
    // mfa/recovery_codes/views.py: GenerateRecoveryCodesView is `reauthentication_required`.
    reauth!(ctx, user, form.as_ref());
    if form.is_some() {
        return match app.regenerate_recovery_codes(&user) {
            Ok(_) => {
                ctx.s
                    .flash
                    .push("A new set of recovery codes has been generated.".into());
                ctx.finish(found("/accounts/2fa/recovery-codes/"))
            }
            Err(e) => ctx.finish(e),
        };
    }
    let body = format!(
        r#"<p>You are about to generate a new set of recovery codes for your account. This action will invalidate your existing codes. Are you sure?</p>
<form method="post" action="/accounts/2fa/recovery-codes/generate/">{}<button type="submit">Generate</button></form>"#,
        ctx.csrf_input()
    );
    let page = ctx.page("Recovery Codes", &body);
    ctx.finish(page)
}

async fn download_codes(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut ctx, _, _) = parts(&app, req).await;
    let user = require_login!(ctx);
    if app.cfg.mode == Mode::Disabled {
        return ctx.forbidden("Two-factor authentication is disabled on this server.");
    }
    // DownloadRecoveryCodesView goes through view_recovery_codes too.
    if app.unused_recovery_codes(user.id).ok().flatten().is_some() {
        reauth!(ctx, user, None);
    }
    match app.unused_recovery_codes(user.id) {
        Ok(Some(codes)) => {
            let text = codes.join("\n") + "\n";
            ctx.finish((
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"recovery-codes.txt\"",
                    ),
                ],
                text,
            ))
        }
        Ok(None) => ctx.finish(found("/accounts/2fa/")),
        Err(e) => ctx.finish(e),
    }
}

/// `/accounts/reauthenticate/`: allauth's `ReauthenticateView` (`account/views/_reauthenticate.py`)
/// with `ReauthenticateForm` (`account/forms.py`, `incorrect_password`).
async fn reauthenticate(State(app): State<Arc<App>>, req: Request) -> Response {
    let next = next_of(&req);
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let user = require_login!(ctx);
    let query = next
        .as_deref()
        .map(|n| format!("?next={}", urlencode(n)))
        .unwrap_or_default();
    if !user.has_password() {
        // `_check_reauthentication_method_available`: to the method the user has.
        return match reauth_method_url(&app, &user) {
            Some(url) => ctx.finish(found(&format!("{url}{query}"))),
            None => ctx.forbidden("Reauthentication not available"),
        };
    }
    let mut errs = Vec::new();
    if let Some(input) = form {
        let password = field(&input, "password");
        let a = app.clone();
        let u = user.clone();
        match app
            .hashing(move || Ok(a.check_password(&u, &password)))
            .await
        {
            Ok(true) => {
                ctx.s.reauthenticated_at = Some(app.now());
                return resume(ctx, next).await;
            }
            Ok(false) => errs.push("Incorrect password.".to_string()),
            Err(e) => return ctx.finish(e),
        }
    }
    let mfa = if app.has_totp(user.id).unwrap_or(false) {
        format!(
            r#"<p><a href="/accounts/2fa/reauthenticate/{q}">Use your authenticator app</a></p>"#,
            q = esc(&query)
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<p>Enter your password:</p>
<form method="post" action="/accounts/reauthenticate/{q}">
{csrf}{errs}
<label for="id_password">Password:</label>
<input type="password" name="password" id="id_password" autocomplete="current-password" required>
<button type="submit">Confirm</button>
</form>{mfa}"#,
        q = esc(&query),
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
    );
    ctx.form_page("Confirm Access", &body, &errs)
}

/// `/accounts/2fa/reauthenticate/`: allauth's MFA `ReauthenticateView` (`mfa/base/views.py`)
/// with its `ReauthenticateForm` (`mfa/base/forms.py`: a TOTP or recovery code, `incorrect_code`).
async fn mfa_reauthenticate(State(app): State<Arc<App>>, req: Request) -> Response {
    let next = next_of(&req);
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let user = require_login!(ctx);
    let query = next
        .as_deref()
        .map(|n| format!("?next={}", urlencode(n)))
        .unwrap_or_default();
    if !app.has_totp(user.id).unwrap_or(false) {
        return match reauth_method_url(&app, &user) {
            Some(url) => ctx.finish(found(&format!("{url}{query}"))),
            None => ctx.forbidden("Reauthentication not available"),
        };
    }
    let mut errs = Vec::new();
    if let Some(input) = form {
        let code = field(&input, "code");
        match page_code(&app, user.id, &code, &mut errs) {
            Ok(true) => {
                ctx.s.reauthenticated_at = Some(app.now());
                return resume(ctx, next).await;
            }
            Ok(false) => {}
            Err(e) => return ctx.finish(e),
        }
    }
    let body = format!(
        r#"<p>Enter an authenticator code:</p>
<form method="post" action="/accounts/2fa/reauthenticate/{q}">
{csrf}{errs}
<label for="id_code">Code:</label>
<input type="text" name="code" id="id_code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Confirm</button>
</form>"#,
        q = esc(&query),
        csrf = ctx.csrf_input(),
        errs = errors(&errs),
    );
    ctx.form_page("Confirm Access", &body, &errs)
}
