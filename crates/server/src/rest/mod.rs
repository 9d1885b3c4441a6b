//! The REST face: django-jwt-allauth's endpoints and answers (seed 003).

mod schemas;

pub use schemas::*;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::app::{
    App, AuthenticatorInfo, LoginOutcome, TokenPair, User, PURPOSE_INVITE, PURPOSE_SETUP,
};
use crate::config::Mode;
use crate::error::{Result, ServerError};
use crate::input::cookie;
use crate::input::{Fields, Input};

pub const REFRESH_COOKIE: &str = "refresh_token";
const SET_PASSWORD_COOKIE: &str = "twofold_set_password";

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/registration/", post(registration))
        .route("/registration/user-register/", post(user_register))
        .route("/registration/verification/{key}/", get(verify_email))
        .route("/registration/set-password/", post(set_password))
        .route("/login/", post(login))
        .route("/refresh/", post(refresh))
        .route("/logout/", post(logout))
        .route("/user/", get(user_details))
        .route("/mfa/setup/", post(mfa_setup))
        .route("/mfa/activate/", post(mfa_activate))
        .route("/mfa/verify/", post(mfa_verify))
        .route("/mfa/verify-recovery/", post(mfa_verify_recovery))
        .route("/mfa/deactivate/", post(mfa_deactivate))
        .route("/mfa/authenticators/", get(mfa_authenticators))
        .route("/mfa/recovery-codes/", get(recovery_codes))
        .route(
            "/mfa/recovery-codes/regenerate/",
            post(regenerate_recovery_codes),
        )
}
// ----- helpers ---------------------------------------------------------------------------------

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("jwt"))
        .then(|| token.trim())
}

fn require_user(app: &App, headers: &HeaderMap) -> Result<User> {
    match bearer(headers) {
        Some(t) => app.user_from_access(t),
        None => Err(ServerError::not_authenticated()),
    }
}

fn mfa_enabled(app: &App) -> Result<()> {
    if app.cfg.mode == Mode::Disabled {
        return Err(ServerError::forbidden("MFA TOTP is disabled."));
    }
    Ok(())
}

fn set_cookie(resp: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `build_token_response()`: the access token in the body; the refresh token in the body or
/// in an HTTP-only cookie, as configured.
fn token_response(
    app: &App,
    pair: TokenPair,
    mut body: Map<String, Value>,
    status: StatusCode,
) -> Response {
    body.insert("access".into(), Value::String(pair.access));
    if !app.cfg.refresh_token_as_cookie {
        body.insert("refresh".into(), Value::String(pair.refresh));
        return (status, Json(Value::Object(body))).into_response();
    }
    let mut resp = (status, Json(Value::Object(body))).into_response();
    set_cookie(
        &mut resp,
        format!(
            "{REFRESH_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
            pair.refresh, app.cfg.refresh_token_ttl
        ),
    );
    resp
}

/// What a proven password leads to (the login gate) and, when granted, the tokens, in one
/// database transaction.
fn login_response(app: &App, user: &User) -> Result<Response> {
    app.batch(|| gate_response(app, app.login_gate(user)?))
}

fn gate_response(app: &App, outcome: LoginOutcome) -> Result<Response> {
    Ok(match outcome {
        LoginOutcome::Granted(user) => {
            token_response(app, app.issue_tokens(&user)?, Map::new(), StatusCode::OK)
        }
        LoginOutcome::MfaRequired { challenge_id } => (
            StatusCode::OK,
            Json(json!({"mfa_required": true, "challenge_id": challenge_id})),
        )
            .into_response(),
        LoginOutcome::SetupRequired { setup_challenge_id } => (
            StatusCode::OK,
            Json(json!({"mfa_setup_required": true, "setup_challenge_id": setup_challenge_id})),
        )
            .into_response(),
    })
}

// ----- registration ----------------------------------------------------------------------------

#[utoipa::path(post, path = "/registration/", tag = "registration", request_body = RegistrationRequest,
    responses((status = 201, body = LoginResponse, description = "Tokens, or in `required` mode a setup challenge"),
              (status = 400, body = ErrorResponse)))]
pub async fn registration(State(app): State<Arc<App>>, input: Input) -> Result<Response> {
    let mut f = Fields::default();
    let email = f.string(&input, "email", true, true);
    let p1 = f.string(&input, "password1", true, true);
    let p2 = f.string(&input, "password2", true, true);
    let first = f
        .string(&input, "first_name", false, false)
        .unwrap_or_default();
    let last = f
        .string(&input, "last_name", false, false)
        .unwrap_or_default();
    f.finish()?;
    let (email, p1, p2) = (
        email.unwrap_or_default(),
        p1.unwrap_or_default(),
        p2.unwrap_or_default(),
    );
    let errs = app.signup_errors(&email, &p1, &p2)?;
    if !errs.is_empty() {
        return Err(ServerError::fields(errs));
    }
    let a = app.clone();
    let user = app
        .hashing(move || a.create_user(&email, Some(&p1), &first, &last))
        .await?;
    if app.cfg.mode == Mode::Required {
        let id = app.create_setup_challenge(user.id)?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({"mfa_setup_required": true, "setup_challenge_id": id, "detail": "Verification e-mail sent."})),
        )
            .into_response());
    }
    Ok(token_response(
        &app,
        app.issue_tokens(&user)?,
        Map::new(),
        StatusCode::CREATED,
    ))
}

#[utoipa::path(post, path = "/registration/user-register/", tag = "registration", request_body = UserRegisterRequest,
    description = "Admin-managed registration: invites a user (no password yet). Loopback only; the verification key that the e-mail would carry is returned.",
    responses((status = 201, body = UserRegisterResponse), (status = 400, body = ErrorResponse)))]
pub async fn user_register(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    crate::input::JsonOnly(input): crate::input::JsonOnly,
) -> Result<Response> {
    if !crate::guard::direct_loopback(peer.ip(), &headers) {
        return Err(ServerError::forbidden(
            "You do not have permission to perform this action.",
        ));
    }
    let mut f = Fields::default();
    let email = f.string(&input, "email", true, true);
    // Accepted as django-jwt-allauth's serializer does; the server has no roles.
    let _role = f.integer(&input, "role");
    f.finish()?;
    let email = email.unwrap_or_default();
    let errs: Vec<_> = app
        .signup_errors(&email, "placeholder-ok", "placeholder-ok")?
        .into_iter()
        .filter(|(k, _)| k == "email")
        .collect();
    if !errs.is_empty() {
        return Err(ServerError::fields(errs));
    }
    let user = app.create_user(&email, None, "", "")?;
    let key = crate::crypto::random_token();
    app.create_token(user.id, PURPOSE_INVITE, &key)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": user.id, "email": user.email, "verification_key": key})),
    )
        .into_response())
}

#[utoipa::path(get, path = "/registration/verification/{key}/", tag = "registration",
    params(("key" = String, Path, description = "The key from the invitation")),
    responses((status = 200, body = DetailResponse, description = "Sets the `twofold_set_password` cookie"),
              (status = 400, body = ErrorResponse)))]
pub async fn verify_email(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
) -> Result<Response> {
    if app.lookup_token(&key, PURPOSE_INVITE)?.is_err() {
        return Err(ServerError::bad_request(
            "Invalid or expired verification link.",
        ));
    }
    let mut resp =
        Json(json!({"detail": "E-mail verified. Set a password to continue."})).into_response();
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        set_cookie(
            &mut resp,
            format!("{SET_PASSWORD_COOKIE}={key}; HttpOnly; SameSite=Lax; Path=/registration/"),
        );
    }
    Ok(resp)
}

#[utoipa::path(post, path = "/registration/set-password/", tag = "registration", request_body = SetPasswordRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse)))]
pub async fn set_password(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    let mut f = Fields::default();
    let p1 = f.string(&input, "new_password1", true, true);
    let p2 = f.string(&input, "new_password2", true, true);
    let key = f.string(&input, "key", false, false);
    f.finish()?;
    let key = key
        .or_else(|| cookie(&headers, SET_PASSWORD_COOKIE).map(str::to_string))
        .ok_or_else(ServerError::not_authenticated)?;
    // Checked before hashing (no hash for a wrong key); spent below.
    app.lookup_token(&key, PURPOSE_INVITE)?
        .map_err(|_| ServerError::not_authenticated())?;
    let (p1, p2) = (p1.unwrap_or_default(), p2.unwrap_or_default());
    let errs: Vec<_> = app
        .signup_errors("ok@example.org", &p1, &p2)?
        .into_iter()
        .filter(|(k, _)| k != "email")
        .map(|(k, m)| (k.replace("password", "new_password"), m))
        .collect();
    if !errs.is_empty() {
        return Err(ServerError::fields(errs));
    }
    let a = app.clone();
    // The key is spent with the password set, in one transaction: of two concurrent requests
    // with one key, one sets the password and the other gets 401.
    let user = app
        .hashing(move || a.accept_invitation(&key, &p1))
        .await?
        .ok_or_else(ServerError::not_authenticated)?;
    if app.cfg.mode == Mode::Required && !app.has_totp(user.id)? {
        let id = app.create_setup_challenge(user.id)?;
        return Ok(Json(json!({
            "mfa_setup_required": true,
            "setup_challenge_id": id,
            "detail": "Password set. Please configure MFA to complete registration."
        }))
        .into_response());
    }
    login_response(&app, &user)
}

// ----- login, tokens ---------------------------------------------------------------------------

#[utoipa::path(post, path = "/login/", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse, description = "Tokens; or `mfa_required` + `challenge_id`; or in `required` mode without TOTP `mfa_setup_required` + `setup_challenge_id`"),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse, description = "Incorrect credentials"),
              (status = 429, body = ErrorResponse, description = "Locked out after failed codes, or too many failed passwords from this client address (login throttle); see Retry-After")))]
pub async fn login(
    State(app): State<Arc<App>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    input: Input,
) -> Result<Response> {
    let mut f = Fields::default();
    let email = f.string(&input, "email", true, false);
    let password = f.string(&input, "password", true, true);
    f.finish()?;
    let client = crate::guard::client_ip(&app.cfg, peer.ip(), &headers);
    if let Some(wait) = app.login_throttled(client)? {
        return Err(ServerError::login_throttled(wait));
    }
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let a = app.clone();
    let Some(user) = app
        .hashing(move || a.authenticate(&email, &password))
        .await?
    else {
        app.login_failed(client)?;
        return Err(ServerError::unauthorized("Incorrect credentials"));
    };
    login_response(&app, &user)
}

fn refresh_from(input: &Input, headers: &HeaderMap) -> Result<String> {
    let mut f = Fields::default();
    let r = f.string(input, "refresh", false, false);
    f.finish()?;
    r.or_else(|| cookie(headers, REFRESH_COOKIE).map(str::to_string))
        .ok_or_else(|| {
            ServerError::fields(vec![("refresh".into(), "This field is required.".into())])
        })
}

#[utoipa::path(post, path = "/refresh/", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
              (status = 403, body = ErrorResponse, description = "`required` mode and no TOTP")))]
pub async fn refresh(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    let token = refresh_from(&input, &headers)?;
    let pair = app.refresh(&token)?;
    Ok(token_response(&app, pair, Map::new(), StatusCode::OK))
}

#[utoipa::path(post, path = "/logout/", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = DetailResponse), (status = 400, body = ErrorResponse)))]
pub async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    let token = refresh_from(&input, &headers)?;
    app.revoke_refresh(&token)?;
    let mut resp = Json(json!({"detail": "Successfully logged out."})).into_response();
    if app.cfg.refresh_token_as_cookie {
        set_cookie(
            &mut resp,
            format!("{REFRESH_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"),
        );
    }
    Ok(resp)
}

#[utoipa::path(get, path = "/user/", tag = "auth", security(("jwt" = [])),
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorResponse),
              (status = 403, body = ErrorResponse, description = "`required` mode and no TOTP")))]
pub async fn user_details(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response> {
    let user = require_user(&app, &headers)?;
    let mfa = app.has_totp(user.id)?;
    if app.cfg.mode == Mode::Required && !mfa {
        return Err(ServerError::forbidden(
            "Multi-factor authentication is required.",
        ));
    }
    Ok(Json(json!({
        "id": user.id, "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "mfa_enabled": mfa
    }))
    .into_response())
}

// ----- MFA -------------------------------------------------------------------------------------

/// The user of `/mfa/setup/` and `/mfa/activate/`: from the access token, or from a setup
/// challenge (bootstrap). Returns whether the challenge was used.
fn setup_user(app: &App, headers: &HeaderMap, challenge: Option<&str>) -> Result<(User, bool)> {
    if bearer(headers).is_some() {
        return Ok((require_user(app, headers)?, false));
    }
    let Some(id) = challenge else {
        return Err(ServerError::not_authenticated());
    };
    match app.lookup_token(id, PURPOSE_SETUP)? {
        Ok((user_id, _)) => {
            let user = app
                .user_by_id(user_id)?
                .ok_or_else(ServerError::not_authenticated)?;
            Ok((user, true))
        }
        Err(true) => Err(ServerError::bad_request("Setup not initiated.")),
        Err(false) => Err(ServerError::not_authenticated()),
    }
}

#[utoipa::path(post, path = "/mfa/setup/", tag = "mfa", request_body = SetupRequest, security((), ("jwt" = [])),
    responses((status = 200, body = SetupResponse),
              (status = 400, body = ErrorResponse, description = "TOTP already activated. / Setup not initiated."),
              (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse, description = "MFA TOTP is disabled.")))]
pub async fn mfa_setup(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    mfa_enabled(&app)?;
    let mut f = Fields::default();
    let challenge = f.string(&input, "setup_challenge_id", false, false);
    f.finish()?;
    let (user, _) = setup_user(&app, &headers, challenge.as_deref())?;
    let info = app.setup_totp(&user)?;
    Ok(Json(json!({
        "secret": info.secret.as_str(),
        "provisioning_uri": info.provisioning_uri.as_str(),
        "qr_code": info.qr_svg,
    }))
    .into_response())
}

#[utoipa::path(post, path = "/mfa/activate/", tag = "mfa", request_body = ActivateRequest, security((), ("jwt" = [])),
    responses((status = 200, body = ActivateResponse),
              (status = 400, body = ErrorResponse, description = "Invalid code. / Setup not initiated. / TOTP already activated."),
              (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn mfa_activate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    mfa_enabled(&app)?;
    let mut f = Fields::default();
    let code = f.code(&input, "code", app.cfg.digits as usize);
    let challenge = f.string(&input, "setup_challenge_id", false, false);
    f.finish()?;
    let (user, bootstrap) = setup_user(&app, &headers, challenge.as_deref())?;
    let spend = if bootstrap {
        challenge.as_deref()
    } else {
        None
    };
    let codes = app.activate_totp_with(&user, &code.unwrap_or_default(), spend)?;
    let mut body = Map::new();
    body.insert("success".into(), Value::Bool(true));
    body.insert("recovery_codes".into(), json!(codes));
    if bootstrap && app.cfg.mode == Mode::Required {
        return Ok(token_response(
            &app,
            app.issue_tokens(&user)?,
            body,
            StatusCode::OK,
        ));
    }
    Ok(Json(Value::Object(body)).into_response())
}

#[utoipa::path(post, path = "/mfa/verify/", tag = "mfa", request_body = VerifyRequest,
    responses((status = 200, body = TokenResponse),
              (status = 400, body = ErrorResponse, description = "Invalid code. / Challenge expired or invalid. / Too many failed attempts. Challenge invalidated."),
              (status = 403, body = ErrorResponse), (status = 429, body = ErrorResponse, description = "Locked out, or under the django-otp profiles the device throttled (django-otp's message); see Retry-After")))]
pub async fn mfa_verify(State(app): State<Arc<App>>, input: Input) -> Result<Response> {
    mfa_enabled(&app)?;
    let mut f = Fields::default();
    let challenge = f.string(&input, "challenge_id", true, false);
    let code = f.code(&input, "code", app.cfg.digits as usize);
    f.finish()?;
    verified(
        &app,
        &challenge.unwrap_or_default(),
        &code.unwrap_or_default(),
        false,
    )
}

/// The second step of a REST login and its tokens, in one database transaction.
fn verified(app: &App, challenge: &str, code: &str, recovery: bool) -> Result<Response> {
    let pair = app.batch(|| {
        let user = app.verify_challenge(challenge, code, recovery)?;
        app.issue_tokens(&user)
    })?;
    Ok(token_response(app, pair, Map::new(), StatusCode::OK))
}

#[utoipa::path(post, path = "/mfa/verify-recovery/", tag = "mfa", request_body = VerifyRecoveryRequest,
    responses((status = 200, body = TokenResponse),
              (status = 400, body = ErrorResponse, description = "Invalid recovery code. / Challenge expired or invalid. / Recovery codes not available."),
              (status = 403, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn mfa_verify_recovery(State(app): State<Arc<App>>, input: Input) -> Result<Response> {
    mfa_enabled(&app)?;
    let mut f = Fields::default();
    let challenge = f.string(&input, "challenge_id", true, false);
    let code = f.string(&input, "recovery_code", true, false);
    f.finish()?;
    verified(
        &app,
        &challenge.unwrap_or_default(),
        &code.unwrap_or_default(),
        true,
    )
}

#[utoipa::path(post, path = "/mfa/deactivate/", tag = "mfa", request_body = DeactivateRequest, security(("jwt" = [])),
    responses((status = 200, body = SuccessResponse),
              (status = 400, body = ErrorResponse, description = "Invalid password. / TOTP not activated."),
              (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse, description = "disabled or required mode")))]
pub async fn mfa_deactivate(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    input: Input,
) -> Result<Response> {
    let user = require_user(&app, &headers)?;
    mfa_enabled(&app)?;
    if app.cfg.mode == Mode::Required {
        return Err(ServerError::forbidden(
            "MFA TOTP is required and cannot be disabled.",
        ));
    }
    let mut f = Fields::default();
    let password = f.string(&input, "password", true, true);
    f.finish()?;
    let password = password.unwrap_or_default();
    let (a, u) = (app.clone(), user.clone());
    if !app
        .hashing(move || Ok(a.check_password(&u, &password)))
        .await?
    {
        return Err(ServerError::bad_request("Invalid password."));
    }
    app.deactivate(&user)?;
    Ok(Json(json!({"success": true})).into_response())
}

#[utoipa::path(get, path = "/mfa/authenticators/", tag = "mfa", security(("jwt" = [])),
    responses((status = 200, body = Vec<AuthenticatorInfo>), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn mfa_authenticators(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response> {
    let user = require_user(&app, &headers)?;
    mfa_enabled(&app)?;
    Ok(Json(app.authenticators(user.id)?).into_response())
}

#[utoipa::path(get, path = "/mfa/recovery-codes/", tag = "mfa", security(("jwt" = [])),
    responses((status = 200, body = RecoveryCodesResponse, description = "The unused codes"),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn recovery_codes(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response> {
    let user = require_user(&app, &headers)?;
    mfa_enabled(&app)?;
    let codes = app
        .unused_recovery_codes(user.id)?
        .ok_or_else(|| ServerError::bad_request("Recovery codes not available."))?;
    Ok(Json(json!({"recovery_codes": codes})).into_response())
}

#[utoipa::path(post, path = "/mfa/recovery-codes/regenerate/", tag = "mfa", security(("jwt" = [])),
    responses((status = 200, body = RecoveryCodesResponse, description = "A new set; the old one stops working"),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn regenerate_recovery_codes(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response> {
    let user = require_user(&app, &headers)?;
    mfa_enabled(&app)?;
    let codes = app.regenerate_recovery_codes(&user)?;
    Ok(Json(json!({"recovery_codes": codes})).into_response())
}
