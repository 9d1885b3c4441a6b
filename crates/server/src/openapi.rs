//! `GET /openapi.json`, generated from the handlers' annotations, with the request fields'
//! constraints (the same rules the handlers apply, some of them from the configuration) and the
//! answers every operation can give (403, 413, 415). `schemathesis --checks all` against it
//! reports no failure (scripts/test.sh runs it; see docs/server.md).

use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::config::Config;
use crate::input::MAX_FIELD_CHARS;
use crate::{app, health, qa, rest};

#[derive(OpenApi)]
#[openapi(
    info(title = "Twofold MFA test server", description = "django-jwt-allauth's REST MFA flow (and QA aids), served locally by `twofold serve`."),
    paths(
        rest::registration, rest::user_register, rest::verify_email, rest::set_password,
        rest::login, rest::refresh, rest::logout, rest::user_details,
        rest::mfa_setup, rest::mfa_activate, rest::mfa_verify, rest::mfa_verify_recovery,
        rest::mfa_deactivate, rest::mfa_authenticators, rest::recovery_codes, rest::regenerate_recovery_codes,
        qa::list_users, qa::create_user, qa::delete_user, qa::reset, qa::get_clock, qa::set_clock, qa::log,
        health::health,
    ),
    components(schemas(
        rest::ErrorResponse, rest::DetailResponse, rest::SuccessResponse, rest::TokenResponse,
        rest::LoginResponse, rest::MfaRequiredResponse, rest::MfaSetupRequiredResponse,
        rest::SetupResponse, rest::ActivateResponse, rest::RecoveryCodesResponse, rest::UserResponse,
        rest::UserRegisterResponse, app::AuthenticatorInfo, app::UserSummary, app::CreatedUser,
        app::LogEntry, qa::ClockState, qa::ResetRequest, health::Health, health::DatabaseHealth,
    )),
    modifiers(&JwtAuth),
    tags((name = "auth"), (name = "registration"), (name = "mfa"), (name = "qa", description = "Loopback-only test aids"), (name = "health", description = "For a load balancer: open to every client"))
)]
pub struct ApiDoc;

struct JwtAuth;

impl Modify for JwtAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as JSON, for a server with `cfg`.
pub fn document(cfg: &Config) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    constrain(&mut doc, cfg);
    common_answers(&mut doc);
    headless_paths(&mut doc, cfg);
    doc
}

/// django-allauth's headless API (crate::headless), both clients, with allauth's envelope. The
/// schemas follow allauth's own `headless/spec/doc/openapi.yaml` (65.22.1) where they can: the
/// envelope's `status`, `data`, `meta`, `errors[{message, code, param}]`.
fn headless_paths(doc: &mut Value, cfg: &Config) {
    let envelope = json!({
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "integer"},
            "data": {},
            "meta": {"type": "object"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["message", "code"],
                "properties": {"message": {"type": "string"}, "code": {"type": "string"},
                               "param": {"type": "string"}}}},
        },
    });
    let json_body = json!({"application/json": {"schema": envelope}});
    // Django's bare answers: a body that is not a JSON object (400), a CSRF failure (403), a
    // method the view does not take (405).
    let bare = json!({"text/html": {"schema": {"type": "string"}}});
    let mut either = json_body.clone();
    either["text/html"] = bare["text/html"].clone();
    let responses = |body: bool| {
        let mut r = json!({
            "200": {"description": "Done (allauth's envelope)", "content": json_body},
            "401": {"description": "Not authenticated, a pending flow, or reauthentication required (data.flows)", "content": json_body},
            "403": {"description": "A refused Host or Origin, or (browser client) a missing or wrong X-CSRFToken", "content": either},
            "404": {"description": "Nothing there (TOTP: with meta.secret and meta.totp_url)", "content": json_body},
            "409": {"description": "Conflict (already logged in, an authenticator already there)", "content": json_body},
            "410": {"description": "App client: an unknown or expired X-Session-Token", "content": json_body},
        });
        if body {
            r["400"] = json!({"description": "Invalid input (errors), or a body that is not a JSON object (no body)", "content": either});
            r["429"] = json!({"description": "allauth's per-IP rate limits", "content": json_body});
        }
        r
    };
    let text = json!({"type": "string", "maxLength": MAX_FIELD_CHARS});
    let body = |props: Value, required: Vec<&str>| {
        json!({"required": true, "content": {"application/json": {"schema": {
            "type": "object", "properties": props, "required": required}}}})
    };
    let code = json!({"code": text});
    let mut ops: Vec<(String, &str, Option<Value>, &str)> = Vec::new();
    for client in ["app", "browser"] {
        let p = |s: &str| format!("/_allauth/{client}/v1/{s}");
        ops.push((
            p("config"),
            "get",
            None,
            "allauth's configuration (data.account, data.mfa)",
        ));
        ops.push((
            p("auth/session"),
            "get",
            None,
            "The session: 200 with data.user, or 401 with data.flows",
        ));
        ops.push((
            p("auth/session"),
            "delete",
            None,
            "Log out (401 afterwards)",
        ));
        ops.push((
            p("auth/signup"),
            "post",
            Some(body(
                json!({"email": text, "password": text}),
                vec!["email", "password"],
            )),
            "Sign up and log in",
        ));
        ops.push((
            p("auth/login"),
            "post",
            Some(body(
                json!({"email": text, "password": text}),
                vec!["email", "password"],
            )),
            "Log in: 200, or 401 with the pending mfa_authenticate flow",
        ));
        ops.push((
            p("auth/reauthenticate"),
            "post",
            Some(body(json!({"password": text}), vec!["password"])),
            "Reauthenticate by password",
        ));
        ops.push((
            p("auth/2fa/authenticate"),
            "post",
            Some(body(code.clone(), vec!["code"])),
            "The second factor of a pending login: a TOTP or recovery code",
        ));
        ops.push((
            p("auth/2fa/reauthenticate"),
            "post",
            Some(body(code.clone(), vec!["code"])),
            "Reauthenticate by a TOTP or recovery code",
        ));
        if client == "browser" && cfg.trust {
            ops.push((
                p("auth/2fa/trust"),
                "post",
                Some(body(json!({"trust": {"type": "boolean"}}), vec![])),
                "Trust this browser (the mfa_trust stage; --trust)",
            ));
        }
        ops.push((
            p("account/authenticators"),
            "get",
            None,
            "The user's authenticators",
        ));
        ops.push((
            p("account/authenticators/totp"),
            "get",
            None,
            "TOTP: 200, or 404 with a new pending secret in meta",
        ));
        ops.push((
            p("account/authenticators/totp"),
            "post",
            Some(body(code.clone(), vec!["code"])),
            "Activate TOTP with a code of the pending secret",
        ));
        ops.push((
            p("account/authenticators/totp"),
            "delete",
            None,
            "Deactivate TOTP (reauthentication required)",
        ));
        ops.push((
            p("account/authenticators/recovery-codes"),
            "get",
            None,
            "Recovery codes with the unused ones (reauthentication required)",
        ));
        ops.push((
            p("account/authenticators/recovery-codes"),
            "post",
            Some(body(json!({}), vec![])),
            "Regenerate the recovery codes",
        ));
        if client == "app" {
            ops.push((
                p("tokens/refresh"),
                "post",
                Some(body(json!({"refresh_token": text}), vec!["refresh_token"])),
                "Refresh (the session-token strategy refreshes nothing: 400)",
            ));
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, method, req, summary) in ops {
        let client = if path.contains("/app/") {
            "app"
        } else {
            "browser"
        };
        let mut op = json!({
            "tags": [format!("allauth headless ({client})")],
            "summary": summary,
            "responses": responses(req.is_some() || method == "delete"),
        });
        if client == "app" {
            op["parameters"] = json!([{"name": "X-Session-Token", "in": "header", "required": false,
                "schema": {"type": "string"}}]);
        }
        if let Some(r) = req {
            op["requestBody"] = r;
        }
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = op;
    }
}

/// A required text field, trimmed by the server: not blank.
fn text() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_FIELD_CHARS, "pattern": "\\S"})
}

/// A required text field taken as typed (passwords).
fn raw() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_FIELD_CHARS})
}

/// An optional text field (blank is the same as absent).
fn optional() -> Value {
    json!({"type": ["string", "null"], "maxLength": MAX_FIELD_CHARS})
}

fn email() -> Value {
    json!({"type": "string", "minLength": 3, "maxLength": 254, "pattern": app::EMAIL_PATTERN,
           "description": "An e-mail address: one @, a dotted domain, no whitespace"})
}

fn new_password() -> Value {
    json!({"type": "string", "minLength": 8, "maxLength": MAX_FIELD_CHARS})
}

/// A request schema's name, its fields' schemas, and its required fields.
type RequestSchema = (&'static str, Vec<(&'static str, Value)>, Vec<&'static str>);

/// Sets the properties (and the required ones) of the request schemas: what the handlers check,
/// so that a request the schema allows is not refused for its shape, and one it forbids is.
fn constrain(doc: &mut Value, cfg: &Config) {
    let n = cfg.digits;
    let code = json!({"type": "string", "minLength": n, "maxLength": n,
                      "pattern": format!("^[0-9]{{{n}}}$"),
                      "description": format!("{n} digits")});
    // The refresh token travels in the body, or with `refresh-token-as-cookie` in the cookie.
    let (refresh, refresh_required) = if cfg.refresh_token_as_cookie {
        (optional(), vec![])
    } else {
        (text(), vec!["refresh"])
    };
    let offset_limit = 10 * 365 * 86_400;
    let schemas: Vec<RequestSchema> = vec![
        (
            "RegistrationRequest",
            vec![
                ("email", email()),
                ("password1", new_password()),
                ("password2", new_password()),
                ("first_name", optional()),
                ("last_name", optional()),
            ],
            vec!["email", "password1", "password2"],
        ),
        (
            "LoginRequest",
            vec![("email", text()), ("password", raw())],
            vec!["email", "password"],
        ),
        (
            "SetupRequest",
            vec![("setup_challenge_id", optional())],
            vec![],
        ),
        (
            "ActivateRequest",
            vec![("code", code.clone()), ("setup_challenge_id", optional())],
            vec!["code"],
        ),
        (
            "VerifyRequest",
            vec![("challenge_id", text()), ("code", code)],
            vec!["challenge_id", "code"],
        ),
        (
            "VerifyRecoveryRequest",
            vec![("challenge_id", text()), ("recovery_code", text())],
            vec!["challenge_id", "recovery_code"],
        ),
        (
            "DeactivateRequest",
            vec![("password", raw())],
            vec!["password"],
        ),
        (
            "RefreshRequest",
            vec![("refresh", refresh)],
            refresh_required,
        ),
        (
            "UserRegisterRequest",
            vec![
                ("email", email()),
                ("role", json!({"type": ["integer", "null"]})),
            ],
            vec!["email"],
        ),
        (
            "SetPasswordRequest",
            vec![
                ("new_password1", raw()),
                ("new_password2", raw()),
                ("key", optional()),
            ],
            vec!["new_password1", "new_password2"],
        ),
        (
            "CreateUserRequest",
            vec![
                ("email", email()),
                (
                    "password",
                    json!({"type": ["string", "null"], "minLength": 8, "maxLength": MAX_FIELD_CHARS}),
                ),
                ("enrolled", json!({"type": ["boolean", "null"]})),
                (
                    "secret",
                    json!({"type": ["string", "null"], "minLength": 26, "maxLength": MAX_FIELD_CHARS,
                           "pattern": qa::SECRET_PATTERN}),
                ),
            ],
            vec!["email"],
        ),
        (
            "ClockRequest",
            vec![(
                "offset_seconds",
                json!({"type": "integer", "minimum": -offset_limit, "maximum": offset_limit}),
            )],
            vec!["offset_seconds"],
        ),
    ];
    let Some(components) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    for (name, props, required) in schemas {
        let Some(schema) = components.get_mut(name).and_then(Value::as_object_mut) else {
            continue;
        };
        let fields = schema
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(fields) = fields {
            for (field, constraint) in props {
                // Keep the field's description, take the constraints.
                let description = fields
                    .get(field)
                    .and_then(|f| f.get("description"))
                    .cloned();
                let mut c = constraint;
                if let (Some(d), Some(obj)) = (description, c.as_object_mut()) {
                    obj.insert("description".into(), d);
                }
                fields.insert(field.into(), c);
            }
        }
        schema.insert("required".into(), json!(required));
    }
}

/// Answers any operation can give: 403 (a Host or Origin refused by the guard), and for
/// operations with a body 400 (not a JSON object), 413 (too large) and 415 (not JSON or a form; JSON only on the QA
/// endpoints and user-register).
fn common_answers(doc: &mut Value) {
    let error =
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"description": description, "content": error}));
            };
            add(
                "403",
                "A Host that is not a loopback name or address (or an allowed host), or a foreign Origin",
            );
            if has_body {
                add("400", "Malformed JSON, or a body that is not an object");
                add("413", "The body is larger than max-body-bytes");
                add(
                    "415",
                    "A content type other than JSON (or a form, where one is taken)",
                );
            }
        }
    }
}
