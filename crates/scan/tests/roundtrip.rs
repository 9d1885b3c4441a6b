//! Property tests: random otpauth URIs rendered to QR images (the `qrcode` crate) at random
//! module size, rotation, polarity and placement come back byte-exact.

use image::{GrayImage, Luma};
use proptest::prelude::*;
use qrcode::{EcLevel, QrCode};
use twofold_scan::{scan_image, scan_luma, Limits, PayloadKind};

fn render(payload: &str, module: u32, ec: EcLevel) -> GrayImage {
    QrCode::with_error_correction_level(payload.as_bytes(), ec)
        .unwrap()
        .render::<Luma<u8>>()
        .module_dimensions(module, module)
        .quiet_zone(true)
        .build()
}

/// Rotates by `deg` about the centre onto a larger white canvas (bilinear).
fn rotate(img: &GrayImage, deg: f32) -> GrayImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let side = ((w * w + h * h).sqrt().ceil() as u32) + 8;
    let (s, c) = deg.to_radians().sin_cos();
    let (cx, cy, oc) = (w / 2.0, h / 2.0, side as f32 / 2.0);
    GrayImage::from_fn(side, side, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - oc, y as f32 + 0.5 - oc);
        let sx = c * dx + s * dy + cx - 0.5;
        let sy = -s * dx + c * dy + cy - 0.5;
        if sx < 0.0 || sy < 0.0 || sx >= w - 1.0 || sy >= h - 1.0 {
            return Luma([255]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
        let p = |x: u32, y: u32| img.get_pixel(x, y).0[0] as f32;
        let top = p(x0, y0) * (1.0 - tx) + p(x0 + 1, y0) * tx;
        let bot = p(x0, y0 + 1) * (1.0 - tx) + p(x0 + 1, y0 + 1) * tx;
        Luma([(top * (1.0 - ty) + bot * ty).round() as u8])
    })
}

fn otpauth() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("totp"), Just("hotp")],
        "[A-Za-z0-9 .]{1,20}",
        "[a-z0-9._]{1,16}@[a-z]{2,10}\\.(com|org)",
        "[A-Z2-7]{16,52}",
        prop_oneof![Just("SHA1"), Just("SHA256"), Just("SHA512")],
        prop_oneof![Just(6u8), Just(8u8)],
    )
        .prop_map(|(kind, issuer, account, secret, alg, digits)| {
            let issuer = issuer.trim().replace(' ', "%20");
            let issuer = if issuer.is_empty() { "X".to_string() } else { issuer };
            let extra = if kind == "hotp" { "&counter=7" } else { "&period=30" };
            format!(
                "otpauth://{kind}/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm={alg}&digits={digits}{extra}",
                account.replace('@', "%40")
            )
        })
}

fn ec() -> impl Strategy<Value = EcLevel> {
    prop_oneof![
        Just(EcLevel::L),
        Just(EcLevel::M),
        Just(EcLevel::Q),
        Just(EcLevel::H)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn upright_codes_read_back(uri in otpauth(), module in 2u32..9, ec in ec()) {
        let img = render(&uri, module, ec);
        let codes = scan_image(&image::DynamicImage::ImageLuma8(img), &Limits::default()).unwrap();
        prop_assert_eq!(codes.len(), 1);
        prop_assert_eq!(&codes[0].bytes, uri.as_bytes());
        prop_assert_eq!(codes[0].kind, PayloadKind::Otpauth);
    }

    #[test]
    fn rotated_codes_read_back(uri in otpauth(), module in 3u32..8, deg in -180f32..180.0, ec in ec()) {
        let img = rotate(&render(&uri, module, ec), deg);
        let codes = scan_image(&image::DynamicImage::ImageLuma8(img), &Limits::default()).unwrap();
        prop_assert_eq!(codes.len(), 1, "angle {}", deg);
        prop_assert_eq!(&codes[0].bytes, uri.as_bytes());
    }

    #[test]
    fn inverted_codes_on_a_page_read_back(uri in otpauth(), module in 2u32..6, x in 0u32..300, y in 0u32..200) {
        let code = render(&uri, module, EcLevel::M);
        let (w, h) = (code.width() + 400, code.height() + 300);
        let mut page = vec![30u8; (w * h) as usize];
        for (cx, cy, p) in code.enumerate_pixels() {
            page[((cy + y) * w + cx + x) as usize] = 255 - p.0[0];
        }
        let codes = scan_luma(w, h, &page, &Limits::default()).unwrap();
        prop_assert_eq!(codes.len(), 1);
        prop_assert_eq!(&codes[0].bytes, uri.as_bytes());
    }
}

#[test]
fn two_codes_side_by_side_come_back_in_reading_order() {
    let a = render(
        "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&issuer=A",
        4,
        EcLevel::M,
    );
    let b = render(
        "otpauth://totp/B:b?secret=KRSXG5CTMVRXEZLU&issuer=B",
        5,
        EcLevel::M,
    );
    let c = render("https://example.com/not-an-account", 4, EcLevel::M);
    let (w, h) = (
        a.width() + b.width() + 60,
        a.height().max(b.height()) + c.height() + 60,
    );
    let mut page = GrayImage::from_pixel(w, h, Luma([255]));
    image::imageops::overlay(&mut page, &b, (a.width() + 40) as i64, 10);
    image::imageops::overlay(&mut page, &a, 10, 10);
    image::imageops::overlay(&mut page, &c, 10, (b.height() + 40) as i64);
    let codes = scan_image(&image::DynamicImage::ImageLuma8(page), &Limits::default()).unwrap();
    let texts: Vec<_> = codes.iter().map(|c| c.text.clone().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP&issuer=A",
            "otpauth://totp/B:b?secret=KRSXG5CTMVRXEZLU&issuer=B",
            "https://example.com/not-an-account",
        ]
    );
    assert_eq!(codes[2].kind, PayloadKind::Other);
}

#[test]
fn non_utf8_bytes_come_back_as_stored() {
    let payload = b"otpauth://totp/caf\xe9?secret=JBSWY3DPEHPK3PXP";
    let img = QrCode::new(payload)
        .unwrap()
        .render::<Luma<u8>>()
        .module_dimensions(4, 4)
        .build();
    let codes = scan_image(&image::DynamicImage::ImageLuma8(img), &Limits::default()).unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].bytes, payload);
    assert_eq!(codes[0].text, None);
    assert_eq!(
        codes[0].text_lossless(),
        "otpauth://totp/café?secret=JBSWY3DPEHPK3PXP"
    );
}

#[test]
fn transparent_black_background_is_white() {
    // Dark modules opaque black, light modules fully transparent *black*.
    let code = render("otpauth://totp/T:t?secret=JBSWY3DPEHPK3PXP", 4, EcLevel::M);
    let rgba = image::RgbaImage::from_fn(code.width(), code.height(), |x, y| {
        if code.get_pixel(x, y).0[0] < 128 {
            image::Rgba([0, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(rgba)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let codes = twofold_scan::scan_bytes(&png, &Limits::default()).unwrap();
    assert_eq!(codes.len(), 1);
}

/// Every supported container (PNG, JPEG, WebP, BMP, GIF, TIFF) holding the same code reads back
/// byte-exact through `scan_bytes`, the path of a file, a paste or a drop.
#[test]
fn every_supported_format_reads_back() {
    let uri = "otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
    let grey = image::DynamicImage::ImageLuma8(render(uri, 6, EcLevel::M));
    let rgb = image::DynamicImage::ImageRgb8(grey.to_rgb8());
    for (format, img) in [
        (image::ImageFormat::Png, &grey),
        (image::ImageFormat::Jpeg, &rgb),
        (image::ImageFormat::WebP, &rgb),
        (image::ImageFormat::Bmp, &rgb),
        (image::ImageFormat::Gif, &rgb),
        (image::ImageFormat::Tiff, &grey),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, format)
            .unwrap_or_else(|e| panic!("encode {format:?}: {e}"));
        let codes = twofold_scan::scan_bytes(bytes.get_ref(), &Limits::default())
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let texts: Vec<_> = codes.iter().map(|c| c.text.clone()).collect();
        assert_eq!(texts, vec![Some(uri.to_string())], "{format:?}");
    }
}
