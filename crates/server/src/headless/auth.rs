//! Sign-up, login and reauthentication.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{Result, ServerError};

use super::*;

pub(super) async fn signup(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    if ctx.sess.user.is_some() {
        return Ok(Reply::status(409));
    }
    if app
        .rate_consume("signup", &SIGNUP, ctx.ip, "", now_f(app))?
        .is_none()
    {
        return Ok(Reply::status(429));
    }
    let email = text_field(input, "email");
    let password = match input.get("password") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    let Some(email) = email else {
        return Ok(required("email"));
    };
    let Some(password) = password else {
        return Ok(required("password"));
    };
    if !crate::app::valid_email(&email) {
        return Ok(Reply::error(
            "invalid",
            "Enter a valid email address.",
            Some("email"),
        ));
    }
    if app.user_by_email(&email)?.is_some() {
        return Ok(Reply::error(
            "email_taken",
            "A user is already registered with this email address.",
            Some("email"),
        ));
    }
    // account/app_settings.py: PASSWORD_MIN_LENGTH 6 (Django's validators are off by default).
    if password.chars().count() < 6 {
        return Ok(Reply::error(
            "password_too_short",
            "This password is too short. It must contain at least 6 characters.",
            Some("password"),
        ));
    }
    if password.chars().count() > crate::input::MAX_FIELD_CHARS {
        return Ok(Reply::error(
            "invalid",
            "This password is too long.",
            Some("password"),
        ));
    }
    let a2 = ctx.app_arc();
    let user = match app
        .hashing(move || a2.create_user(&email, Some(&password), "", ""))
        .await
    {
        Ok(u) => u,
        Err(ServerError::Api { .. }) => {
            return Ok(Reply::error(
                "email_taken",
                "A user is already registered with this email address.",
                Some("email"),
            ))
        }
        Err(e) => return Err(e),
    };
    ctx.sess = Session::default();
    ctx.login(user.id);
    ctx.auth_reply(None, false)
}

impl Ctx<'_> {
    pub(super) fn app_arc(&self) -> Arc<App> {
        self.arc.clone()
    }
}

pub(super) async fn login(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    // `account/views.py`: rate_limit(action="login") on the view, before the input.
    if app
        .rate_consume("login", &LOGIN, ctx.ip, "", now_f(app))?
        .is_none()
    {
        return Ok(Reply::status(429));
    }
    let email = text_field(input, "email");
    let password = match input.get("password") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let Some(email) = email else {
        return Ok(required("email"));
    };
    let Some(password) = password else {
        return Ok(required("password"));
    };
    if ctx.sess.user.is_some() {
        return Ok(Reply::status(409));
    }
    // `account/adapter.py`, `pre_authenticate`: login_failed keyed by the login.
    let key = format!("login:{}", email.to_lowercase());
    let Some(taken) = app.rate_consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now_f(app))?
    else {
        return Ok(Reply::error("too_many_login_attempts", TOO_MANY, None));
    };
    let a2 = ctx.app_arc();
    let user = app
        .hashing(move || a2.authenticate(&email, &password))
        .await?;
    // The rest in one transaction (see `routes::route`).
    app.batch(|| {
        let Some(user) = user else {
            return Ok(Reply::error(
                "email_password_mismatch",
                "The email address and/or password you specified are not correct.",
                Some("password"),
            ));
        };
        // A successful login takes its hits back (`authenticate`, the rollback).
        app.rate_rollback(&taken)?;
        // A fresh session for the login (allauth's login flow stashes it in a new session).
        ctx.sess = Session::default();
        ctx.cycle = true;
        let mut e = Map::new();
        e.insert("method".into(), json!("password"));
        e.insert("email".into(), json!(user.email));
        ctx.record(user.id, e);
        // `mfa/stages.py`, `AuthenticateStage._should_handle`: TOTP enabled, browser not trusted.
        let trusted = ctx.client == Client::Browser
            && app.cfg.trust
            && app.trusted(ctx.cookies_in.get(TRUST_COOKIE), &user)?;
        if app.has_totp(user.id)? && !trusted {
            ctx.sess.pending = Some(Pending {
                user: user.id,
                stage: STAGE_MFA.into(),
                started: now_f(app),
            });
            return ctx.auth_reply(None, false);
        }
        ctx.login(user.id);
        ctx.auth_reply(None, false)
    })
}

pub(super) async fn reauthenticate(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    let Some(user) = ctx.user()? else {
        return ctx.auth_reply(None, false);
    };
    let Some(password) = text_field(input, "password") else {
        return Ok(required("password"));
    };
    // `account/adapter.py`, `reauthenticate` -> `authenticate` -> `pre_authenticate`.
    let key = format!("login:{}", user.email.to_lowercase());
    let Some(taken) = app.rate_consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now_f(app))?
    else {
        return Ok(Reply::error(
            "too_many_login_attempts",
            TOO_MANY,
            Some("password"),
        ));
    };
    let a2 = ctx.app_arc();
    let u2 = user.clone();
    let ok = app
        .hashing(move || Ok(a2.check_password(&u2, &password)))
        .await?;
    if !ok {
        return Ok(Reply::error(
            "incorrect_password",
            "Incorrect password.",
            Some("password"),
        ));
    }
    app.rate_rollback(&taken)?;
    let mut e = Map::new();
    e.insert("method".into(), json!("password"));
    e.insert("reauthenticated".into(), json!(true));
    ctx.record(user.id, e);
    ctx.auth_reply(None, false)
}
