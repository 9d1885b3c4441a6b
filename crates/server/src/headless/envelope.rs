//! The envelope of the headless API: replies, the request context, cookies, allauth's codes and URLs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::app::{App, User};
use crate::crypto;
use crate::error::Result;

use super::*;

/// An answer in allauth's envelope (`headless/internal/restkit/response.py`, `APIResponse`).
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) data: Option<Value>,
    pub(super) meta: Option<Map<String, Value>>,
    pub(super) errors: Option<Vec<Value>>,
    /// Django's `HttpResponseBadRequest()` (malformed JSON) and 405: no body at all.
    pub(super) empty: bool,
    pub(super) cookies: Vec<String>,
    pub(super) allow: Option<&'static str>,
}

impl Reply {
    pub(super) fn status(status: u16) -> Self {
        Reply {
            status,
            data: None,
            meta: None,
            errors: None,
            empty: false,
            cookies: Vec::new(),
            allow: None,
        }
    }
    pub(super) fn data(status: u16, data: Value) -> Self {
        Reply {
            data: Some(data),
            ..Reply::status(status)
        }
    }
    pub(super) fn empty(status: u16) -> Self {
        Reply {
            empty: true,
            ..Reply::status(status)
        }
    }
    /// `ErrorResponse`: one error, `{"message", "code", "param"}` (no `param` for `__all__`).
    pub(super) fn error(code: &str, message: &str, param: Option<&str>) -> Self {
        let mut e = json!({"message": message, "code": code});
        if let Some(p) = param {
            e["param"] = json!(p);
        }
        Reply {
            errors: Some(vec![e]),
            ..Reply::status(400)
        }
    }
}

pub(super) fn required(param: &str) -> Reply {
    Reply::error("required", "This field is required.", Some(param))
}

pub(super) const INCORRECT_CODE: &str = "Incorrect code.";
pub(super) const TOO_MANY: &str = "Too many failed login attempts. Try again later.";

/// One request's view of its session.
pub(super) struct Ctx<'a> {
    pub(super) app: &'a App,
    pub(super) arc: Arc<App>,
    pub(super) client: Client,
    pub(super) ip: IpAddr,
    /// The session key the request came with (and still valid).
    pub(super) key: Option<String>,
    pub(super) sess: Session,
    /// Give the session a new key (login: Django's `cycle_key`).
    pub(super) cycle: bool,
    /// Delete the session (logout: `flush`).
    pub(super) flush: bool,
    pub(super) cookies_in: HashMap<String, String>,
}

pub(super) fn now_f(app: &App) -> f64 {
    let frac = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| f64::from(d.subsec_micros()) / 1e6)
        .unwrap_or(0.0);
    app.now() as f64 + frac
}

pub(super) fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for v in headers.get_all(header::COOKIE) {
        if let Ok(s) = v.to_str() {
            for part in s.split(';') {
                if let Some((k, v)) = part.trim().split_once('=') {
                    out.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
    }
    out
}

impl<'a> Ctx<'a> {
    pub(super) fn user(&self) -> Result<Option<User>> {
        match self.sess.user {
            Some(id) => self.app.user_by_id(id),
            None => Ok(None),
        }
    }

    /// The login stage pending, if not past `ACCOUNT_LOGIN_TIMEOUT` (`account/stages.py`).
    pub(super) fn pending(&mut self, stage: &str) -> Option<Pending> {
        let now = now_f(self.app);
        let p = self.sess.pending.clone()?;
        if now - p.started > self.app.cfg.login_timeout as f64 {
            self.sess.pending = None;
            return None;
        }
        (p.stage == stage).then_some(p)
    }

    /// Records an authentication by a second factor: the authenticator's id and type, and
    /// whether it reauthenticated a signed-in user.
    pub(super) fn record_mfa(&mut self, user: i64, id: i64, kind: &str, reauthenticated: bool) {
        let mut e = Map::new();
        e.insert("method".into(), json!("mfa"));
        e.insert("id".into(), json!(id));
        e.insert("type".into(), json!(kind));
        if reauthenticated {
            e.insert("reauthenticated".into(), json!(true));
        }
        self.record(user, e);
    }

    pub(super) fn record(&mut self, user: i64, mut entry: Map<String, Value>) {
        if self.sess.records_user != Some(user) {
            self.sess.records.clear();
            self.sess.records_user = Some(user);
        }
        let mut rec = Map::new();
        rec.insert(
            "method".into(),
            entry.remove("method").unwrap_or(Value::Null),
        );
        rec.insert("at".into(), json!(now_f(self.app)));
        rec.extend(entry);
        self.sess.records.push(Value::Object(rec));
    }

    pub(super) fn login(&mut self, user: i64) {
        self.sess.pending = None;
        self.sess.user = Some(user);
        self.cycle = true;
    }

    /// `account/internal/flows/reauthentication.py`, `get_reauthentication_flows`.
    pub(super) fn reauth_flows(&self, user: &User) -> Result<Vec<Value>> {
        let mut flows = Vec::new();
        if user.has_password() {
            flows.push(json!({"id": "reauthenticate"}));
        }
        let types = self.app.authenticator_types(user.id)?;
        if !types.is_empty() {
            flows.push(json!({"id": "mfa_reauthenticate", "types": types}));
        }
        Ok(flows)
    }

    /// `headless/base/response.py`, `BaseAuthenticationResponse`. `user` None with
    /// `anonymous_user` false is allauth's `user=None` (then `is_authenticated` is null).
    pub(super) fn auth_reply(&mut self, status: Option<u16>, as_none: bool) -> Result<Reply> {
        let user = if as_none { None } else { self.user()? };
        let mut data = Map::new();
        let status = match &user {
            Some(u) => {
                data.insert("user".into(), serialize_user(u));
                data.insert("methods".into(), Value::Array(self.records_for(u.id)));
                status.unwrap_or(200)
            }
            None => status.unwrap_or(401),
        };
        if status != 200 {
            let mut flows = match &user {
                Some(u) => self.reauth_flows(u)?,
                None => vec![json!({"id": "login"}), json!({"id": "signup"})],
            };
            let pending = self.sess.pending.clone();
            if let Some(p) = pending {
                if now_f(self.app) - p.started <= self.app.cfg.login_timeout as f64 {
                    let mut f = json!({"id": p.stage, "is_pending": true});
                    if p.stage == STAGE_MFA {
                        f["types"] = json!(self.app.authenticator_types(p.user)?);
                    }
                    flows.push(f);
                }
            }
            data.insert("flows".into(), Value::Array(flows));
        }
        let is_auth = match (&user, as_none) {
            (_, true) => Value::Null,
            (Some(_), _) => Value::Bool(true),
            (None, _) => Value::Bool(false),
        };
        let mut meta = Map::new();
        meta.insert("is_authenticated".into(), is_auth);
        Ok(Reply {
            meta: Some(meta),
            ..Reply::data(status, Value::Object(data))
        })
    }

    pub(super) fn records_for(&self, user: i64) -> Vec<Value> {
        if self.sess.records_user == Some(user) {
            self.sess.records.clone()
        } else {
            Vec::new()
        }
    }

    /// `account/internal/flows/reauthentication.py`, `did_recently_reauthenticate`: only a
    /// record marked `reauthenticated` counts (a login does not), within
    /// `ACCOUNT_REAUTHENTICATION_TIMEOUT`.
    pub(super) fn recently_reauthenticated(&self, user: &User) -> Result<bool> {
        if self.reauth_flows(user)?.is_empty() {
            return Ok(false);
        }
        let last = self
            .records_for(user.id)
            .iter()
            .rev()
            .find(|r| r.get("reauthenticated") == Some(&Value::Bool(true)))
            .and_then(|r| r.get("at").and_then(Value::as_f64));
        Ok(last
            .is_some_and(|at| now_f(self.app) - at < self.app.cfg.reauthentication_timeout as f64))
    }

    /// `mfa/base/internal/flows.py`, `check_rate_limit`, then `mfa/base/forms.py`,
    /// `BaseAuthenticateForm.clean_code`: every authenticator (TOTP first) tries the code.
    /// Returns the authenticator used, or the error reply.
    pub(super) fn check_code(
        &mut self,
        user: &User,
        code: &str,
    ) -> Result<std::result::Result<(i64, &'static str), Reply>> {
        let key = format!("mfa-auth-user-{}", user.id);
        let now = now_f(self.app);
        if self
            .app
            .rate_consume("login_failed", &LOGIN_FAILED, self.ip, &key, now)?
            .is_none()
        {
            return Ok(Err(Reply::error(
                "too_many_login_attempts",
                TOO_MANY,
                Some("code"),
            )));
        }
        if let Some(used) = self.app.allauth_validate_code(user.id, code)? {
            self.app
                .rate_clear("login_failed", &LOGIN_FAILED, self.ip, &key)?;
            return Ok(Ok(used));
        }
        Ok(Err(Reply::error(
            "incorrect_code",
            INCORRECT_CODE,
            Some("code"),
        )))
    }
}

pub(super) fn text_field(body: &Map<String, Value>, name: &str) -> Option<String> {
    // Django's CharField: a number or boolean becomes its text; blank is missing.
    let s = match body.get(name)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

pub(super) fn new_key() -> String {
    // Django's session keys: 32 characters of [a-z0-9].
    let bytes = crypto::random_bytes::<32>();
    bytes
        .iter()
        .map(|b| {
            let c = b % 36;
            if c < 10 {
                (b'0' + c) as char
            } else {
                (b'a' + c - 10) as char
            }
        })
        .collect()
}

pub(super) fn csrf_cookie(value: &str) -> String {
    format!("{CSRF_COOKIE}={value}; Max-Age=31449600; Path=/; SameSite=Lax")
}

pub(super) fn add_cookie(r: &mut Response, c: &str) {
    if let Ok(v) = HeaderValue::from_str(c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `APIResponse.__init__`: `{"status", "data"?, "meta"?, "errors"?}`, never cached; the app
/// client's new session token in `meta.session_token`.
pub(super) fn render(reply: Reply, session_token: Option<String>) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = if reply.empty {
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "",
        )
            .into_response()
    } else {
        let mut body = Map::new();
        body.insert("status".into(), json!(reply.status));
        if let Some(d) = reply.data {
            body.insert("data".into(), d);
        }
        let mut meta = reply.meta;
        if let Some(t) = session_token {
            meta.get_or_insert_with(Map::new)
                .insert("session_token".into(), json!(t));
        }
        if let Some(m) = meta {
            body.insert("meta".into(), Value::Object(m));
        }
        if let Some(e) = reply.errors.filter(|e| !e.is_empty()) {
            body.insert("errors".into(), Value::Array(e));
        }
        (status, axum::Json(Value::Object(body))).into_response()
    };
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=0, no-cache, no-store, must-revalidate, private"),
    );
    for c in &reply.cookies {
        add_cookie(&mut r, c);
    }
    if let Some(a) = reply.allow {
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(a));
    }
    r
}
