use std::fmt;

use zeroize::{Zeroize, Zeroizing};

use crate::OtpError;

/// A shared secret, zeroized on drop. Its `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses base32 as people and apps write it: any case, with spaces, dashes or `=` padding,
    /// of any length (80-bit secrets from Google exports included).
    pub fn from_base32(text: &str) -> Result<Self, OtpError> {
        let mut clean: Zeroizing<String> = Zeroizing::new(String::with_capacity(text.len()));
        for c in text.chars() {
            match c {
                ' ' | '-' | '\t' | '=' => {}
                'a'..='z' => clean.push(c.to_ascii_uppercase()),
                'A'..='Z' | '2'..='7' => clean.push(c),
                '0' | '1' | '8' | '9' => {
                    return Err(OtpError::InvalidBase32(format!(
                        "the digit '{c}' does not exist in base32"
                    )))
                }
                _ => {
                    return Err(OtpError::InvalidBase32(
                        "it contains a character outside A-Z and 2-7".into(),
                    ))
                }
            }
        }
        if clean.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        // A base32 group of 8 characters carries 5 bytes; lengths 1, 3 and 6 (mod 8) cannot end a
        // valid encoding.
        if matches!(clean.len() % 8, 1 | 3 | 6) {
            return Err(OtpError::InvalidBase32(format!(
                "{} characters is not a possible base32 length",
                clean.len()
            )));
        }
        let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &clean)
            .ok_or_else(|| OtpError::InvalidBase32("it could not be decoded".into()))?;
        if bytes.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        Ok(Self::from_bytes(bytes))
    }

    /// The canonical form: upper-case RFC 4648 base32 without padding.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(base32::encode(
            base32::Alphabet::Rfc4648 { padding: false },
            &self.0,
        ))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes redacted>)", self.0.len())
    }
}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_people_paste() {
        let canonical = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        for variant in [
            "jbswy3dpehpk3pxp",
            "JBSW Y3DP EHPK 3PXP",
            "jbsw-y3dp-ehpk-3pxp",
            "JBSWY3DPEHPK3PXP====",
        ] {
            assert_eq!(
                Secret::from_base32(variant).unwrap(),
                canonical,
                "{variant}"
            );
        }
    }

    #[test]
    fn short_google_secrets_are_fine() {
        // 80 bits = 16 base32 characters
        assert_eq!(Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap().len(), 10);
    }

    #[test]
    fn rejects_bad_base32_without_echoing_it() {
        let err = Secret::from_base32("ABCD1EFG").unwrap_err();
        assert!(matches!(err, OtpError::InvalidBase32(_)));
        assert!(!err.to_string().contains("ABCD1EFG"));
        assert_eq!(
            Secret::from_base32("  ").unwrap_err(),
            OtpError::EmptySecret
        );
        assert!(Secret::from_base32("ABC").is_err());
        assert!(Secret::from_base32("AB!C").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("JBSW"));
        assert!(shown.contains("10 bytes"));
    }
}
