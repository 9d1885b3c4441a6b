//! Screen capture, all monitors. On Windows and macOS through the system's own capture (see
//! `native.rs`); on Linux and the BSDs:
//!
//! * On Wayland (and in sandboxes without an X server) through the xdg-desktop-portal
//!   `org.freedesktop.portal.Screenshot` interface on the session bus: a Wayland client cannot
//!   read other windows' pixels. The portal may ask the user; the screenshot file it writes is
//!   read and left where the portal put it.
//! * On X11 with `GetImage` of each screen's root window (which spans every monitor of that
//!   screen), 24- or 32-bit TrueColor: immediate, no prompt, and it works where a portal is
//!   installed but cannot take screenshots on that desktop.
//!
//! Each session type tries its own backend first and the other one when the first is not
//! there. `TWOFOLD_SCREEN_BACKEND=x11` or `=portal` forces one backend. When neither is
//! available the error says why for both.

// On Windows and macOS the system's own capture (native.rs) is used; the portal and X11 code
// below compiles there but is not called.
#![cfg_attr(any(target_os = "windows", target_os = "macos"), allow(dead_code))]

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[cfg(any(target_os = "windows", target_os = "macos"))]
mod native;

use crate::{Code, Limits, LumaImage, ScanError};

/// How long to wait for the portal's answer (the user may have to confirm).
const PORTAL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Portal,
    X11,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Portal => "portal",
            Source::X11 => "X11",
        }
    }
}

/// Which backends to try, in order, from the session's environment: the forced one alone, the
/// portal first on Wayland (`WAYLAND_DISPLAY`, or `XDG_SESSION_TYPE=wayland`), X11 first
/// otherwise.
fn order(var: impl Fn(&str) -> Option<String>) -> &'static [Source] {
    match var("TWOFOLD_SCREEN_BACKEND").as_deref() {
        Some("x11") => return &[Source::X11],
        Some("portal") => return &[Source::Portal],
        _ => {}
    }
    let wayland = var("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
        || var("XDG_SESSION_TYPE").as_deref() == Some("wayland");
    if wayland {
        &[Source::Portal, Source::X11]
    } else {
        &[Source::X11, Source::Portal]
    }
}

/// Captures the screen: one grey image per X screen, or the portal's one image of the desktop.
pub fn capture(limits: &Limits) -> Result<Vec<LumaImage>, ScanError> {
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    return native::capture(limits);
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    capture_free_desktop(limits)
}

/// Linux and the BSDs: the portal or X11, in the session's order.
fn capture_free_desktop(limits: &Limits) -> Result<Vec<LumaImage>, ScanError> {
    let mut unavailable = Vec::new();
    for &source in order(|k| std::env::var(k).ok()) {
        let result = match source {
            Source::Portal => portal_capture(limits),
            Source::X11 => x11_capture(limits),
        };
        match result {
            Ok(v) => return Ok(v),
            Err(Backend::Failed(e)) => return Err(e),
            Err(Backend::Unavailable(why)) => unavailable.push(format!("{}: {why}", source.name())),
        }
    }
    Err(ScanError::ScreenUnavailable(format!(
        "{} (no xdg-desktop-portal Screenshot service and no X11 display)",
        unavailable.join("; ")
    )))
}

/// Decodes every QR code on the screen, all monitors; codes of several X screens are listed
/// screen by screen.
pub fn scan_screen(limits: &Limits) -> Result<Vec<Code>, ScanError> {
    let mut codes: Vec<Code> = Vec::new();
    for img in capture(limits)? {
        let start = Instant::now();
        for c in crate::pipeline::scan(&img, limits, start).codes {
            if !codes.iter().any(|k| k.bytes == c.bytes) {
                codes.push(c);
            }
        }
    }
    Ok(codes)
}

enum Backend {
    /// The backend is not there: try the other one.
    Unavailable(String),
    /// It is there and failed (or the user said no): report it.
    Failed(ScanError),
}

fn portal_capture(limits: &Limits) -> Result<Vec<LumaImage>, Backend> {
    use zbus::blocking::{Connection, Proxy};
    use zbus::zvariant::{OwnedValue, Value};

    let unavailable = |e: zbus::Error| Backend::Unavailable(e.to_string());
    let conn = Connection::session().map_err(unavailable)?;
    let sender = conn
        .unique_name()
        .map(|n| n.trim_start_matches(':').replace('.', "_"))
        .ok_or_else(|| Backend::Unavailable("no unique bus name".into()))?;
    let token = format!("twofold_{}_{}", std::process::id(), fastrand_token());
    let request_path = format!("/org/freedesktop/portal/desktop/request/{sender}/{token}");
    let request = Proxy::new(
        &conn,
        "org.freedesktop.portal.Desktop",
        request_path.as_str(),
        "org.freedesktop.portal.Request",
    )
    .map_err(unavailable)?;
    // Subscribe before calling, so the answer cannot be missed.
    let mut responses = request.receive_signal("Response").map_err(unavailable)?;
    let screenshot = Proxy::new(
        &conn,
        "org.freedesktop.portal.Desktop",
        "/org/freedesktop/portal/desktop",
        "org.freedesktop.portal.Screenshot",
    )
    .map_err(unavailable)?;
    let mut options: HashMap<&str, Value> = HashMap::new();
    options.insert("handle_token", Value::from(token.as_str()));
    options.insert("interactive", Value::from(false));
    let reply: Result<zbus::zvariant::OwnedObjectPath, _> =
        screenshot.call("Screenshot", &("", options));
    if let Err(e) = reply {
        // No portal service, or no Screenshot interface in it.
        return Err(Backend::Unavailable(e.to_string()));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let msg = responses.next();
        let _ = tx.send(msg.map(|m| {
            m.body()
                .deserialize::<(u32, HashMap<String, OwnedValue>)>()
                .map_err(|e| e.to_string())
        }));
    });
    let answer = rx
        .recv_timeout(PORTAL_TIMEOUT)
        .map_err(|_| {
            Backend::Failed(ScanError::Screen(
                "the screenshot portal did not answer".into(),
            ))
        })?
        .ok_or_else(|| {
            Backend::Failed(ScanError::Screen("the screenshot portal went away".into()))
        })?
        .map_err(|e| Backend::Failed(ScanError::Screen(format!("bad portal answer: {e}"))))?;
    let (status, results) = answer;
    match status {
        0 => {}
        1 => {
            return Err(Backend::Failed(ScanError::Screen(
                "the screenshot was cancelled".into(),
            )))
        }
        _ => {
            return Err(Backend::Failed(ScanError::Screen(
                "the screenshot portal refused".into(),
            )))
        }
    }
    let uri: String = results
        .get("uri")
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
        .ok_or_else(|| Backend::Failed(ScanError::Screen("the portal returned no file".into())))?;
    let path = url::Url::parse(&uri)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| Backend::Failed(ScanError::Screen(format!("not a file URI: {uri}"))))?;
    let bytes = crate::load::read_file(&path, limits).map_err(Backend::Failed)?;
    let img = crate::load::decode_image(&bytes, limits).map_err(Backend::Failed)?;
    let luma = crate::load::luma_from_image(&img, limits).map_err(Backend::Failed)?;
    Ok(vec![luma])
}

fn fastrand_token() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

fn x11_capture(limits: &Limits) -> Result<Vec<LumaImage>, Backend> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, VisualClass};

    let (conn, _) = x11rb::connect(None).map_err(|e| Backend::Unavailable(e.to_string()))?;
    let failed = |e: String| Backend::Failed(ScanError::Screen(format!("X11: {e}")));
    let mut out = Vec::new();
    for screen in &conn.setup().roots {
        let (w, h) = (
            screen.width_in_pixels as u32,
            screen.height_in_pixels as u32,
        );
        crate::load::check_dimensions(w, h, limits).map_err(Backend::Failed)?;
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|d| d.visuals.iter())
            .find(|v| v.visual_id == screen.root_visual)
            .ok_or_else(|| failed("no root visual".into()))?;
        if visual.class != VisualClass::TRUE_COLOR && visual.class != VisualClass::DIRECT_COLOR {
            return Err(failed(format!(
                "unsupported visual class {:?}",
                visual.class
            )));
        }
        let depth = screen.root_depth;
        let bpp = conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map(|f| f.bits_per_pixel)
            .unwrap_or(0);
        if bpp != 32 {
            return Err(failed(format!(
                "unsupported depth {depth} ({bpp} bits per pixel)"
            )));
        }
        let reply = conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                screen.root,
                0,
                0,
                w as u16,
                h as u16,
                !0,
            )
            .map_err(|e| failed(e.to_string()))?
            .reply()
            .map_err(|e| failed(e.to_string()))?;
        let data = reply.data;
        if (data.len() as u64) < w as u64 * h as u64 * 4 {
            return Err(failed("short image reply".into()));
        }
        let big_endian =
            conn.setup().image_byte_order == x11rb::protocol::xproto::ImageOrder::MSB_FIRST;
        let shift = |mask: u32| mask.trailing_zeros();
        let (rs, gs, bs) = (
            shift(visual.red_mask),
            shift(visual.green_mask),
            shift(visual.blue_mask),
        );
        let px: Vec<u8> = data
            .chunks_exact(4)
            .take(w as usize * h as usize)
            .map(|p| {
                let v = if big_endian {
                    u32::from_be_bytes([p[0], p[1], p[2], p[3]])
                } else {
                    u32::from_le_bytes([p[0], p[1], p[2], p[3]])
                };
                let (r, g, b) = ((v >> rs) & 0xff, (v >> gs) & 0xff, (v >> bs) & 0xff);
                ((r * 306 + g * 601 + b * 117 + 512) >> 10) as u8
            })
            .collect();
        out.push(LumaImage::new(w, h, px).map_err(Backend::Failed)?);
    }
    if out.is_empty() {
        return Err(Backend::Unavailable("the X server has no screen".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{order, Source};

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn x11_sessions_capture_directly_before_asking_a_portal() {
        assert_eq!(
            order(env(&[("DISPLAY", ":0")])),
            [Source::X11, Source::Portal]
        );
        assert_eq!(
            order(env(&[("DISPLAY", ":0"), ("XDG_SESSION_TYPE", "x11")])),
            [Source::X11, Source::Portal]
        );
        assert_eq!(
            order(env(&[("WAYLAND_DISPLAY", "")])),
            [Source::X11, Source::Portal]
        );
    }

    #[test]
    fn wayland_sessions_ask_the_portal_first() {
        assert_eq!(
            order(env(&[("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0")])),
            [Source::Portal, Source::X11]
        );
        assert_eq!(
            order(env(&[("XDG_SESSION_TYPE", "wayland")])),
            [Source::Portal, Source::X11]
        );
    }

    #[test]
    fn a_forced_backend_is_the_only_one_tried() {
        let wayland = [
            ("WAYLAND_DISPLAY", "wayland-0"),
            ("TWOFOLD_SCREEN_BACKEND", "x11"),
        ];
        assert_eq!(order(env(&wayland)), [Source::X11]);
        assert_eq!(
            order(env(&[("TWOFOLD_SCREEN_BACKEND", "portal")])),
            [Source::Portal]
        );
    }
}
