//! `--profile allauth-2fa`: django-allauth-2fa 0.12.0's pages (`allauth_2fa/urls.py`, included
//! at `/accounts/two-factor/` as its docs do) beside allauth's account pages, on django-otp's
//! rules. Its middleware (`allauth_2fa/middleware.py`) is in `Ctx::load`: any request to
//! another URL abandons a half-done login. Paths in the comments are relative to the package.
//!
//! django-allauth-2fa 0.12.0 is the last release (the project is archived); it needs
//! django-allauth < 0.58, and django-otp ≤ 1.7.0 (its authenticate form has no device field:
//! `OTPAuthenticationFormMixin._verify_token` then tries every device, `match_token`, which
//! later django-otp releases refuse with "Please select a device.").

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;
use crate::config::Profile;
use crate::django_otp::Verdict;

use super::*;

/// `two-factor-authenticate`.
pub(crate) const AUTHENTICATE: &str = "/accounts/two-factor/authenticate/";
const SETUP: &str = "/accounts/two-factor/setup/";
const BACKUP: &str = "/accounts/two-factor/backup-tokens/";
const REMOVE: &str = "/accounts/two-factor/remove/";
const LOGIN: &str = "/accounts/login/";
/// `django_otp/forms.py`, `otp_error_messages`.
const TOKEN_REQUIRED: &str = "Please enter your OTP token.";
const INVALID_TOKEN: &str = "Invalid token. Please make sure you have entered it correctly.";

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(AUTHENTICATE, get(authenticate).post(authenticate))
        .route(SETUP, get(setup).post(setup))
        .route(BACKUP, get(backup_tokens).post(backup_tokens))
        .route(REMOVE, get(remove).post(remove))
}

fn off(app: &App) -> Option<Response> {
    (app.cfg.profile != Profile::Allauth2fa).then(|| StatusCode::NOT_FOUND.into_response())
}

/// Django's `redirect_to_login` (`LoginRequiredMixin`, `AccessMixin.handle_no_permission`).
fn login_url(path: &str) -> String {
    format!("{LOGIN}?next={}", urlencode(path).replace("%2F", "/"))
}

/// `django_otp.match_token` (what `_verify_token` does without a device, django-otp ≤ 1.7.0):
/// each device in turn, TOTP then static (`INSTALLED_APPS` order), until one accepts; every
/// device tried records its failure, a throttled one simply does not match.
fn match_token(app: &App, user_id: i64, token: &str) -> bool {
    if matches!(app.otp_verify_totp(user_id, token), Ok(Verdict::Accepted)) {
        return true;
    }
    app.recovery_state(user_id).ok().flatten().is_some()
        && matches!(app.otp_verify_static(user_id, token), Ok(Verdict::Accepted))
}

/// `ValidTOTPDeviceRequiredMixin`: signed in (else the login with `next`), with a confirmed
/// TOTP device (else the setup page). `Err`: where to go.
fn with_device(ctx: &Ctx, path: &str) -> Result<crate::app::User, String> {
    let Some(user) = ctx.user() else {
        return Err(login_url(path));
    };
    if !ctx.app.has_totp(user.id).unwrap_or(false) {
        return Err(SETUP.to_string());
    }
    Ok(user)
}

/// `views.py`, `TwoFactorAuthenticate`: the pending login (`allauth_2fa_user_id`) or the login
/// page; `TOTPAuthenticateForm` (`otp_token`), `clean_otp` without a device; the template shows
/// the non-field errors only.
async fn authenticate(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let (mut ctx, _, form) = parts(&app, req).await;
    let Some((user_id, _)) = ctx.s.pending_login else {
        return ctx.finish(found(LOGIN));
    };
    let form = post_form!(ctx, form);
    let mut errs = Vec::new();
    if let Some(input) = form {
        let token = field(&input, "otp_token").trim().to_string();
        if token.is_empty() {
            errs.push(TOKEN_REQUIRED.to_string());
        } else if match_token(&app, user_id, &token) {
            // form_valid: adapter.login, then post_login's redirect.
            let Some(user) = app.user_by_id(user_id).ok().flatten() else {
                return ctx.finish(found(LOGIN));
            };
            ctx.new_id();
            ctx.s.pending_login = None;
            ctx.s.user_id = Some(user.id);
            return ctx.finish(found(after_login(&app, &user)));
        } else {
            errs.push(INVALID_TOKEN.to_string());
        }
    }
    let body = format!(
        r#"<form method="post">{csrf}{errs}
<label for="id_otp_token">Token:</label> <input type="text" name="otp_token" id="id_otp_token" autocomplete="off" inputmode="numeric" autofocus>
<button type="submit">Authenticate</button>
</form>"#,
        csrf = ctx.csrf_input(),
        errs = error_list(&errs, "errorlist nonfield"),
    );
    let page = ctx.page("Two-Factor Authentication", &body);
    ctx.finish(page)
}

/// `views.py`, `TwoFactorSetup`: login required; a user with a device goes to the backup
/// tokens; every GET and every failed POST makes a new unconfirmed device (a new secret);
/// `TOTPDeviceForm.clean_otp_token` runs the device's `verify_token` ("The entered token is
/// not valid", a field error the template does not show); success → `SETUP_SUCCESS_URL`.
async fn setup(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (mut ctx, _, form) = parts(&app, req).await;
    let Some(user) = ctx.user() else {
        return ctx.finish(found(&login_url(SETUP)));
    };
    if app.has_totp(user.id).unwrap_or(false) {
        return ctx.finish(found(BACKUP));
    }
    let form = post_form!(ctx, form);
    if let Some(input) = form {
        let token = field(&input, "otp_token").trim().to_string();
        if !token.is_empty() {
            match app.otp_activate_verified(&user, &token) {
                Ok(Verdict::Accepted) => return ctx.finish(found(BACKUP)),
                Ok(_) => {}
                Err(e) => return ctx.finish(e),
            }
        }
    }
    // _new_device: a fresh secret.
    let Ok(info) = app.setup_totp(&user) else {
        return ctx.finish(StatusCode::INTERNAL_SERVER_ERROR);
    };
    // allauth_2fa/utils.py, generate_totp_config_svg: label "issuer: username", then secret,
    // algorithm, digits, period, issuer; the issuer is the request's site name (its host).
    let issuer = if host.is_empty() {
        app.cfg.issuer.clone()
    } else {
        host
    };
    let uri = format!(
        "otpauth://totp/{}?secret={}&algorithm=SHA1&digits={}&period={}&issuer={}",
        urlencode(&format!("{issuer}: {}", user.email)).replace('+', "%20"),
        info.secret.as_str(),
        app.cfg.digits,
        app.cfg.period,
        urlencode(&issuer)
    );
    let body = format!(
        r#"<h4>Step 1:</h4>
<p>Scan the QR code below with a token generator of your choice (for instance Google Authenticator).</p>
<div class="qr" data-otpauth="{uri}">{qr}</div>
<p> Secret: <code id="totp-secret">{secret}</code> </p>
<h4>Step 2:</h4>
<p>Input a token generated by the app:</p>
<form method="post">{csrf}
<label for="id_otp_token">Token:</label> <input type="text" name="otp_token" id="id_otp_token" autocomplete="off" inputmode="numeric" autofocus>
<button type="submit">Verify</button>
</form>"#,
        uri = esc(&uri),
        qr = crate::app::qr_svg(&uri),
        secret = esc(&info.secret),
        csrf = ctx.csrf_input(),
    );
    let page = ctx.page("Setup Two-Factor Authentication", &body);
    ctx.finish(page)
}

/// `views.py`, `TwoFactorBackupTokens`: the static device `backup` (created if missing), its
/// tokens revealed (`ALWAYS_REVEAL_BACKUP_TOKENS`); POST makes `BACKUP_TOKENS_NUMBER` (3) new
/// ones and shows the page again (no redirect).
async fn backup_tokens(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let (mut ctx, _, form) = parts(&app, req).await;
    let user = match with_device(&ctx, BACKUP) {
        Ok(u) => u,
        Err(to) => return ctx.finish(found(&to)),
    };
    let form = post_form!(ctx, form);
    if form.is_some() {
        if let Err(e) = app.regenerate_recovery_codes(&user) {
            return ctx.finish(e);
        }
    } else if app.recovery_state(user.id).ok().flatten().is_none() {
        if let Err(e) = app.empty_static_device(user.id) {
            return ctx.finish(e);
        }
    }
    let tokens = app.codes_to_show(user.id);
    let list = if tokens.is_empty() {
        "No tokens. Press the button below to generate some.".to_string()
    } else {
        super::layout::list(&tokens, "")
    };
    let body = format!(
        r#"{list}
<form method="post">{}
<button type="submit">Generate backup tokens</button>
</form>
<a href="{REMOVE}">Disable Two Factor</a>"#,
        ctx.csrf_input()
    );
    let page = ctx.page("Two-Factor Authentication Backup Tokens", &body);
    ctx.finish(page)
}

/// `views.py`, `TwoFactorRemove` with `TOTPDeviceRemoveForm`: a token required
/// (`REQUIRE_OTP_ON_DEVICE_REMOVAL`), checked by `clean_otp` without a device; the backup
/// tokens and the TOTP device deleted; `REMOVE_SUCCESS_URL` (the setup page).
async fn remove(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let (mut ctx, _, form) = parts(&app, req).await;
    let user = match with_device(&ctx, REMOVE) {
        Ok(u) => u,
        Err(to) => return ctx.finish(found(&to)),
    };
    let form = post_form!(ctx, form);
    let (mut nonfield, mut fielderrs) = (Vec::new(), Vec::new());
    if let Some(input) = form {
        let token = field(&input, "otp_token").trim().to_string();
        if token.is_empty() {
            fielderrs.push("This field is required.".to_string());
            nonfield.push(TOKEN_REQUIRED.to_string());
        } else if match_token(&app, user.id, &token) {
            return match app.deactivate(&user) {
                Ok(()) => ctx.finish(found(SETUP)),
                Err(e) => ctx.finish(e),
            };
        } else {
            nonfield.push(INVALID_TOKEN.to_string());
        }
    }
    let body = format!(
        r#"<p>Please enter a valid authentication token to disable two-factor authentication:</p>
<form method="post">{csrf}{nonfield}
{fielderrs}<p><label for="id_otp_token">Token:</label> <input type="text" name="otp_token" id="id_otp_token" required></p>
<button type="submit">Disable Two-Factor</button>
</form>"#,
        csrf = ctx.csrf_input(),
        nonfield = error_list(&nonfield, "errorlist nonfield"),
        fielderrs = error_list(&fielderrs, "errorlist"),
    );
    let page = ctx.page("Disable Two-Factor Authentication", &body);
    ctx.finish(page)
}

fn error_list(list: &[String], class: &str) -> String {
    super::layout::list(list, class)
}
