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

/// A number field of a form as typed: blank is "not given", else a whole number of 0 or more;
/// `field` (`digits`, `period`, `counter`) names it in the refusal.
pub fn parse_number<T: std::str::FromStr>(
    text: Option<&str>,
    field: &'static str,
) -> Result<Option<T>, OtpError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| OtpError::NotANumber(field)),
    }
}

impl KeyFields<'_> {
    /// An account to keep needs a name: an issuer or an account name (a code computed once,
    /// `twofold code --secret`, does not).
    pub fn require_name(&self) -> Result<(), OtpError> {
        if self.issuer.trim().is_empty() && self.label.trim().is_empty() {
            return Err(OtpError::MissingName);
        }
        Ok(())
    }
}

impl KeyFields<'_> {
    /// Every problem of the fields, at most one per field, in the order [`KeyUri::from_fields`]
    /// meets them (a form shows each beside its field); `to_keep`: a name is required too.
    pub fn problems(&self, to_keep: bool) -> Vec<OtpError> {
        let mut out = Vec::new();
        let mut f = self.clone();
        // Each problem found, its field is set to what passes, and the rest is checked again.
        while out.len() < 8 {
            let Err(e) = KeyUri::from_fields(&f) else {
                break;
            };
            match e.field() {
                Some("secret") => f.secret = "AAAAAAAA",
                Some("digits") => (f.digits, f.algorithm) = (None, None),
                Some("period") => f.period = None,
                Some("counter") => f.counter = (f.kind == Kind::Hotp).then_some(0),
                Some("algorithm") => f.algorithm = None,
                _ => {
                    out.push(e);
                    break;
                }
            }
            out.push(e);
        }
        if to_keep {
            out.extend(self.require_name().err());
        }
        out
    }
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

    #[test]
    fn a_kept_account_needs_a_name_and_errors_name_their_field() {
        assert_eq!(fields(Kind::Totp).require_name(), Ok(()));
        let only_issuer = KeyFields {
            label: " ",
            ..fields(Kind::Totp)
        };
        assert_eq!(only_issuer.require_name(), Ok(()));
        let none = KeyFields {
            issuer: "",
            label: "  ",
            ..fields(Kind::Totp)
        };
        assert_eq!(none.require_name(), Err(OtpError::MissingName));
        assert_eq!(OtpError::MissingName.field(), Some("name"));

        let wrong = |f: KeyFields<'_>| KeyUri::from_fields(&f).unwrap_err();
        let e = wrong(KeyFields {
            secret: "1",
            ..fields(Kind::Totp)
        });
        assert_eq!((e.field(), e.code()), (Some("secret"), "invalid_base32"));
        let e = wrong(KeyFields {
            period: Some(0),
            ..fields(Kind::Totp)
        });
        assert_eq!((e.field(), e.code()), (Some("period"), "invalid_period"));
        let e = wrong(fields(Kind::Hotp));
        assert_eq!((e.field(), e.code()), (Some("counter"), "missing_counter"));
        assert_eq!(OtpError::NotOtpauth("x".into()).field(), None);
    }

    #[test]
    fn number_fields_as_typed() {
        assert_eq!(parse_number::<u32>(Some(" 8 "), "digits"), Ok(Some(8)));
        assert_eq!(parse_number::<u32>(Some(""), "digits"), Ok(None));
        assert_eq!(parse_number::<u64>(None, "period"), Ok(None));
        for bad in ["-1", "1.5", "x"] {
            let e = parse_number::<u64>(Some(bad), "counter").unwrap_err();
            assert_eq!((e.field(), e.code()), (Some("counter"), "not_a_number"));
        }
    }

    #[test]
    fn every_field_with_a_problem_is_named_once() {
        let f = KeyFields {
            secret: "ABC1 DEF8",
            digits: Some(4),
            period: Some(0),
            issuer: "",
            label: "",
            ..fields(Kind::Totp)
        };
        let codes: Vec<_> = f.problems(true).iter().map(OtpError::code).collect();
        assert_eq!(
            codes,
            [
                "invalid_base32",
                "invalid_digits",
                "invalid_period",
                "missing_name"
            ]
        );
        assert!(fields(Kind::Totp).problems(true).is_empty());
        let hotp: Vec<_> = fields(Kind::Hotp)
            .problems(false)
            .iter()
            .map(OtpError::code)
            .collect();
        assert_eq!(hotp, ["missing_counter"]);
    }
}
