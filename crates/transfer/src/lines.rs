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
