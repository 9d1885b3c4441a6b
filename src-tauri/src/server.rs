//! The test server panel: start and stop the bundled server in-process, list its users and
//! its request log, create test users, and enrol a user's TOTP into the vault in one click.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use tauri::State;
use twofold_server::{Config, Profile, Server, ServerHandle};
use twofold_vault::intake;

use crate::error::{err, Res};
use crate::state::AppState;

#[derive(Default)]
pub struct ServerState {
    handle: tokio::sync::Mutex<Option<ServerHandle>>,
}

#[derive(Deserialize)]
pub struct StartRequest {
    port: u16,
    /// The library the server stands in for (`allauth`, `jwt-allauth`, `django-otp`,
    /// `two-factor`, `allauth-2fa`); absent: jwt-allauth, as `twofold serve`.
    #[serde(default)]
    profile: Option<String>,
    mode: String,
    issuer: String,
    /// Absent: the profile's own tolerance.
    #[serde(default)]
    tolerance: Option<u64>,
}

/// The base URLs a developer pastes into a front end, one per face of the server.
#[derive(Serialize)]
pub struct PanelUrls {
    /// allauth's headless API for single-page apps (session cookie + CSRF).
    browser: String,
    /// allauth's headless API for mobile and desktop clients (`X-Session-Token`).
    app: String,
    /// django-jwt-allauth's REST root (`login/`, `mfa/verify/`, …).
    rest: String,
    /// The HTML pages (allauth's `/accounts/`, django-two-factor-auth's `/account/login/`).
    pages: String,
}

impl PanelUrls {
    fn new(base: &str, profile: Profile) -> Self {
        PanelUrls {
            browser: format!("{base}/_allauth/browser/v1"),
            app: format!("{base}/_allauth/app/v1"),
            rest: format!("{base}/"),
            pages: format!("{base}{}", profile.pages_path()),
        }
    }
}

#[derive(Serialize)]
pub struct PanelUser {
    id: i64,
    email: String,
    totp_enabled: bool,
    recovery_codes_left: u32,
    /// Whether "Add to Twofold" can enrol it: it has TOTP, activated through any face.
    can_add: bool,
}

#[derive(Serialize)]
pub struct PanelLog {
    at: u64,
    method: String,
    path: String,
    status: u16,
    duration_us: u64,
}

#[derive(Serialize)]
pub struct PanelStatus {
    running: bool,
    url: Option<String>,
    mode: Option<String>,
    profile: Option<String>,
    issuer: Option<String>,
    urls: Option<PanelUrls>,
    users: Vec<PanelUser>,
    log: Vec<PanelLog>,
}

/// The panel's server: on 127.0.0.1 only, with the server's defaults otherwise (its guard
/// refuses other web pages, as `twofold serve`'s does: a foreign Host or Origin, a QA POST
/// that is not JSON).
fn panel_config(req: &StartRequest) -> Res<Config> {
    let profile: Profile = req
        .profile
        .as_deref()
        .unwrap_or(Profile::default().as_str())
        .parse()
        .map_err(err)?;
    let mut cfg = Config::for_profile(profile);
    cfg.bind = SocketAddr::from(([127, 0, 0, 1], req.port));
    cfg.issuer = req.issuer.trim().to_string();
    cfg.mode = req.mode.parse().map_err(err)?;
    if let Some(t) = req.tolerance {
        cfg.tolerance = t;
    }
    if cfg.issuer.is_empty() {
        cfg.issuer = Config::default().issuer;
    }
    cfg.validate().map_err(err)?;
    Ok(cfg)
}

#[tauri::command]
pub async fn server_start(server: State<'_, ServerState>, req: StartRequest) -> Res<PanelStatus> {
    {
        let mut guard = server.handle.lock().await;
        if guard.is_none() {
            let cfg = panel_config(&req)?;
            *guard = Some(Server::start(cfg).await.map_err(err)?);
        }
    }
    server_status(server).await
}

#[tauri::command]
pub async fn server_stop(server: State<'_, ServerState>) -> Res<PanelStatus> {
    let handle = server.handle.lock().await.take();
    if let Some(h) = handle {
        h.stop().await;
    }
    server_status(server).await
}

#[tauri::command]
pub async fn server_status(server: State<'_, ServerState>) -> Res<PanelStatus> {
    let guard = server.handle.lock().await;
    let Some(h) = guard.as_ref() else {
        return Ok(PanelStatus {
            running: false,
            url: None,
            mode: None,
            profile: None,
            issuer: None,
            urls: None,
            users: Vec::new(),
            log: Vec::new(),
        });
    };
    let app = h.app().clone();
    let (users, log) = tokio::task::spawn_blocking(move || {
        let users = app.list_users().map_err(err)?;
        let log = app.request_log(100);
        Ok::<_, crate::error::CmdError>((users, log))
    })
    .await
    .map_err(err)??;
    Ok(PanelStatus {
        running: true,
        url: Some(h.url()),
        mode: Some(h.app().config().mode.as_str().to_string()),
        profile: Some(h.app().config().profile.as_str().to_string()),
        issuer: Some(h.app().config().issuer.clone()),
        urls: Some(PanelUrls::new(&h.url(), h.app().config().profile)),
        users: users
            .into_iter()
            .map(|u| PanelUser {
                can_add: u.totp_enabled,
                id: u.id,
                email: u.email,
                totp_enabled: u.totp_enabled,
                recovery_codes_left: u.recovery_codes_left,
            })
            .collect(),
        log: log
            .into_iter()
            .rev()
            .map(|l| PanelLog {
                at: l.at,
                method: l.method,
                path: l.path,
                status: l.status,
                duration_us: l.duration_us,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct CreateUser {
    email: String,
    password: String,
    enrolled: bool,
}

#[tauri::command]
pub async fn server_create_user(
    server: State<'_, ServerState>,
    req: CreateUser,
) -> Res<PanelStatus> {
    let app = {
        let guard = server.handle.lock().await;
        guard
            .as_ref()
            .ok_or("start the test server first")?
            .app()
            .clone()
    };
    let password = zeroize::Zeroizing::new(req.password);
    let email = req.email.trim().to_string();
    // Through the server's bounded hashing (one Argon2 hash per core at a time).
    let a = app.clone();
    app.hashing(move || a.create_test_user(&email, &password, req.enrolled))
        .await
        .map_err(err)?;
    server_status(server).await
}

/// Puts the user's TOTP secret into the vault, tagged for this server (`server:HOST:PORT`).
#[tauri::command]
pub async fn server_add_to_twofold(
    server: State<'_, ServerState>,
    state: State<'_, AppState>,
    email: String,
) -> Res<String> {
    let (url, app) = {
        let guard = server.handle.lock().await;
        let h = guard.as_ref().ok_or("start the test server first")?;
        (h.url(), h.app().clone())
    };
    // The secret as the server keeps it, whichever face activated TOTP (REST, pages, headless
    // API, QA or this panel).
    let uri = tokio::task::spawn_blocking(move || {
        let user = app
            .user_by_email(&email)
            .map_err(err)?
            .ok_or_else(|| crate::i18n::tr("shell.no_user", &[("email", &format!("{email:?}"))]))?;
        app.totp_uri(user.id)
            .map_err(err)?
            .ok_or_else(|| err(crate::i18n::tr("shell.no_totp_yet", &[("email", &email)])))
    })
    .await
    .map_err(err)??;
    let tag = format!("server:{}", url.trim_start_matches("http://"));
    let mut accounts = intake::accounts_from_payload(&uri, crate::commands::now()).map_err(err)?;
    for a in &mut accounts {
        a.tags = vec!["test-server".into(), tag.clone()];
    }
    state.change(true, |v| {
        let (keep, _) = intake::without_duplicates(v.accounts(), accounts);
        let ids = v.add_many(keep).map_err(err)?;
        ids.into_iter()
            .next()
            .ok_or_else(|| err("that user is already in Twofold"))
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::*;

    /// One request over a fresh connection; the whole answer.
    fn send(addr: SocketAddr, head: &str, body: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        write!(
            s,
            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// The panel's profile brings its defaults (allauth: tolerance 0), a given tolerance
    /// overrides it, no profile is jwt-allauth as `twofold serve`, and a wrong one is refused.
    #[test]
    fn the_panel_profile_sets_the_defaults_and_the_tolerance_overrides_it() {
        let req = |profile: Option<&str>, tolerance| StartRequest {
            port: 0,
            profile: profile.map(str::to_string),
            mode: "optional".into(),
            issuer: "T".into(),
            tolerance,
        };
        let c = panel_config(&req(Some("allauth"), None)).unwrap();
        assert_eq!((c.profile, c.tolerance), (Profile::Allauth, 0));
        let c = panel_config(&req(Some("allauth"), Some(2))).unwrap();
        assert_eq!((c.profile, c.tolerance), (Profile::Allauth, 2));
        let c = panel_config(&req(None, None)).unwrap();
        assert_eq!((c.profile, c.tolerance), (Profile::JwtAllauth, 1));
        let c = panel_config(&req(Some("django-otp"), None)).unwrap();
        assert_eq!(c.profile, Profile::DjangoOtp);
        let c = panel_config(&req(Some("two-factor"), None)).unwrap();
        assert_eq!(
            (c.profile, c.tolerance, c.login_timeout),
            (Profile::TwoFactor, 1, 600)
        );
        let c = panel_config(&req(Some("allauth-2fa"), None)).unwrap();
        assert_eq!((c.profile, c.recovery_codes), (Profile::Allauth2fa, 3));
        assert!(panel_config(&req(Some("devise"), None)).is_err());
        let two_factor = PanelUrls::new("http://127.0.0.1:8765", Profile::TwoFactor);
        assert_eq!(two_factor.pages, "http://127.0.0.1:8765/account/login/");
        let urls = PanelUrls::new("http://127.0.0.1:8765", Profile::JwtAllauth);
        assert_eq!(urls.browser, "http://127.0.0.1:8765/_allauth/browser/v1");
        assert_eq!(urls.app, "http://127.0.0.1:8765/_allauth/app/v1");
        assert_eq!(urls.rest, "http://127.0.0.1:8765/");
    }

    /// The desktop's in-process server refuses other web pages as `twofold serve` does (issue
    /// 15, item 8): a foreign Host (DNS rebinding), a foreign Origin, a QA POST that is not
    /// JSON; and its pages cannot be framed.
    #[test]
    fn the_panel_server_refuses_other_web_pages() {
        let dir = std::env::temp_dir().join(format!("twofold-panel-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let req = StartRequest {
            port: 0,
            profile: None,
            mode: "optional".into(),
            issuer: " ".into(),
            tolerance: Some(1),
        };
        let mut cfg = panel_config(&req).unwrap();
        assert!(cfg.bind.ip().is_loopback());
        assert_eq!(cfg.issuer, "Twofold");
        cfg.db = Some(dir.join("server.sqlite3"));
        cfg.password_hashing = twofold_server::PasswordHashing::light();
        tauri::async_runtime::block_on(async move {
            let handle = Server::start(cfg).await.unwrap();
            let addr = handle.addr();
            let app = handle.app().clone();
            let answers = tauri::async_runtime::spawn_blocking(move || {
                let host = format!("Host: {addr}");
                let json = "Content-Type: application/json";
                let form = "Content-Type: application/x-www-form-urlencoded";
                let user = r#"{"email": "a@example.com"}"#;
                [
                    // Before the guard: a page of evil.test re-pointed at 127.0.0.1 ...
                    send(
                        addr,
                        &format!("POST /_twofold/users HTTP/1.1\r\nHost: evil.test:{}\r\n{json}", addr.port()),
                        user,
                    ),
                    // ... a page elsewhere posting a form ...
                    send(
                        addr,
                        &format!("POST /_twofold/users HTTP/1.1\r\n{host}\r\nOrigin: http://evil.test\r\n{form}"),
                        "email=b%40example.com",
                    ),
                    // ... or a form without an Origin: a user each time.
                    send(
                        addr,
                        &format!("POST /_twofold/users HTTP/1.1\r\n{host}\r\n{form}"),
                        "email=c%40example.com",
                    ),
                    send(addr, &format!("GET /accounts/login/ HTTP/1.1\r\n{host}"), ""),
                    send(
                        addr,
                        &format!("POST /_twofold/users HTTP/1.1\r\n{host}\r\n{json}"),
                        user,
                    ),
                ]
            })
            .await
            .unwrap();
            let status = |a: &str| a.split_whitespace().nth(1).unwrap_or("").to_string();
            assert_eq!(status(&answers[0]), "403", "{}", answers[0]);
            assert!(answers[0].contains("detail"));
            assert_eq!(status(&answers[1]), "403", "{}", answers[1]);
            assert_eq!(status(&answers[2]), "415", "{}", answers[2]);
            assert_eq!(status(&answers[3]), "200");
            let page = answers[3].to_ascii_lowercase();
            assert!(page.contains("x-frame-options: deny"), "{page}");
            assert!(page.contains("content-security-policy: frame-ancestors 'none'"));
            // Only the last, from a client outside a browser, made a user.
            assert_eq!(status(&answers[4]), "201", "{}", answers[4]);
            let users = app.list_users().unwrap();
            assert_eq!(users.len(), 1);
            assert_eq!(users[0].email, "a@example.com");
            handle.stop().await;
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}
