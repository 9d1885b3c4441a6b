//! A Key URI as a QR code, drawn as SVG: the one renderer of the desktop app's "Show QR code"
//! and the test server's setup pages and API.

/// The QR code (error correction M, quiet zone, at least 256 px) of `data` as an inline `<svg>`
/// element (no XML declaration); `None` when `data` is too long for a QR code.
pub fn qr_svg(data: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build();
    Some(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_svg_element_or_none_when_too_long() {
        let svg = qr_svg("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&issuer=A").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..20]);
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(qr_svg(&"x".repeat(8000)), None);
    }
}
