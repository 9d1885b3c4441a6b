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

/// Collects field errors while reading fields.
#[derive(Default)]
pub struct Fields {
    pub errors: Vec<(String, String)>,
}

impl Fields {
    fn err(&mut self, name: &str, msg: impl Into<String>) {
        self.errors.push((name.into(), msg.into()));
    }

    /// A `CharField`: strings (numbers are taken as their text), trimmed unless `raw`.
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
                let s = if raw { s.as_str() } else { s.trim() };
                if s.is_empty() {
                    if required {
                        self.err(name, "This field may not be blank.");
                    }
                    return None;
                }
                if s.len() > 4096 {
                    self.err(name, "Ensure this field has no more than 4096 characters.");
                    return None;
                }
                Some(s.to_string())
            }
            Some(Value::Number(n)) => Some(n.to_string()),
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

    pub fn finish(self) -> Result<(), ServerError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ServerError::fields(self.errors))
        }
    }
}
