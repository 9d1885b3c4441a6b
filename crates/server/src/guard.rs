//! What keeps other web pages from driving the server: every request passes through [`guard`].
//!
//! * `Host` must be a loopback name (`localhost`, `*.localhost`) or address, the `bind`
//!   address, an address of this machine when bound to all of them, or one of `allowed-hosts`:
//!   a page on `http://attacker.test` that re-points its name at 127.0.0.1 (DNS rebinding)
//!   sends its own name and gets 403.
//! * A state-changing request (POST, PUT, PATCH, DELETE) with an `Origin` must come from the
//!   server's own origin (its pages' forms do; clients outside a browser send no `Origin`).
//! * (POSTs to the QA endpoints and `/registration/user-register/` take `application/json`
//!   only: [`crate::input::JsonOnly`].)
//! * Every answer forbids framing (`X-Frame-Options: DENY`, `frame-ancestors 'none'`) and
//!   content sniffing.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::config::Config;
use crate::error::ServerError;

pub(crate) async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut resp = match check(&app.cfg, &req) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    };
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn check(cfg: &Config, req: &Request) -> Result<(), ServerError> {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"))
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return Err(ServerError::bad_request("A Host header is required."));
    };
    if !host_allowed(cfg, host) {
        return Err(ServerError::forbidden(format!(
            "Host {:?} is not allowed: use a loopback name or address (localhost, 127.0.0.1), or name the host with --allowed-host.",
            shown(host)
        )));
    }
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !changes_state {
        return Ok(());
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("\u{fffd}");
        if !same_origin(origin, host) {
            return Err(ServerError::forbidden(format!(
                "Cross-origin request refused: Origin {:?} is not this server's.",
                shown(origin)
            )));
        }
    }
    Ok(())
}

/// At most 100 characters of a client's header, for an error message.
fn shown(s: &str) -> String {
    s.chars().take(100).collect()
}

/// `Origin` is `http(s)://` + the `Host` the request was sent to.
fn same_origin(origin: &str, host: &str) -> bool {
    let lower = origin.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
}

/// The host part of a `Host` value (`name`, `name:port`, `1.2.3.4:port`, `[::1]:port`).
fn host_part(host: &str) -> Option<&str> {
    if let Some(rest) = host.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return port_ok.then_some(inner);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(h),
        Some(_) => None,
        None => Some(host),
    }
}

pub(crate) fn host_allowed(cfg: &Config, host: &str) -> bool {
    let Some(h) = host_part(host) else {
        return false;
    };
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.is_empty() {
        return false;
    }
    if let Ok(ip) = h.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        // An address literal cannot be re-pointed by DNS: a page whose origin it is was served
        // by whatever listens there. Still only this server's own addresses are taken.
        return ip.is_loopback()
            || ip == cfg.bind.ip().to_canonical()
            || (cfg.allow_remote && cfg.bind.ip().is_unspecified());
    }
    let lower = h.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || cfg
            .allowed_hosts
            .iter()
            .any(|a| a.trim_end_matches('.').eq_ignore_ascii_case(&lower))
}

/// The client's address as allauth's `get_client_ip` (`core/internal/httpkit.py`) finds it:
/// the header `trusted_client_ip_header` names, else with `trusted_proxy_count` N > 0 the
/// N-th address from the end of `X-Forwarded-For`, else the peer's. What cannot be read as an
/// address (with or without a port) leaves the peer's. (allauth refuses to serve when the
/// header has fewer than N entries, ImproperlyConfigured; here the peer's address counts.)
pub(crate) fn client_ip(cfg: &Config, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let forwarded = match &cfg.trusted_client_ip_header {
        Some(h) => value(h),
        None if cfg.trusted_proxy_count > 0 => value("x-forwarded-for").and_then(|xff| {
            let ips: Vec<&str> = xff.split(',').collect();
            ips.len()
                .checked_sub(cfg.trusted_proxy_count)
                .map(|i| ips[i])
        }),
        None => None,
    };
    forwarded
        .and_then(clean_client_ip)
        .unwrap_or(peer)
        .to_canonical()
}

/// allauth's `clean_client_ip`: an address, its port (`1.2.3.4:80`, `[::1]:80`) dropped.
fn clean_client_ip(ip: &str) -> Option<IpAddr> {
    let ip = ip.trim();
    if let Ok(a) = ip.parse::<IpAddr>() {
        return Some(a);
    }
    ip.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

/// Headers a reverse proxy adds when it forwards a request.
const FORWARDING_HEADERS: [&str; 4] = [
    "forwarded",
    "x-forwarded-for",
    "x-real-ip",
    "x-forwarded-host",
];

/// Whether a request comes straight from this machine: a loopback peer, and no proxy's
/// forwarding header. A reverse proxy on the same host connects from loopback too, for every
/// client it serves; what it forwards says so (docs/deploy/nginx-twofold.conf sets
/// X-Forwarded-For, as every common proxy does), and is then not this machine's own.
pub(crate) fn direct_loopback(peer: IpAddr, headers: &axum::http::HeaderMap) -> bool {
    peer.to_canonical().is_loopback()
        && !FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let cfg = Config::default();
        for ok in [
            "127.0.0.1:8000",
            "127.0.0.1",
            "127.1.2.3:1",
            "localhost",
            "LocalHost:8000",
            "localhost.:8000",
            "app.localhost:8000",
            "[::1]:8000",
            "[::1]",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert!(host_allowed(&cfg, ok), "{ok}");
        }
        for bad in [
            "evil.test",
            "evil.test:8000",
            "localhost.evil.test",
            "127.0.0.1.nip.io:8000",
            "192.168.1.5:8000",
            "[::2]:80",
            "",
            ":8000",
            "localhost:80x",
            "[::1]x",
            "[::1",
        ] {
            assert!(!host_allowed(&cfg, bad), "{bad}");
        }
        let cfg = Config {
            bind: "192.168.1.5:8000".parse().unwrap(),
            allow_remote: true,
            allowed_hosts: vec!["devbox.lan".into()],
            ..Config::default()
        };
        assert!(host_allowed(&cfg, "192.168.1.5:8000"));
        assert!(host_allowed(&cfg, "DEVBOX.lan:8000"));
        assert!(!host_allowed(&cfg, "192.168.1.6:8000"));
        assert!(!host_allowed(&cfg, "other.lan:8000"));
    }

    #[test]
    fn origins() {
        assert!(same_origin("http://127.0.0.1:8000", "127.0.0.1:8000"));
        assert!(same_origin("HTTP://LOCALHOST:8000", "localhost:8000"));
        assert!(!same_origin("http://127.0.0.1:8001", "127.0.0.1:8000"));
        assert!(!same_origin("http://evil.test", "127.0.0.1:8000"));
        assert!(!same_origin("null", "127.0.0.1:8000"));
        assert!(!same_origin("file://", "127.0.0.1:8000"));
    }
}
