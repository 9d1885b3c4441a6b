//! Request bodies as Django REST framework reads them: JSON or form-encoded, validated field by
//! field, every failure a 4xx with a `detail`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde_json::{Map, Value};

use crate::error::ServerError;

/// A request body as a map of fields.
pub struct Input(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Input {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ServerError::api(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.")
            } else {
                ServerError::bad_request("Could not read the request body.")
            }
        })?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Input(Map::new()));
        }
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json"))
        {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Ok(Input(map)),
                Ok(other) => Err(ServerError::fields(vec![(
                    "non_field_errors".into(),
                    format!(
                        "Invalid data. Expected a dictionary, but got {}.",
                        match other {
                            Value::Array(_) => "list",
                            Value::String(_) => "str",
                            Value::Number(_) => "number",
                            Value::Bool(_) => "bool",
                            _ => "NoneType",
                        }
                    ),
                )])),
                Err(e) => Err(ServerError::bad_request(format!(
                    "JSON parse error - {}",
                    e.to_string().chars().take(120).collect::<String>()
                ))),
            }
        } else if mime == "application/x-www-form-urlencoded" {
            let map = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            Ok(Input(map))
        } else {
            let shown: String = if mime.is_empty() {
                "".into()
            } else {
                ct.chars().take(80).collect()
            };
            Err(ServerError::api(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Unsupported media type \"{shown}\" in request."),
            ))
        }
    }
}

/// A request body that must be JSON (415 otherwise, whatever the body): the QA endpoints and
/// `/registration/user-register/`. A form on another site cannot send JSON, and a script there
/// cannot without a CORS preflight, which the server never grants. (An extractor, not a
/// middleware: a method the route does not take stays 405.)
pub struct JsonOnly(pub Input);

impl<S: Send + Sync> FromRequest<S> for JsonOnly {
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mime = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !(mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json")))
        {
            return Err(ServerError::api(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Only application/json is accepted here.",
            ));
        }
        Ok(JsonOnly(Input::from_request(req, state).await?))
    }
}

/// A JSON number that is an integer (`5` or `5.0`, as JSON Schema counts them).
pub fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

/// The longest text field, in characters, counted before trimming (as `maxLength` in
/// /openapi.json).
pub const MAX_FIELD_CHARS: usize = 4096;

/// Collects field errors while reading fields.
#[derive(Default)]
pub struct Fields {
    pub errors: Vec<(String, String)>,
}

impl Fields {
    fn err(&mut self, name: &str, msg: impl Into<String>) {
        self.errors.push((name.into(), msg.into()));
    }

    /// A `CharField`: a string (nothing else: the schema in /openapi.json says string), trimmed
    /// unless `raw`; at most [`MAX_FIELD_CHARS`] characters before trimming.
    pub fn string(
        &mut self,
        input: &Input,
        name: &str,
        required: bool,
        raw: bool,
    ) -> Option<String> {
        match input.0.get(name) {
            None => {
                if required {
                    self.err(name, "This field is required.");
                }
                None
            }
            Some(Value::Null) => {
                if required {
                    self.err(name, "This field may not be null.");
                }
                None
            }
            Some(Value::String(s)) => {
                if s.chars().count() > MAX_FIELD_CHARS {
                    self.err(
                        name,
                        format!("Ensure this field has no more than {MAX_FIELD_CHARS} characters."),
                    );
                    return None;
                }
                let s = if raw { s.as_str() } else { s.trim() };
                if s.is_empty() {
                    if required {
                        self.err(name, "This field may not be blank.");
                    }
                    return None;
                }
                Some(s.to_string())
            }
            Some(_) => {
                self.err(name, "Not a valid string.");
                None
            }
        }
    }

    /// A code field of exactly `len` characters (as `CharField(min_length, max_length)`).
    pub fn code(&mut self, input: &Input, name: &str, len: usize) -> Option<String> {
        let s = self.string(input, name, true, false)?;
        let n = s.chars().count();
        if n < len {
            self.err(
                name,
                format!("Ensure this field has at least {len} characters."),
            );
            None
        } else if n > len {
            self.err(
                name,
                format!("Ensure this field has no more than {len} characters."),
            );
            None
        } else {
            Some(s)
        }
    }

    /// An optional boolean (`true`/`false`, or null).
    pub fn boolean(&mut self, input: &Input, name: &str) -> Option<bool> {
        match input.0.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.err(name, "Must be a valid boolean.");
                None
            }
        }
    }

    /// An optional integer (or null).
    pub fn integer(&mut self, input: &Input, name: &str) -> Option<i64> {
        match input.0.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let n = integer(v);
                if n.is_none() {
                    self.err(name, "A valid integer is required.");
                }
                n
            }
        }
    }

    pub fn finish(self) -> Result<(), ServerError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ServerError::fields(self.errors))
        }
    }
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
