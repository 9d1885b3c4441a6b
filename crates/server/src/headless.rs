//! django-allauth's headless API for everything MFA touches, both clients:
//! `/_allauth/app/v1/…` (session token in `X-Session-Token`, issued in `meta.session_token`)
//! and `/_allauth/browser/v1/…` (a `sessionid` cookie and Django's CSRF token: the
//! `csrftoken` cookie echoed in `X-CSRFToken`).
//!
//! Followed: django-allauth 65.22.1 (docs/server.md pins it). Each rule names the upstream
//! file it follows; paths are relative to the `allauth/` package. The conformance test
//! (crates/server/tests/allauth/run.sh) runs one client through the TOTP life cycle against the
//! real library and against this module and compares every exchange.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use hmac::{Hmac, Mac};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Map, Value};
use sha1::Sha1;
use twofold_otp::Secret;
use zeroize::Zeroizing;

use crate::app::{App, User, TYPE_TOTP};
use crate::crypto;
use crate::db::Cached;
use crate::error::{Result, ServerError};

/// The session cookie of the browser client (Django's `SESSION_COOKIE_NAME`).
pub const SESSION_COOKIE: &str = "sessionid";
/// Django's `CSRF_COOKIE_NAME`; the browser client echoes it in `X-CSRFToken`.
pub const CSRF_COOKIE: &str = "csrftoken";
/// allauth's `MFA_TRUST_COOKIE_NAME`.
pub const TRUST_COOKIE: &str = "mfa_trusted";
const STAGE_MFA: &str = "mfa_authenticate";
const STAGE_TRUST: &str = "mfa_trust";

pub fn router() -> Router<Arc<App>> {
    Router::new().route("/_allauth/{client}/v1/{*rest}", any(handle))
}

/// Which headless client (`headless/constants.py`, `Client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    App,
    Browser,
}

/// A login waiting at one of its stages (`account/stages.py`, `LoginStageController`).
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    user: i64,
    stage: &'static str,
    started: f64,
}

/// A Django session as allauth fills it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Session {
    user: Option<i64>,
    pending: Option<Pending>,
    /// `mfa/totp/internal/auth.py`, `SECRET_SESSION_KEY`: the secret being activated.
    totp_secret: Option<Zeroizing<String>>,
    /// `account/internal/flows/login.py`, `record_authentication`: the session's
    /// authentication records, for the user `records_user`.
    records: Vec<Value>,
    records_user: Option<i64>,
}

impl Session {
    fn is_empty(&self) -> bool {
        self.user.is_none()
            && self.pending.is_none()
            && self.totp_secret.is_none()
            && self.records.is_empty()
    }
}

/// The headless face's state: sessions in memory (a restart logs everyone out), allauth's rate
/// limit history and its cache of used TOTP codes.
#[derive(Default)]
pub struct HeadlessState {
    sessions: Mutex<HashMap<String, Session>>,
    /// `core/internal/ratelimit.py`: hit times per cache key, newest first.
    hits: Mutex<HashMap<String, Vec<f64>>>,
    /// `mfa/totp/internal/auth.py`, `_mark_code_used`: (user, code) -> expiry.
    used_codes: Mutex<HashMap<(i64, String), f64>>,
    /// `ACCOUNT_RATE_LIMITS = False` (`--no-account-rate-limits`): every rate allows.
    pub(crate) rate_limits_off: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One rate of allauth's (`core/internal/ratelimit.py`, `Rate`): `amount` hits per
/// `duration` seconds, per IP or per key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    pub amount: usize,
    pub duration: f64,
    pub per_ip: bool,
}

/// `account/app_settings.py`, `RATE_LIMITS["login_failed"]`: `10/m/ip,5/300s/key`.
pub(crate) const LOGIN_FAILED: [Rate; 2] = [
    Rate {
        amount: 10,
        duration: 60.0,
        per_ip: true,
    },
    Rate {
        amount: 5,
        duration: 300.0,
        per_ip: false,
    },
];
/// `RATE_LIMITS["login"]`: `30/m/ip`.
const LOGIN: [Rate; 1] = [Rate {
    amount: 30,
    duration: 60.0,
    per_ip: true,
}];
/// `RATE_LIMITS["signup"]`: `20/m/ip`.
const SIGNUP: [Rate; 1] = [Rate {
    amount: 20,
    duration: 60.0,
    per_ip: true,
}];

/// `core/internal/ratelimit.py`, `apply_rate`: drops hits older than the rate's duration;
/// allowed while fewer than `amount` remain, and then the hit is recorded (newest first).
pub(crate) fn apply_rate(history: &mut Vec<f64>, now: f64, rate: Rate) -> bool {
    while history.last().is_some_and(|t| *t <= now - rate.duration) {
        history.pop();
    }
    let allowed = history.len() < rate.amount;
    if allowed {
        history.insert(0, now);
    }
    allowed
}

impl HeadlessState {
    pub(crate) fn new(rate_limits_off: bool) -> Self {
        HeadlessState {
            rate_limits_off,
            ..Default::default()
        }
    }

    fn cache_key(action: &str, rate: Rate, ip: IpAddr, key: &str) -> String {
        if rate.per_ip {
            format!("{action}:{}/{}:ip:{ip}", rate.amount, rate.duration)
        } else {
            format!("{action}:{}/{}:key:{key}", rate.amount, rate.duration)
        }
    }

    /// `ratelimit.consume`: every rate in turn; the first that refuses stops (its earlier ones
    /// keep their hit, as upstream). Returns the hits taken (for a rollback) or `None`.
    fn consume(
        &self,
        action: &str,
        rates: &[Rate],
        ip: IpAddr,
        key: &str,
        now: f64,
    ) -> Option<Vec<(String, f64)>> {
        if self.rate_limits_off {
            return Some(Vec::new());
        }
        let mut hits = lock(&self.hits);
        if hits.len() > 100_000 {
            hits.retain(|_, h| h.first().is_some_and(|t| now - t < 3600.0));
        }
        let mut taken = Vec::new();
        for rate in rates {
            let k = Self::cache_key(action, *rate, ip, key);
            let history = hits.entry(k.clone()).or_default();
            if !apply_rate(history, now, *rate) {
                return None;
            }
            taken.push((k, now));
        }
        Some(taken)
    }

    /// `SingleRateLimitUsage.rollback`: takes the hits back (a successful password login).
    fn rollback(&self, taken: &[(String, f64)]) {
        let mut hits = lock(&self.hits);
        for (k, t) in taken {
            if let Some(h) = hits.get_mut(k) {
                h.retain(|x| x != t);
            }
        }
    }

    /// `ratelimit.clear`: forgets the history of every rate (the IP's too).
    fn clear(&self, action: &str, rates: &[Rate], ip: IpAddr, key: &str) {
        let mut hits = lock(&self.hits);
        for rate in rates {
            hits.remove(&Self::cache_key(action, *rate, ip, key));
        }
    }

    /// `cache.add(key, "y", timeout)`: true when the code was not marked used yet.
    fn mark_used(&self, user: i64, code: &str, now: f64, timeout: f64) -> bool {
        let mut used = lock(&self.used_codes);
        if used.len() > 100_000 {
            used.retain(|_, exp| *exp > now);
        }
        match used.get(&(user, code.to_string())) {
            Some(exp) if *exp > now => false,
            _ => {
                used.insert((user, code.to_string()), now + timeout);
                true
            }
        }
    }
}

/// `recovery_codes/internal/auth.py`, `RecoveryCodes.generate_codes`: one HMAC-SHA1 keyed with
/// the seed's hex text, fed `f"{i:3},"` for each code in turn (cumulatively), the first
/// `RECOVERY_CODE_DIGITS // 2` bytes of each digest big-endian, modulo 10^8, zero-filled.
pub(crate) fn allauth_recovery_codes(seed: &[u8], count: u32) -> Vec<String> {
    const DIGITS: u32 = 8;
    let mut h = <Hmac<Sha1> as Mac>::new_from_slice(seed).expect("any key length");
    (0..count)
        .map(|i| {
            h.update(format!("{i:3},").as_bytes());
            let d = h.clone().finalize().into_bytes();
            let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % 10u32.pow(DIGITS);
            format!("{n:08}")
        })
        .collect()
}

/// Python's `urllib.parse.quote` (`safe` kept besides the unreserved characters).
fn quote(s: &str, safe: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `mfa/adapter.py`, `build_totp_url`: the label is the bare e-mail; `digits` and `period`
/// appear only when not the defaults; the algorithm never (SHA1).
pub(crate) fn allauth_totp_url(
    email: &str,
    secret: &str,
    issuer: &str,
    digits: u32,
    period: u64,
) -> String {
    let mut url = format!(
        "otpauth://totp/{}?secret={}&issuer={}",
        quote(email, "/"),
        quote(secret, ""),
        quote(issuer, "")
    );
    if digits != 6 {
        url.push_str(&format!("&digits={digits}"));
    }
    if period != 30 {
        url.push_str(&format!("&period={period}"));
    }
    url
}

/// An answer in allauth's envelope (`headless/internal/restkit/response.py`, `APIResponse`).
struct Reply {
    status: u16,
    data: Option<Value>,
    meta: Option<Map<String, Value>>,
    errors: Option<Vec<Value>>,
    /// Django's `HttpResponseBadRequest()` (malformed JSON) and 405: no body at all.
    empty: bool,
    cookies: Vec<String>,
    allow: Option<&'static str>,
}

impl Reply {
    fn status(status: u16) -> Self {
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
    fn data(status: u16, data: Value) -> Self {
        Reply {
            data: Some(data),
            ..Reply::status(status)
        }
    }
    fn empty(status: u16) -> Self {
        Reply {
            empty: true,
            ..Reply::status(status)
        }
    }
    /// `ErrorResponse`: one error, `{"message", "code", "param"}` (no `param` for `__all__`).
    fn error(code: &str, message: &str, param: Option<&str>) -> Self {
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

fn required(param: &str) -> Reply {
    Reply::error("required", "This field is required.", Some(param))
}

const INCORRECT_CODE: &str = "Incorrect code.";
const TOO_MANY: &str = "Too many failed login attempts. Try again later.";

/// One request's view of its session.
struct Ctx<'a> {
    app: &'a App,
    arc: Arc<App>,
    client: Client,
    ip: IpAddr,
    /// The session key the request came with (and still valid).
    key: Option<String>,
    sess: Session,
    /// Give the session a new key (login: Django's `cycle_key`).
    cycle: bool,
    /// Delete the session (logout: `flush`).
    flush: bool,
    cookies_in: HashMap<String, String>,
}

fn now_f(app: &App) -> f64 {
    let frac = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| f64::from(d.subsec_micros()) / 1e6)
        .unwrap_or(0.0);
    app.now() as f64 + frac
}

fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
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
    fn user(&self) -> Result<Option<User>> {
        match self.sess.user {
            Some(id) => self.app.user_by_id(id),
            None => Ok(None),
        }
    }

    /// The login stage pending, if not past `ACCOUNT_LOGIN_TIMEOUT` (`account/stages.py`).
    fn pending(&mut self, stage: &str) -> Option<Pending> {
        let now = now_f(self.app);
        let p = self.sess.pending.clone()?;
        if now - p.started > self.app.cfg.login_timeout as f64 {
            self.sess.pending = None;
            return None;
        }
        (p.stage == stage).then_some(p)
    }

    fn record(&mut self, user: i64, mut entry: Map<String, Value>) {
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

    fn login(&mut self, user: i64) {
        self.sess.pending = None;
        self.sess.user = Some(user);
        self.cycle = true;
    }

    /// `account/internal/flows/reauthentication.py`, `get_reauthentication_flows`.
    fn reauth_flows(&self, user: &User) -> Result<Vec<Value>> {
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
    fn auth_reply(&mut self, status: Option<u16>, as_none: bool) -> Result<Reply> {
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

    fn records_for(&self, user: i64) -> Vec<Value> {
        if self.sess.records_user == Some(user) {
            self.sess.records.clone()
        } else {
            Vec::new()
        }
    }

    /// `account/internal/flows/reauthentication.py`, `did_recently_reauthenticate`: only a
    /// record marked `reauthenticated` counts (a login does not), within
    /// `ACCOUNT_REAUTHENTICATION_TIMEOUT`.
    fn recently_reauthenticated(&self, user: &User) -> Result<bool> {
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
    fn check_code(
        &mut self,
        user: &User,
        code: &str,
    ) -> Result<std::result::Result<(i64, &'static str), Reply>> {
        let key = format!("mfa-auth-user-{}", user.id);
        let now = now_f(self.app);
        let h = &self.app.headless;
        if h.consume("login_failed", &LOGIN_FAILED, self.ip, &key, now)
            .is_none()
        {
            return Ok(Err(Reply::error(
                "too_many_login_attempts",
                TOO_MANY,
                Some("code"),
            )));
        }
        if let Some(used) = self.app.allauth_validate_code(user.id, code)? {
            h.clear("login_failed", &LOGIN_FAILED, self.ip, &key);
            return Ok(Ok(used));
        }
        Ok(Err(Reply::error(
            "incorrect_code",
            INCORRECT_CODE,
            Some("code"),
        )))
    }
}

/// `headless/adapter.py`, `serialize_user`: empty values left out. Twofold's users have no user
/// name of their own: the e-mail's local part stands in (allauth derives one from it too).
fn serialize_user(u: &User) -> Value {
    let username = u.email.split('@').next().unwrap_or("").to_string();
    json!({
        "id": u.id,
        "display": username,
        "email": u.email,
        "has_usable_password": u.has_password(),
        "username": username,
    })
}

/// `headless/mfa/response.py`, `_authenticator_data`.
fn authenticator_data(a: &Authenticator, sensitive: bool) -> Value {
    let mut d = json!({
        "type": a.kind,
        "created_at": a.created_at as f64,
        "last_used_at": a.last_used_at.map(|t| t as f64),
    });
    if let Some((total, unused)) = &a.codes {
        d["total_code_count"] = json!(total);
        d["unused_code_count"] = json!(unused.len());
        if sensitive {
            d["unused_codes"] = json!(unused);
        }
    }
    d
}

/// An authenticator row as the headless API shows it.
pub(crate) struct Authenticator {
    pub id: i64,
    pub kind: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Recovery codes: (total, unused).
    pub codes: Option<(usize, Vec<String>)>,
}

impl App {
    /// The user's authenticators in id order (allauth's default ordering).
    pub(crate) fn allauth_authenticators(&self, user_id: i64) -> Result<Vec<Authenticator>> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT id, type, created_at, last_used_at FROM authenticators WHERE user_id = ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map(params![user_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        rows.into_iter()
            .map(|(id, kind, created_at, last_used_at)| {
                let codes = if kind == "recovery_codes" {
                    self.recovery_state(user_id)?.map(|(_, all, mask)| {
                        let unused = all
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1u64 << i) == 0)
                            .map(|(_, c)| c.clone())
                            .collect();
                        (all.len(), unused)
                    })
                } else {
                    None
                };
                Ok(Authenticator {
                    id,
                    kind,
                    created_at,
                    last_used_at,
                    codes,
                })
            })
            .collect()
    }

    /// The types of the user's authenticators, in `Authenticator.Type`'s order
    /// (`mfa/models.py`: recovery_codes, totp, webauthn).
    pub(crate) fn authenticator_types(&self, user_id: i64) -> Result<Vec<&'static str>> {
        let kinds: Vec<String> = self
            .allauth_authenticators(user_id)?
            .into_iter()
            .map(|a| a.kind)
            .collect();
        Ok(["recovery_codes", "totp"]
            .into_iter()
            .filter(|t| kinds.iter().any(|k| k == t))
            .collect())
    }

    /// `mfa/totp/internal/auth.py`, `validate_totp_code`: the code of any step within the
    /// tolerance (allauth: 0), nothing stored.
    fn totp_code_valid(&self, secret: &Secret, code: &str) -> bool {
        if self.bypass(code) {
            return true;
        }
        twofold_otp::verify::verify_totp(
            secret,
            &self.otp_params(),
            code,
            self.now(),
            self.cfg.tolerance,
        )
        .ok()
        .flatten()
        .is_some()
    }

    /// One code against every authenticator of the user, as `BaseAuthenticateForm.clean_code`:
    /// TOTP (`TOTP.validate_code`: valid, then marked used for the
    /// `TOTP_PERIOD * (2 * TOTP_TOLERANCE + 1)` seconds it stays valid — a used code is refused
    /// for that long), then the recovery codes (`RecoveryCodes.validate_code`). The
    /// authenticator used gets its `last_used_at` (`Authenticator.record_usage`).
    pub(crate) fn allauth_validate_code(
        &self,
        user_id: i64,
        code: &str,
    ) -> Result<Option<(i64, &'static str)>> {
        for a in self.allauth_authenticators(user_id)? {
            let ok = if a.kind == TYPE_TOTP {
                self.allauth_check_totp(user_id, code)?
            } else {
                self.spend_recovery_code(user_id, code)?
            };
            if ok {
                self.conn().exec(
                    "UPDATE authenticators SET last_used_at = ?1 WHERE id = ?2",
                    params![self.now() as i64, a.id],
                )?;
                let kind = if a.kind == TYPE_TOTP {
                    "totp"
                } else {
                    "recovery_codes"
                };
                return Ok(Some((a.id, kind)));
            }
        }
        Ok(None)
    }

    /// `mfa/totp/internal/auth.py`, `TOTP.validate_code`: a valid code is accepted once, then
    /// refused for the `TOTP_PERIOD * (2 * TOTP_TOLERANCE + 1)` seconds it could still be
    /// valid (`_mark_code_used`, a cache entry per user and code): allauth keeps no last step.
    pub(crate) fn allauth_check_totp(&self, user_id: i64, code: &str) -> Result<bool> {
        let blob: Option<Vec<u8>> = self
            .conn()
            .row(
                "SELECT data FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(blob) = blob else { return Ok(false) };
        if self.bypass(code) {
            return Ok(true);
        }
        let secret = Secret::from_bytes(
            self.keys
                .decrypt(&Self::secret_aad(user_id, TYPE_TOTP), &blob)?
                .to_vec(),
        );
        if !self.totp_code_valid(&secret, code) {
            return Ok(false);
        }
        let timeout = (self.cfg.period * (2 * self.cfg.tolerance + 1)) as f64;
        let normalized: String = code.split_whitespace().collect();
        Ok(self
            .headless
            .mark_used(user_id, &normalized, now_f(self), timeout))
    }

    /// `RecoveryCodes.validate_code`: the first unused code equal to the one typed is spent.
    fn spend_recovery_code(&self, user_id: i64, code: &str) -> Result<bool> {
        let Some((id, codes, mask)) = self.recovery_state(user_id)? else {
            return Ok(false);
        };
        let hit = codes.iter().enumerate().find(|(i, c)| {
            mask & (1u64 << i) == 0 && twofold_otp::verify::codes_equal(c, code.trim())
        });
        let Some((i, _)) = hit else { return Ok(false) };
        let bit = 1i64 << i;
        let n = self.conn().exec(
            "UPDATE authenticators SET used_mask = used_mask | ?1 WHERE id = ?2 AND (used_mask & ?1) = 0",
            params![bit, id],
        )?;
        Ok(n == 1)
    }

    /// `mfa/totp/internal/flows.py`, `activate_totp`: the TOTP authenticator (never used yet,
    /// so `last_used_at` null), and recovery codes when the user has none
    /// (`auto_generate_recovery_codes`).
    fn allauth_activate(&self, user: &User, secret: &str) -> Result<()> {
        let secret =
            Secret::from_base32(secret).map_err(|_| ServerError::bad_request("Invalid secret."))?;
        let blob = self
            .keys
            .encrypt(&Self::secret_aad(user.id, TYPE_TOTP), secret.as_bytes())?;
        self.batch(|| {
            self.conn().exec(
                "INSERT INTO authenticators (user_id, type, data, created_at) VALUES (?1, 'totp', ?2, ?3)",
                params![user.id, blob, self.now() as i64],
            )?;
            if self.recovery_state(user.id)?.is_none() {
                self.new_recovery_codes(user.id)?;
            }
            Ok(())
        })
    }

    /// `mfa/base/internal/flows.py`, `delete_and_cleanup`: the TOTP authenticator, and the
    /// recovery codes left dangling without it.
    fn allauth_deactivate(&self, user_id: i64) -> Result<()> {
        self.batch(|| {
            self.conn().exec(
                "DELETE FROM authenticators WHERE user_id = ?1 AND type = 'totp'",
                params![user_id],
            )?;
            self.conn().exec(
                "DELETE FROM authenticators WHERE user_id = ?1 AND NOT EXISTS (SELECT 1 FROM authenticators WHERE user_id = ?1 AND type != 'recovery_codes')",
                params![user_id],
            )?;
            Ok(())
        })
    }

    /// `mfa/internal/flows/trust.py`, `create_config_fingerprint`: changes with the password
    /// and the authenticators, so that a trust given before such a change no longer holds.
    fn trust_fingerprint(&self, user: &User) -> Result<String> {
        let mut parts = vec![user.id.to_string(), user.password_fingerprint()];
        for a in self.allauth_authenticators(user.id)? {
            parts.push(a.id.to_string());
            parts.push(a.kind.clone());
            parts.push(a.created_at.to_string());
        }
        let mac = self
            .keys
            .mac(format!("allauth.mfa.trust|{}", parts.join("|")).as_bytes());
        Ok(mac.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// `trust.py`, `decode_trust_cookie` / `is_trusted_browser`.
    fn trusted(&self, cookie: Option<&String>, user: &User) -> Result<bool> {
        let Some(value) = cookie else {
            return Ok(false);
        };
        let fp = self.trust_fingerprint(user)?;
        let now = self.now();
        Ok(value.split('.').any(|entry| {
            let Some((at, rest)) = entry.split_once('-') else {
                return false;
            };
            let Some((fingerprint, sig)) = rest.split_once('-') else {
                return false;
            };
            let expect = self
                .keys
                .mac(format!("trust|{at}|{fingerprint}").as_bytes());
            let expect: String = expect[..16].iter().map(|b| format!("{b:02x}")).collect();
            let at: u64 = at.parse().unwrap_or(0);
            crypto::digest(sig) == crypto::digest(&expect)
                && fingerprint == fp
                && at + self.cfg.trust_cookie_age > now
        }))
    }

    fn trust_cookie(&self, existing: Option<&String>, user: &User) -> Result<String> {
        let fp = self.trust_fingerprint(user)?;
        let at = self.now();
        let sig = self.keys.mac(format!("trust|{at}|{fp}").as_bytes());
        let sig: String = sig[..16].iter().map(|b| format!("{b:02x}")).collect();
        let mut entries: Vec<String> = existing
            .map(|v| v.split('.').map(str::to_string).collect())
            .unwrap_or_default();
        entries.retain(|e| !e.is_empty());
        entries.truncate(16);
        entries.push(format!("{at}-{fp}-{sig}"));
        Ok(entries.join("."))
    }
}

fn text_field(body: &Map<String, Value>, name: &str) -> Option<String> {
    // Django's CharField: a number or boolean becomes its text; blank is missing.
    let s = match body.get(name)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn new_key() -> String {
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

async fn handle(
    State(app): State<Arc<App>>,
    Path((client, rest)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().cloned();
    let method = req.method().clone();
    let headers = req.headers().clone();
    let limit = app.cfg.max_body_bytes;
    let body: std::result::Result<Bytes, ()> = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ());
    let client = match client.as_str() {
        "app" => Client::App,
        "browser" => Client::Browser,
        _ => return ServerError::api(StatusCode::NOT_FOUND, "Not found.").into_response(),
    };
    // Django resolves the URL and the view's methods before any middleware's answer reaches
    // the view: an unknown path is 404, a method the view does not take 405 (with `Allow`).
    match methods(client, app.cfg.trust, &rest) {
        None => return ServerError::api(StatusCode::NOT_FOUND, "Not found.").into_response(),
        Some(allowed) if !allowed.contains(&method.as_str()) => {
            return render(not_allowed(&rest), None)
        }
        Some(_) => {}
    }
    let ip = peer
        .map(|ConnectInfo(p)| p.ip().to_canonical())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let cookies_in = cookies(&headers);
    let mut set_cookies = Vec::new();
    // Browser: Django's CsrfViewMiddleware (the token is set by every headless browser view,
    // `headless/internal/decorators.py`, `browser_view`: `get_token`).
    let mut csrf = cookies_in.get(CSRF_COOKIE).cloned();
    if client == Client::Browser {
        if csrf.as_deref().is_none_or(|c| c.len() != 32) {
            csrf = None;
        }
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method {
            let sent = headers.get("x-csrftoken").and_then(|v| v.to_str().ok());
            let ok = match (&csrf, sent) {
                (Some(c), Some(s)) => crypto::digest(c) == crypto::digest(s),
                _ => false,
            };
            if !ok {
                let mut r = (
                    StatusCode::FORBIDDEN,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>",
                )
                    .into_response();
                if csrf.is_none() {
                    add_cookie(&mut r, &csrf_cookie(&new_key()));
                }
                return r;
            }
        }
        if csrf.is_none() {
            set_cookies.push(csrf_cookie(&new_key()));
        }
    }
    // The session.
    let (key, sess) = match client {
        Client::App => match headers.get("x-session-token") {
            None => (None, Session::default()),
            Some(v) => {
                let token = v.to_str().unwrap_or("").to_string();
                let found = lock(&app.headless.sessions).get(&token).cloned();
                match found {
                    Some(s) => (Some(token), s),
                    // `headless/internal/authkit.py`: an unknown or expired session token is
                    // 410 Gone, whatever the request.
                    None => {
                        let mut ctx = Ctx {
                            app: &app,
                            arc: app.clone(),
                            client,
                            ip,
                            key: None,
                            sess: Session::default(),
                            cycle: false,
                            flush: false,
                            cookies_in,
                        };
                        return match ctx.auth_reply(Some(410), true) {
                            Ok(r) => render(r, None),
                            Err(e) => e.into_response(),
                        };
                    }
                }
            }
        },
        Client::Browser => {
            let k = cookies_in.get(SESSION_COOKIE).cloned();
            let found = k
                .as_ref()
                .and_then(|k| lock(&app.headless.sessions).get(k).cloned());
            match found {
                Some(s) => (k, s),
                None => (None, Session::default()),
            }
        }
    };
    let before = sess.clone();
    let mut ctx = Ctx {
        app: &app,
        arc: app.clone(),
        client,
        ip,
        key,
        sess,
        cycle: false,
        flush: false,
        cookies_in,
    };
    // `headless/internal/restkit/views.py`, `_parse_json`: a body that is not a JSON object
    // is a bare 400 (whatever the content type; Django reads the body as JSON). Too large a
    // body is Django's 400 too (`RequestDataTooBig`).
    let input = if method == Method::GET {
        Map::new()
    } else {
        match body {
            Err(_) => return render(Reply::empty(400), None),
            Ok(b) if b.is_empty() => Map::new(),
            Ok(b) => match std::str::from_utf8(&b)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
            {
                Some(Value::Object(m)) => m,
                _ => return render(Reply::empty(400), None),
            },
        }
    };
    let reply = match route(&mut ctx, &method, &rest, &input).await {
        Ok(r) => r,
        Err(e) => {
            let status = e.status();
            if status.is_server_error() {
                return e.into_response();
            }
            Reply::status(status.as_u16())
        }
    };
    // Save the session.
    let mut issued = None;
    let modified = ctx.sess != before;
    {
        let mut sessions = lock(&app.headless.sessions);
        if ctx.flush {
            if let Some(k) = &ctx.key {
                sessions.remove(k);
            }
        } else if !ctx.sess.is_empty() || ctx.key.is_some() {
            let k = match (&ctx.key, ctx.cycle) {
                (Some(k), false) => k.clone(),
                (old, _) => {
                    if let Some(o) = old {
                        sessions.remove(o);
                    }
                    let k = new_key();
                    issued = Some(k.clone());
                    k
                }
            };
            if sessions.len() > 100_000 {
                sessions.retain(|_, s| s.user.is_some());
            }
            sessions.insert(k, ctx.sess.clone());
        }
    }
    let mut reply = reply;
    reply.cookies.extend(set_cookies);
    let token = match client {
        Client::App => issued,
        Client::Browser => {
            // Django's SessionMiddleware sends the cookie whenever the session changed.
            let k = issued.or_else(|| ctx.key.clone().filter(|_| modified && !ctx.flush));
            if let Some(k) = k {
                reply.cookies.push(format!(
                    "{SESSION_COOKIE}={k}; HttpOnly; Path=/; SameSite=Lax"
                ));
            }
            None
        }
    };
    render(reply, token)
}

fn csrf_cookie(value: &str) -> String {
    format!("{CSRF_COOKIE}={value}; Max-Age=31449600; Path=/; SameSite=Lax")
}

fn add_cookie(r: &mut Response, c: &str) {
    if let Ok(v) = HeaderValue::from_str(c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `APIResponse.__init__`: `{"status", "data"?, "meta"?, "errors"?}`, never cached; the app
/// client's new session token in `meta.session_token`.
fn render(reply: Reply, session_token: Option<String>) -> Response {
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

/// The routes (`headless/urls.py`, `account/urls.py`, `mfa/urls.py`, `tokens/urls.py`).
async fn route(
    ctx: &mut Ctx<'_>,
    method: &Method,
    path: &str,
    input: &Map<String, Value>,
) -> Result<Reply> {
    let app = ctx.app;
    let m = method.clone();
    match (path, m) {
        ("config", Method::GET) => Ok(config(app)),
        ("auth/session", Method::GET) => ctx.auth_reply(None, false),
        ("auth/session", Method::DELETE) => {
            ctx.sess = Session::default();
            ctx.flush = true;
            ctx.auth_reply(None, false)
        }
        ("auth/signup", Method::POST) => signup(ctx, input).await,
        ("auth/login", Method::POST) => login(ctx, input).await,
        ("auth/reauthenticate", Method::POST) => reauthenticate(ctx, input).await,
        ("auth/2fa/authenticate", Method::POST) => two_factor(ctx, input),
        ("auth/2fa/reauthenticate", Method::POST) => {
            let Some(user) = ctx.user()? else {
                return ctx.auth_reply(None, false);
            };
            let Some(code) = text_field(input, "code") else {
                return Ok(required("code"));
            };
            match ctx.check_code(&user, &code)? {
                Err(r) => Ok(r),
                Ok((id, kind)) => {
                    let mut e = Map::new();
                    e.insert("method".into(), json!("mfa"));
                    e.insert("id".into(), json!(id));
                    e.insert("type".into(), json!(kind));
                    e.insert("reauthenticated".into(), json!(true));
                    ctx.record(user.id, e);
                    ctx.auth_reply(None, false)
                }
            }
        }
        ("auth/2fa/trust", Method::POST) if ctx.client == Client::Browser && app.cfg.trust => {
            let Some(p) = ctx.pending(STAGE_TRUST) else {
                return ctx.auth_reply(None, true);
            };
            let trust = match input.get("trust") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Ok(Reply::error(
                        "invalid",
                        "Enter a valid boolean.",
                        Some("trust"),
                    ))
                }
            };
            let mut reply = Reply::status(200);
            if trust {
                if let Some(user) = app.user_by_id(p.user)? {
                    let c = app.trust_cookie(ctx.cookies_in.get(TRUST_COOKIE), &user)?;
                    reply.cookies.push(format!(
                        "{TRUST_COOKIE}={c}; Max-Age={}; Path=/; SameSite=Lax",
                        app.cfg.trust_cookie_age
                    ));
                }
            }
            ctx.login(p.user);
            let mut r = ctx.auth_reply(None, false)?;
            r.cookies.extend(reply.cookies);
            Ok(r)
        }
        ("account/authenticators", Method::GET) => {
            let Some(user) = ctx.user()? else {
                return ctx.auth_reply(None, false);
            };
            let list = app
                .allauth_authenticators(user.id)?
                .iter()
                .map(|a| authenticator_data(a, false))
                .collect();
            Ok(Reply::data(200, Value::Array(list)))
        }
        ("account/authenticators/totp", Method::GET | Method::POST | Method::DELETE) => {
            totp(ctx, method, input)
        }
        ("account/authenticators/recovery-codes", Method::GET | Method::POST) => {
            recovery_codes(ctx, method)
        }
        ("tokens/refresh", Method::POST) if ctx.client == Client::App => {
            // The session-token strategy (allauth's default) refreshes nothing:
            // `tokens/views.py` answers a bare 400.
            if text_field(input, "refresh_token").is_none() {
                return Ok(required("refresh_token"));
            }
            Ok(Reply::status(400))
        }
        (
            "config"
            | "auth/session"
            | "auth/signup"
            | "auth/login"
            | "auth/reauthenticate"
            | "auth/2fa/authenticate"
            | "auth/2fa/reauthenticate"
            | "account/authenticators"
            | "account/authenticators/totp"
            | "account/authenticators/recovery-codes",
            _,
        ) => Ok(not_allowed(path)),
        ("auth/2fa/trust", _) if ctx.client == Client::Browser && app.cfg.trust => {
            Ok(not_allowed(path))
        }
        ("tokens/refresh", _) if ctx.client == Client::App => Ok(not_allowed(path)),
        _ => Err(ServerError::api(StatusCode::NOT_FOUND, "Not found.")),
    }
}

/// The methods each route's view takes (`None`: no such route for this client).
fn methods(client: Client, trust: bool, path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "config" | "account/authenticators" => &["GET"],
        "auth/session" => &["GET", "DELETE"],
        "account/authenticators/totp" => &["GET", "POST", "DELETE"],
        "account/authenticators/recovery-codes" => &["GET", "POST"],
        "auth/signup"
        | "auth/login"
        | "auth/reauthenticate"
        | "auth/2fa/authenticate"
        | "auth/2fa/reauthenticate" => &["POST"],
        "auth/2fa/trust" if client == Client::Browser && trust => &["POST"],
        "tokens/refresh" if client == Client::App => &["POST"],
        _ => return None,
    })
}

/// Django's `View.http_method_not_allowed`: 405, no body, `Allow` naming the view's methods.
fn not_allowed(path: &str) -> Reply {
    let allow = match path {
        "config" | "account/authenticators" => "GET, OPTIONS",
        "auth/session" => "GET, DELETE, OPTIONS",
        "account/authenticators/totp" => "GET, POST, DELETE, OPTIONS",
        "account/authenticators/recovery-codes" => "GET, POST, OPTIONS",
        _ => "POST, OPTIONS",
    };
    Reply {
        allow: Some(allow),
        ..Reply::empty(405)
    }
}

/// `headless/base/response.py`, `get_config_data`, and `headless/mfa/response.py`.
fn config(_app: &App) -> Reply {
    Reply::data(
        200,
        json!({
            "account": {
                "login_methods": ["email"],
                "is_open_for_signup": true,
                "email_verification_by_code_enabled": false,
                "login_by_code_enabled": false,
                "password_reset_by_code_enabled": false,
                "authentication_method": "email",
            },
            "mfa": {"supported_types": ["recovery_codes", "totp"], "passkey_login_enabled": false},
        }),
    )
}

async fn signup(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    if ctx.sess.user.is_some() {
        return Ok(Reply::status(409));
    }
    if app
        .headless
        .consume("signup", &SIGNUP, ctx.ip, "", now_f(app))
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
    fn app_arc(&self) -> Arc<App> {
        self.arc.clone()
    }
}

async fn login(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    // `account/views.py`: rate_limit(action="login") on the view, before the input.
    if app
        .headless
        .consume("login", &LOGIN, ctx.ip, "", now_f(app))
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
    let Some(taken) = app
        .headless
        .consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now_f(app))
    else {
        return Ok(Reply::error("too_many_login_attempts", TOO_MANY, None));
    };
    let a2 = ctx.app_arc();
    let user = app
        .hashing(move || a2.authenticate(&email, &password))
        .await?;
    let Some(user) = user else {
        return Ok(Reply::error(
            "email_password_mismatch",
            "The email address and/or password you specified are not correct.",
            Some("password"),
        ));
    };
    // A successful login takes its hits back (`authenticate`, the rollback).
    app.headless.rollback(&taken);
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
            stage: STAGE_MFA,
            started: now_f(app),
        });
        return ctx.auth_reply(None, false);
    }
    ctx.login(user.id);
    ctx.auth_reply(None, false)
}

async fn reauthenticate(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
    let app = ctx.app;
    let Some(user) = ctx.user()? else {
        return ctx.auth_reply(None, false);
    };
    let Some(password) = text_field(input, "password") else {
        return Ok(required("password"));
    };
    // `account/adapter.py`, `reauthenticate` -> `authenticate` -> `pre_authenticate`.
    let key = format!("login:{}", user.email.to_lowercase());
    let Some(taken) = app
        .headless
        .consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now_f(app))
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
    app.headless.rollback(&taken);
    let mut e = Map::new();
    e.insert("method".into(), json!("password"));
    e.insert("reauthenticated".into(), json!(true));
    ctx.record(user.id, e);
    ctx.auth_reply(None, false)
}

/// `headless/mfa/views.py`, `AuthenticateView`: the pending `mfa_authenticate` stage, the
/// code, then the next stage (`mfa_trust` in a browser with trust on) or the login.
fn two_factor(ctx: &mut Ctx<'_>, input: &Map<String, Value>) -> Result<Reply> {
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
            let mut e = Map::new();
            e.insert("method".into(), json!("mfa"));
            e.insert("id".into(), json!(id));
            e.insert("type".into(), json!(kind));
            ctx.record(user.id, e);
            if ctx.client == Client::Browser && app.cfg.trust {
                // `mfa/stages.py`, `TrustStage`: browsers only (it needs a cookie).
                ctx.sess.pending = Some(Pending {
                    user: user.id,
                    stage: STAGE_TRUST,
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
fn needs_reauth(ctx: &mut Ctx<'_>, user: &User) -> Result<Option<Reply>> {
    if ctx.recently_reauthenticated(user)? {
        return Ok(None);
    }
    Ok(Some(ctx.auth_reply(Some(401), false)?))
}

/// `headless/mfa/views.py`, `ManageTOTPView`.
fn totp(ctx: &mut Ctx<'_>, method: &Method, input: &Map<String, Value>) -> Result<Reply> {
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
                .headless
                .consume("login_failed", &LOGIN_FAILED, ctx.ip, &key, now)
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
            app.headless
                .clear("login_failed", &LOGIN_FAILED, ctx.ip, &key);
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
fn recovery_codes(ctx: &mut Ctx<'_>, method: &Method) -> Result<Reply> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `recovery_codes/internal/auth.py`: the codes of a known seed, as allauth 65.22.1
    /// computes them (`RecoveryCodes.generate_codes` with RECOVERY_CODE_COUNT 10 and
    /// RECOVERY_CODE_DIGITS 8, run in Python for this test).
    #[test]
    fn recovery_codes_as_allauth_derives_them() {
        let seed =
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677";
        let codes = allauth_recovery_codes(seed.as_bytes(), 10);
        assert_eq!(codes.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(codes, EXPECTED.map(String::from).to_vec());
    }
    const EXPECTED: [&str; 10] = [
        "96543028", "77560411", "64398994", "56181033", "03197695", "03785152", "09748224",
        "76340105", "94950737", "16606028",
    ];

    /// `core/internal/ratelimit.py`, `apply_rate`: 5 per 300 s per key, the 6th refused.
    #[test]
    fn rate_window() {
        let rate = LOGIN_FAILED[1];
        let mut h = Vec::new();
        for i in 0..5 {
            assert!(apply_rate(&mut h, 100.0 + i as f64, rate));
        }
        assert!(!apply_rate(&mut h, 106.0, rate));
        assert_eq!(h.len(), 5, "a refused hit is not recorded");
        assert!(
            apply_rate(&mut h, 400.5, rate),
            "the oldest hit left the window"
        );
    }

    /// `mfa/totp/internal/auth.py`, `_mark_code_used`: a used code is refused until its
    /// marker expires, per user.
    #[test]
    fn used_codes_are_refused_for_their_window() {
        let h = HeadlessState::default();
        assert!(h.mark_used(1, "123456", 1000.0, 30.0));
        assert!(
            !h.mark_used(1, "123456", 1029.0, 30.0),
            "replay within the window"
        );
        assert!(
            h.mark_used(2, "123456", 1001.0, 30.0),
            "another user's code"
        );
        assert!(h.mark_used(1, "123456", 1030.5, 30.0), "the marker expired");
    }

    /// `mfa/app_settings.py`: TOTP_TOLERANCE 0, RECOVERY_CODE_COUNT 10; django-otp's
    /// `TOTPDevice.tolerance` 1 (jwt-allauth and django-otp profiles).
    #[test]
    fn profile_defaults() {
        use crate::config::{Config, Profile};
        let c = Config::for_profile(Profile::Allauth);
        assert_eq!((c.tolerance, c.recovery_codes), (0, 10));
        assert_eq!(Config::for_profile(Profile::JwtAllauth).tolerance, 1);
        assert_eq!(Config::for_profile(Profile::DjangoOtp).tolerance, 1);
        assert_eq!(Config::default().profile, Profile::JwtAllauth);
    }

    /// `mfa/adapter.py`, `build_totp_url`: bare e-mail label, no default digits/period.
    #[test]
    fn totp_url_as_allauth_builds_it() {
        assert_eq!(
            allauth_totp_url("qa@example.test", "ABC", "Twofold", 6, 30),
            "otpauth://totp/qa%40example.test?secret=ABC&issuer=Twofold"
        );
        assert_eq!(
            allauth_totp_url("a b@x.test", "ABC", "My Co", 8, 60),
            "otpauth://totp/a%20b%40x.test?secret=ABC&issuer=My%20Co&digits=8&period=60"
        );
    }
}
