//! `--profile two-factor`: django-two-factor-auth 1.18.1's pages at its URLs
//! (`two_factor/urls.py`), its wizards' field and step names (django-formtools'
//! `SessionWizardView`: `<prefix>-current_step`, `<step>-<field>`, `wizard_goto_step`), its
//! forms' messages (`two_factor/forms.py`, `django_otp/forms.py`, Django's own), on django-otp's
//! rules (src/django_otp.rs). The example project's sign-up (`/account/register/`) and
//! logout (`/account/logout/`) come with it, as crates/server/tests/two_factor/site has them.
//!
//! Paths in the comments are relative to the installed packages. The conformance test
//! (crates/server/tests/two_factor/run.sh) drives the real library and this module with one
//! client and compares every exchange.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;
use crate::config::Profile;
use crate::input::Input;

use super::*;

mod login;
mod manage;
mod setup;

/// `settings.LOGIN_URL` (`two_factor:login`) and `LOGIN_REDIRECT_URL` (`two_factor:profile`)
/// of the example project.
pub(crate) const LOGIN_URL: &str = "/account/login/";
pub(crate) const PROFILE_URL: &str = "/account/two_factor/";

/// The wizards' session storage and django-otp's verified flag.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct TfSession {
    /// `LoginView`'s storage (`two_factor/views/utils.py`, `LoginStorage`): the current step
    /// (`None` until a GET set it), the user of the auth step, `authentication_time`, and
    /// whether the token step validated (`validated_step_data`).
    pub login_step: Option<String>,
    pub login_user: Option<i64>,
    pub auth_time: u64,
    pub token_done: bool,
    /// `SetupView`'s storage: the current step and whether its key was made.
    pub setup_step: Option<String>,
    pub setup_key: bool,
    /// django-otp's `OTPMiddleware`: the session names a device (`user.is_verified()`).
    pub verified: bool,
    /// `QRGeneratorView.session_key_name` is set (the generator step was shown).
    pub qr: bool,
}

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(LOGIN_URL, get(login::login).post(login::login))
        .route(PROFILE_URL, get(manage::profile))
        .route(
            "/account/two_factor/setup/",
            get(setup::setup).post(setup::setup),
        )
        .route("/account/two_factor/qrcode/", get(setup::qrcode))
        .route("/account/two_factor/setup/complete/", get(setup::complete))
        .route(
            "/account/two_factor/backup/tokens/",
            get(manage::backup_tokens).post(manage::backup_tokens),
        )
        .route(
            "/account/two_factor/disable/",
            get(manage::disable).post(manage::disable),
        )
        .route(
            "/account/register/",
            get(manage::register).post(manage::register),
        )
        .route("/account/register/done/", get(manage::register_done))
        .route("/account/logout/", get(manage::logout).post(manage::logout))
}

/// Saves the session with the response, and hands the session's CSRF token out as Django's
/// `csrftoken` cookie too (a client may echo the cookie, as Django's CSRF docs tell AJAX
/// clients to, on a page without a form). Its value changes at login, as `rotate_token` does.
fn fin(ctx: Ctx, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "csrftoken={}; Max-Age=31449600; Path=/; SameSite=Lax",
        ctx.s.csrf
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    ctx.finish(resp)
}

/// The pages answer under `--profile two-factor` only.
fn off(app: &App) -> Option<Response> {
    (app.cfg.profile != Profile::TwoFactor).then(|| StatusCode::NOT_FOUND.into_response())
}

/// Django's `redirect_to_login`: `LOGIN_URL?next=<path>` (`QueryDict.urlencode(safe="/")`).
fn to_login(path: &str) -> Response {
    found(&format!(
        "{LOGIN_URL}?next={}",
        urlencode(path).replace("%2F", "/")
    ))
}

/// django-otp's `user.is_verified()`: the session names a device that still exists.
fn verified(ctx: &Ctx) -> bool {
    ctx.s.tf.verified
        && ctx
            .s
            .user_id
            .is_some_and(|id| ctx.app.has_totp(id).unwrap_or(false) || has_static(&ctx.app, id))
}

/// The user has a static device (`staticdevice_set`), tokens or not.
fn has_static(app: &App, user_id: i64) -> bool {
    app.recovery_state(user_id).ok().flatten().is_some()
}

/// `400 Bad Request` as Django answers a `SuspiciousOperation` with `DEBUG = False`.
fn bad_request(ctx: Ctx) -> Response {
    fin(ctx, (
        StatusCode::BAD_REQUEST,
        Html("<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n".to_string()),
    ))
}

/// A field as Django's `as_table` renders it: its errors (`<ul class="errorlist">`), label and
/// input.
pub(crate) struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub value: String,
    pub errors: Vec<String>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str, kind: &'a str) -> Self {
        Field {
            name,
            label,
            kind,
            value: String::new(),
            errors: Vec::new(),
        }
    }
}

fn error_list(list: &[String], class: &str) -> String {
    super::layout::list(list, class)
}

/// `form.as_table`: the non-field errors first, then each field's row.
fn form_table(nonfield: &[String], fields: &[Field<'_>]) -> String {
    let mut out = String::new();
    if !nonfield.is_empty() {
        out.push_str(&format!(
            r#"<tr><td colspan="2">{}</td></tr>"#,
            error_list(nonfield, "errorlist nonfield")
        ));
    }
    for f in fields {
        let value = if f.kind == "password" || f.kind == "checkbox" || f.value.is_empty() {
            String::new()
        } else {
            format!(r#" value="{}""#, esc(&f.value))
        };
        out.push_str(&format!(
            r#"<tr><th><label for="id_{n}">{l}:</label></th><td>{e}<input type="{k}" name="{n}" id="id_{n}"{value}></td></tr>"#,
            n = esc(f.name),
            l = esc(f.label),
            e = error_list(&f.errors, "errorlist"),
            k = f.kind,
        ));
    }
    out
}

/// A page of the two-factor face (`two_factor/_base.html`'s layout, simplified).
fn page(ctx: Ctx, status: StatusCode, title: &str, body: &str) -> Response {
    let nav = if ctx.s.user_id.is_some() {
        format!(r#"<a href="{PROFILE_URL}">Account Security</a>"#)
    } else {
        format!(r#"<a href="{LOGIN_URL}">Login</a> · <a href="/account/register/">Register</a>"#)
    };
    let html = layout::document(
        title,
        "Twofold test server · django-two-factor-auth",
        &nav,
        "",
        body,
        "th { text-align: left; padding-right: 1rem; }
img.qr { width: 256px; height: 256px; }
",
    );
    fin(ctx, (status, Html(html)))
}

/// A wizard's form (`two_factor/_wizard_forms.html` and `_wizard_actions.html`): the
/// management form, the step's fields, the hidden submit, Back (to `prev`) and Next.
fn wizard_form(
    ctx: &Ctx,
    prefix: &str,
    step: &str,
    prev: Option<&str>,
    nonfield: &[String],
    fields: &[Field<'_>],
    cancel: Option<&str>,
) -> String {
    let back = match prev {
        Some(p) => format!(
            r#"<button name="wizard_goto_step" type="submit" value="{}">Back</button>"#,
            esc(p)
        ),
        None => r#"<button disabled name="" type="button">Back</button>"#.to_string(),
    };
    let cancel = cancel
        .map(|c| format!(r#"<a href="{}">Cancel</a>"#, esc(c)))
        .unwrap_or_default();
    format!(
        r#"<form action="" method="post">{csrf}
<table>
<input type="hidden" name="{prefix}-current_step" value="{step}" id="id_{prefix}-current_step">
{table}
</table>
<input type="submit" value="" hidden>
{cancel}
{back}
<button type="submit">Next</button>
</form>"#,
        csrf = ctx.csrf_input(),
        step = esc(step),
        table = form_table(nonfield, fields),
    )
}

/// A form value as Django's `CharField(strip=True)` cleans it.
fn stripped(input: &Input, name: &str) -> String {
    field(input, name).trim().to_string()
}

/// Where a wizard goes when done: a safe `next` (POST, then the query), else `default`
/// (`RedirectURLMixin.get_redirect_url`, `url_has_allowed_host_and_scheme`).
fn success_url(input: Option<&Input>, query_next: Option<String>, default: &str) -> String {
    let posted = input.map(|i| field(i, "next")).filter(|n| !n.is_empty());
    let next = posted.or(query_next);
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => default.to_string(),
    }
}

/// `two_factor/utils.py`, `get_otpauth_url`: label `quote(b"issuer: account")`, then
/// `secret`, `digits` and `issuer` urlencoded (`quote_plus`) in that order. The issuer is
/// `get_current_site(request).name`: without django.contrib.sites, the request's host.
pub(crate) fn otpauth_url(account: &str, secret_b32: &str, issuer: &str, digits: u32) -> String {
    let label = crate::upstream::quote(&format!("{issuer}: {account}"), true);
    format!(
        "otpauth://totp/{label}?secret={}&digits={digits}&issuer={}",
        urlencode(secret_b32),
        urlencode(issuer)
    )
}

/// The request's `Host` (what `RequestSite.name` is), or the configured issuer.
fn site_name(app: &App, headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() < 256)
        .map(str::to_string)
        .unwrap_or_else(|| app.cfg.issuer.clone())
}

/// Django's `HttpResponseNotAllowed` (405 with `Allow`).
fn not_allowed(ctx: Ctx, allow: &'static str) -> Response {
    let mut r = StatusCode::METHOD_NOT_ALLOWED.into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    fin(ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `two_factor/utils.py`, `get_otpauth_url("alice", "JBSW...", "127.0.0.1:8000")` as
    /// Python writes it.
    #[test]
    fn otpauth_url_as_two_factor_writes_it() {
        assert_eq!(
            otpauth_url("alice@example.com", "JBSWY3DPEHPK3PXP", "127.0.0.1:8000", 6),
            "otpauth://totp/127.0.0.1%3A8000%3A%20alice%40example.com?secret=JBSWY3DPEHPK3PXP&digits=6&issuer=127.0.0.1%3A8000"
        );
    }
}
