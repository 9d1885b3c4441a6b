//! The one line reader of the text formats (otpauth lists, Ente's plain export, Google's
//! `otpauth-migration://` lists and the text read off QR images): numbered lines, trimmed,
//! without blank lines and `#` comments.

/// Lines worth parsing, with their 1-based numbers for error messages.
pub(crate) fn lines(t: &str) -> impl Iterator<Item = (usize, &str)> {
    t.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Whether a line is an `otpauth://` URI (the scheme in any case, as RFC 3986 allows).
pub(crate) fn is_uri_line(l: &str) -> bool {
    l.get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth://"))
}

/// Line `n` of a `format` file as a Key URI. The check comes first so that the parser's error
/// (which quotes the input) is never shown for a line that is not a URI at all.
pub(crate) fn uri_line(
    format: &'static str,
    n: usize,
    l: &str,
) -> Result<twofold_otp::KeyUri, crate::TransferError> {
    let at = || format!("line {n}");
    if !is_uri_line(l) {
        return Err(crate::TransferError::corrupt(
            format,
            at(),
            "not an otpauth:// URI",
        ));
    }
    twofold_otp::KeyUri::parse(l)
        .map_err(|e| crate::TransferError::corrupt(format, at(), crate::json::otp_reason(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped_and_numbers_kept() {
        let t = "# Google export\n\n  otpauth-migration://offline?data=x  \n#c\nOTPAUTH://totp/a?secret=B\n";
        let got: Vec<_> = lines(t).collect();
        assert_eq!(
            got,
            vec![
                (3, "otpauth-migration://offline?data=x"),
                (5, "OTPAUTH://totp/a?secret=B")
            ]
        );
        assert!(is_uri_line(got[1].1));
        assert!(!is_uri_line(got[0].1));
    }
}
