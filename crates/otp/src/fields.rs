//! A typed-in account (the desktop's "Enter a key" form, `twofold add --secret …`) turned into a
//! Key URI by one set of rules, so both faces accept and refuse the same input.

use crate::{Algorithm, KeyUri, Kind, OtpError, Secret};

/// What a person typed. `None` means "not given": the kind's default applies.
#[derive(Debug, Default, Clone)]
pub struct KeyFields<'a> {
    pub kind: Kind,
    /// Base32, spaces and dashes allowed ([`Secret::from_base32`]).
    pub secret: &'a str,
    /// Trimmed; empty means none.
    pub issuer: &'a str,
    /// The account name, trimmed.
    pub label: &'a str,
    pub algorithm: Option<Algorithm>,
    pub digits: Option<u32>,
    pub period: Option<u64>,
    /// HOTP only, and required there.
    pub counter: Option<u64>,
}

impl KeyUri {
    /// The URI of a typed-in account, or the first thing wrong with it. Steam Guard codes are
    /// always 5 characters from HMAC-SHA1 (Steam's own app): a digit count or algorithm given
    /// for one is refused rather than silently dropped.
    pub fn from_fields(f: &KeyFields<'_>) -> Result<KeyUri, OtpError> {
        let issuer = Some(f.issuer.trim().to_string()).filter(|s| !s.is_empty());
        let mut uri = KeyUri::new(
            f.kind,
            Secret::from_base32(f.secret)?,
            issuer,
            f.label.trim().to_string(),
        );
        if f.kind == Kind::Steam {
            if f.digits.is_some_and(|d| d != uri.digits)
                || f.algorithm.is_some_and(|a| a != Algorithm::Sha1)
            {
                return Err(OtpError::SteamFixed);
            }
        } else {
            if let Some(a) = f.algorithm {
                uri.algorithm = a;
            }
            if let Some(d) = f.digits {
                uri.digits = d;
            }
        }
        if let Some(p) = f.period {
            uri.period = p;
        }
        match (f.kind, f.counter) {
            (Kind::Hotp, Some(c)) => uri.counter = c,
            (Kind::Hotp, None) => return Err(OtpError::MissingCounter),
            (_, Some(_)) => return Err(OtpError::CounterNotHotp),
            _ => {}
        }
        uri.params().validate()?;
        Ok(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(kind: Kind) -> KeyFields<'static> {
        KeyFields {
            kind,
            secret: "JBSW Y3DP-EHPK3PXP",
            issuer: "  Acme ",
            label: " ann@example.com ",
            ..Default::default()
        }
    }

    #[test]
    fn defaults_trimmed_names_and_the_kinds_rules() {
        let u = KeyUri::from_fields(&fields(Kind::Totp)).unwrap();
        assert_eq!(
            u.to_uri().as_str(),
            "otpauth://totp/Acme:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA1&digits=6&period=30"
        );
        let steam = KeyUri::from_fields(&fields(Kind::Steam)).unwrap();
        assert_eq!(steam.digits, 5);

        let e = KeyUri::from_fields(&KeyFields {
            digits: Some(6),
            ..fields(Kind::Steam)
        });
        assert!(matches!(e, Err(OtpError::SteamFixed)));
        let e = KeyUri::from_fields(&KeyFields {
            algorithm: Some(Algorithm::Sha256),
            ..fields(Kind::Steam)
        });
        assert!(matches!(e, Err(OtpError::SteamFixed)));

        assert!(matches!(
            KeyUri::from_fields(&fields(Kind::Hotp)),
            Err(OtpError::MissingCounter)
        ));
        let h = KeyUri::from_fields(&KeyFields {
            counter: Some(7),
            ..fields(Kind::Hotp)
        })
        .unwrap();
        assert_eq!(h.counter, 7);
        let e = KeyUri::from_fields(&KeyFields {
            counter: Some(0),
            ..fields(Kind::Totp)
        });
        assert!(matches!(e, Err(OtpError::CounterNotHotp)));

        let e = KeyUri::from_fields(&KeyFields {
            digits: Some(11),
            ..fields(Kind::Totp)
        });
        assert!(matches!(e, Err(OtpError::InvalidDigits { .. })));
        let e = KeyUri::from_fields(&KeyFields {
            secret: "not base32!",
            ..fields(Kind::Totp)
        });
        assert!(matches!(e, Err(OtpError::InvalidBase32(_))));
    }
}
