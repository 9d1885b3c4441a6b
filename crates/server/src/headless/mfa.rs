//! The second factor: the authenticate stage, TOTP and recovery codes.

use crate::db::params;
use axum::http::Method;
use serde_json::{json, Map, Value};
use twofold_otp::Secret;
use zeroize::Zeroizing;

use crate::app::{App, User, TYPE_TOTP};
use crate::crypto;
use crate::error::{Result, ServerError};

use super::*;

/// `headless/mfa/views.py`, `AuthenticateView`: the pending `mfa_authenticate` stage, the
/// code, then the next stage (`mfa_trust` in a browser with trust on) or the login.
pub(super) fn two_factor(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    let Some(p) = ctx.pending(STAGE_MFA) else {
        return ctx.auth_reply(None, true);
    };
    let Some(code) = text_field(input, "code") else {
        return Ok(required("code"));
    };
    let Some(user) = app.user_by_id(p.user)? else {
        ctx.sess.pending = None;
        return ctx.auth_reply(None, true);
    };
    match ctx.check_code(&user, &code)? {
        Err(r) => Ok(r),
        Ok((id, kind)) => {
            ctx.record_mfa(user.id, id, kind, false);
            if ctx.client == Client::Browser && app.cfg.trust {
                // `mfa/stages.py`, `TrustStage`: browsers only (it needs a cookie).
                ctx.sess.pending = Some(Pending {
                    user: user.id,
                    stage: STAGE_TRUST.into(),
                    started: p.started,
                });
                return ctx.auth_reply(None, false);
            }
            ctx.login(user.id);
            ctx.auth_reply(None, false)
        }
    }
}

/// A 401 asking for reauthentication (`ReauthenticationResponse`) unless the session
/// reauthenticated recently (`raise_if_reauthentication_required`, app `allauth.mfa`:
/// `MFA_REAUTHENTICATION_REQUIRED` is on by default).
pub(super) fn needs_reauth(ctx: &mut Ctx<'_>, user: &User) -> Result<Option<Reply>> {
    if ctx.recently_reauthenticated(user)? {
        return Ok(None);
    }
    Ok(Some(ctx.auth_reply(Some(401), false)?))
}

/// `headless/mfa/views.py`, `ManageTOTPView`.
pub(super) fn totp(
    ctx: &mut Ctx<'_>,
    method: &Method,
    input: &Map<String, Value>,
) -> Result<Reply> {
    let app = ctx.app;
    let Some(user) = ctx.user()? else {
        return ctx.auth_reply(None, false);
    };
    let existing = app
        .allauth_authenticators(user.id)?
        .into_iter()
        .find(|a| a.kind == TYPE_TOTP);
    match *method {
        Method::GET => match existing {
            Some(a) => Ok(Reply::data(200, authenticator_data(&a, false))),
            None => {
                // `get_totp_secret(regenerate=True)`: a new secret on every GET.
                let secret = Secret::from_bytes(crypto::random_bytes::<20>().to_vec());
                let b32 = secret.to_base32();
                let url = allauth_totp_url(
                    &user.email,
                    &b32,
                    &app.cfg.issuer,
                    app.cfg.digits,
                    app.cfg.period,
                );
                ctx.sess.totp_secret = Some(Zeroizing::new(b32.to_string()));
                let mut meta = Map::new();
                meta.insert("secret".into(), json!(b32.as_str()));
                meta.insert("totp_url".into(), json!(url));
                Ok(Reply {
                    meta: Some(meta),
                    ..Reply::status(404)
                })
            }
        },
        Method::POST => {
            // `mfa/totp/forms.py`, `ActivateTOTPForm`: the session's secret (a new one when
            // there is none), the rate limit (error `rate_limited`), the code — no used-code
            // marking, so the activation code logs in once more.
            let Some(code) = text_field(input, "code") else {
                return Ok(required("code"));
            };
            let secret = match &ctx.sess.totp_secret {
                Some(s) => s.clone(),
                None => {
                    let s = Secret::from_bytes(crypto::random_bytes::<20>().to_vec())
                        .to_base32()
                        .to_string();
                    ctx.sess.totp_secret = Some(Zeroizing::new(s.clone()));
                    Zeroizing::new(s)
                }
            };
            let key = format!("mfa-auth-user-{}", user.id);
            let now = now_f(app);
            if app
                .rate_consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now)?
                .is_none()
            {
                return Ok(Reply::error(
                    "rate_limited",
                    "Be patient, you are sending too many requests.",
                    Some("code"),
                ));
            }
            let valid = Secret::from_base32(&secret)
                .map(|s| app.totp_code_valid(&s, &code))
                .unwrap_or(false);
            if !valid {
                return Ok(Reply::error("incorrect_code", INCORRECT_CODE, Some("code")));
            }
            app.rate_clear("login_failed", &LOGIN_FAILED, ctx.ip, &key)?;
            if let Some(r) = needs_reauth(ctx, &user)? {
                return Ok(r);
            }
            if existing.is_some() {
                return Ok(Reply::status(409));
            }
            app.allauth_activate(&user, &secret)?;
            ctx.sess.totp_secret = None;
            let a = app
                .allauth_authenticators(user.id)?
                .into_iter()
                .find(|a| a.kind == TYPE_TOTP)
                .ok_or_else(|| ServerError::bad_request("TOTP not activated."))?;
            Ok(Reply::data(200, authenticator_data(&a, false)))
        }
        _ => {
            if existing.is_some() {
                if let Some(r) = needs_reauth(ctx, &user)? {
                    return Ok(r);
                }
                app.allauth_deactivate(user.id)?;
            }
            Ok(Reply::status(200))
        }
    }
}

/// `headless/mfa/views.py`, `ManageRecoveryCodesView`; `recovery_codes/internal/flows.py`.
pub(super) fn recovery_codes(ctx: &mut Ctx<'_>, method: &Method) -> Result<Reply> {
    let app = ctx.app;
    let Some(user) = ctx.user()? else {
        return ctx.auth_reply(None, false);
    };
    let find = |app: &App| -> Result<Option<Authenticator>> {
        Ok(app
            .allauth_authenticators(user.id)?
            .into_iter()
            .find(|a| a.kind == "recovery_codes"))
    };
    if *method == Method::GET {
        let Some(a) = find(app)? else {
            return Ok(Reply::status(404));
        };
        if let Some(r) = needs_reauth(ctx, &user)? {
            return Ok(r);
        }
        return Ok(Reply::data(200, authenticator_data(&a, true)));
    }
    // `recovery_codes/forms.py`, `GenerateRecoveryCodesForm`: only with another authenticator.
    if !app.has_totp(user.id)? {
        return Ok(Reply::error(
            "cannot_generate_recovery_codes",
            "You cannot generate recovery codes without having two-factor authentication enabled.",
            None,
        ));
    }
    if let Some(r) = needs_reauth(ctx, &user)? {
        return Ok(r);
    }
    app.conn().exec(
        "DELETE FROM authenticators WHERE user_id = ?1 AND type = 'recovery_codes'",
        params![user.id],
    )?;
    app.new_recovery_codes(user.id)?;
    let a = find(app)?.ok_or_else(|| ServerError::bad_request("Recovery codes not available."))?;
    Ok(Reply::data(200, authenticator_data(&a, true)))
}
