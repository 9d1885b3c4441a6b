//! The account pages: home, sign-up, login, the code step, logout.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::app::{App, User};
use crate::config::Mode;
use crate::crypto;

use super::*;

pub(super) async fn home(State(app): State<Arc<App>>, req: Request) -> Response {
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
pub(super) fn after_login(app: &App, user: &User) -> &'static str {
    if app.cfg.mode == Mode::Required && !app.has_totp(user.id).unwrap_or(false) {
        "/accounts/2fa/totp/activate/"
    } else {
        "/accounts/2fa/"
    }
}

pub(super) async fn signup(State(app): State<Arc<App>>, req: Request) -> Response {
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

pub(super) async fn login(State(app): State<Arc<App>>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| crate::guard::client_ip(&app.cfg, c.0.ip(), req.headers()));
    let (mut ctx, _, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let mut errs = Vec::new();
    let mut login = String::new();
    let mut status = None;
    if let Some(input) = form {
        login = field(&input, "login").trim().to_string();
        let password = field(&input, "password");
        let throttled = match client.map(|ip| app.login_throttled(ip)).transpose() {
            Ok(wait) => wait.flatten(),
            Err(e) => return ctx.finish(e),
        };
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
                if let Some(Err(e)) = client.map(|ip| app.login_failed(ip)) {
                    return ctx.finish(e);
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
                    // django-allauth-2fa: allauth_2fa/adapter.py, OTPAdapter.pre_login
                    // redirects to its own two-factor-authenticate URL.
                    let to = if app.cfg.profile == crate::config::Profile::Allauth2fa {
                        allauth_2fa::AUTHENTICATE
                    } else {
                        AUTHENTICATE
                    };
                    return ctx.finish(found(to));
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
<label for="id_remember"><input type="checkbox" name="remember" id="id_remember"> Remember Me</label>
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

pub(super) async fn authenticate(State(app): State<Arc<App>>, req: Request) -> Response {
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

pub(super) async fn logout(State(app): State<Arc<App>>, req: Request) -> Response {
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
