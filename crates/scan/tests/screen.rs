//! The screen path under X11: show a QR code in a window on the X screen, capture the screen
//! and find it. Runs only when DISPLAY is set (CI: `tests/screen-scan.sh`, which uses
//! `xvfb-run -a`); passes trivially otherwise.
#![cfg(feature = "screen")]

use image::Luma;
use qrcode::QrCode;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConnectionExt, CreateGCAux, CreateWindowAux, EventMask, ImageFormat, WindowClass,
};
use x11rb::wrapper::ConnectionExt as _;

const PAYLOAD: &str =
    "otpauth://totp/Screen:test%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Screen";

#[test]
fn finds_a_code_shown_on_the_x_screen() {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("DISPLAY is not set: skipping the X11 screen test");
        return;
    }
    let code = QrCode::new(PAYLOAD.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .module_dimensions(3, 3)
        .build();
    let (w, h) = (code.width() as u16, code.height() as u16);

    let (conn, screen_num) = x11rb::connect(None).expect("connect to the X server");
    let screen = &conn.setup().roots[screen_num];
    assert_eq!(
        screen.root_depth, 24,
        "test expects a 24-bit TrueColor screen"
    );
    let win = conn.generate_id().unwrap();
    conn.create_window(
        screen.root_depth,
        win,
        screen.root,
        (screen.width_in_pixels / 3) as i16,
        (screen.height_in_pixels / 4) as i16,
        w,
        h,
        0,
        WindowClass::INPUT_OUTPUT,
        screen.root_visual,
        &CreateWindowAux::new()
            .background_pixel(screen.white_pixel)
            .override_redirect(1)
            .event_mask(EventMask::EXPOSURE),
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
    // Wait for the first Expose, then draw the code (BGRX pixels).
    loop {
        let ev = conn.wait_for_event().unwrap();
        if let x11rb::protocol::Event::Expose(_) = ev {
            break;
        }
    }
    let gc = conn.generate_id().unwrap();
    conn.create_gc(gc, win, &CreateGCAux::new()).unwrap();
    let data: Vec<u8> = code
        .pixels()
        .flat_map(|p| [p.0[0], p.0[0], p.0[0], 0])
        .collect();
    conn.put_image(ImageFormat::Z_PIXMAP, win, gc, w, h, 0, 0, 0, 24, &data)
        .unwrap();
    conn.sync().unwrap();

    std::env::set_var("TWOFOLD_SCREEN_BACKEND", "x11");
    let codes = twofold_scan::screen::scan_screen(&twofold_scan::Limits::default()).unwrap();
    let texts: Vec<_> = codes.iter().filter_map(|c| c.text.clone()).collect();
    assert_eq!(texts, [PAYLOAD]);

    conn.destroy_window(win).unwrap();
    conn.sync().unwrap();
}
