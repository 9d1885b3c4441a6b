//! `otpauth://` Key URIs (the Google Authenticator "Key Uri Format", as real apps write it).

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

use crate::code::{truncate, Algorithm, Kind, OtpParams, DEFAULT_PERIOD, STEAM_DIGITS};
use crate::{OtpError, Secret};

/// Characters left as they are in a label or a query value: RFC 3986 unreserved.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parsed `otpauth://` URI. The issuer may come from the `issuer` parameter, from the label
/// prefix (`Issuer:account`), or both; [`KeyUri::issuer`] prefers the parameter and both stay
/// available.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyUri {
    pub kind: Kind,
    pub secret: Secret,
    /// The account part of the label (after `Issuer:`), e.g. an e-mail address.
    pub account: String,
    /// The issuer prefix of the label, if any.
    pub label_issuer: Option<String>,
    /// The `issuer` query parameter, if any.
    pub issuer_param: Option<String>,
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period: u64,
    pub counter: u64,
    /// Parameters Twofold does not interpret (`image`, `color`, `icon`, …), in order.
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for KeyUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyUri")
            .field("kind", &self.kind)
            .field("secret", &self.secret)
            .field("account", &self.account)
            .field("label_issuer", &self.label_issuer)
            .field("issuer_param", &self.issuer_param)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .field("counter", &self.counter)
            .field("extra", &self.extra)
            .finish()
    }
}

impl KeyUri {
    /// A TOTP URI with default parameters.
    pub fn new(kind: Kind, secret: Secret, issuer: Option<String>, account: String) -> Self {
        let digits = if kind == Kind::Steam { STEAM_DIGITS } else { 6 };
        Self {
            kind,
            secret,
            account,
            label_issuer: issuer.clone(),
            issuer_param: issuer,
            algorithm: Algorithm::Sha1,
            digits,
            period: DEFAULT_PERIOD,
            counter: 0,
            extra: Vec::new(),
        }
    }

    /// The issuer to show: the parameter when present, else the label prefix.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer_param
            .as_deref()
            .or(self.label_issuer.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// Whether the label prefix names another issuer than the parameter (show both).
    pub fn issuer_conflict(&self) -> bool {
        matches!((&self.issuer_param, &self.label_issuer), (Some(p), Some(l)) if p != l)
    }

    pub fn params(&self) -> OtpParams {
        let s = self;
        OtpParams::of(s.kind, s.algorithm, s.digits, s.period, s.counter)
    }

    /// Parses an `otpauth://` URI.
    pub fn parse(input: &str) -> Result<Self, OtpError> {
        let input = input.trim();
        let rest = strip_prefix_ci(input, "otpauth://")
            .ok_or_else(|| OtpError::NotOtpauth(what_it_is(input)))?;
        // A raw '#' starts a fragment; '%23' is a literal '#'.
        let rest = rest.split('#').next().unwrap_or("");
        let (before_query, query) = match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (host, path) = match before_query.find('/') {
            Some(i) => (&before_query[..i], &before_query[i + 1..]),
            None => (before_query, ""),
        };
        let mut kind: Kind = match host.to_ascii_lowercase().as_str() {
            "totp" => Kind::Totp,
            "hotp" => Kind::Hotp,
            "steam" => Kind::Steam,
            other => return Err(OtpError::UnknownUriType(truncate(other))),
        };
        let (label_issuer, account) = split_label(path)?;

        let mut secret = None;
        let mut issuer_param = None;
        let mut algorithm = None;
        let mut digits = None;
        let mut period = None;
        let mut counter = None;
        let mut extra = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let lower = key.to_ascii_lowercase();
            match lower.as_str() {
                "secret" if secret.is_none() => secret = Some(Secret::from_base32(&value)?),
                "issuer" if issuer_param.is_none() => {
                    let v = value.trim().to_string();
                    issuer_param = Some(v).filter(|v| !v.is_empty());
                }
                "algorithm" if algorithm.is_none() => algorithm = Some(value.parse()?),
                "digits" if digits.is_none() => digits = Some(parse_num::<u32>("digits", &value)?),
                "period" if period.is_none() => period = Some(parse_num::<u64>("period", &value)?),
                "counter" if counter.is_none() => {
                    counter = Some(parse_num::<u64>("counter", &value)?)
                }
                "encoder" if value.eq_ignore_ascii_case("steam") => kind = Kind::Steam,
                "secret" | "issuer" | "algorithm" | "digits" | "period" | "counter" => {}
                _ => extra.push((key.into_owned(), value.into_owned())),
            }
        }
        let secret = secret.ok_or(OtpError::MissingSecret)?;
        let counter = match kind {
            Kind::Hotp => counter.ok_or(OtpError::MissingCounter)?,
            _ => 0,
        };
        let digits = match kind {
            Kind::Steam => STEAM_DIGITS,
            _ => digits.unwrap_or(6),
        };
        let period = period.unwrap_or(DEFAULT_PERIOD);
        let uri = KeyUri {
            kind,
            secret,
            account,
            label_issuer,
            issuer_param,
            algorithm: if kind == Kind::Steam {
                Algorithm::Sha1
            } else {
                algorithm.unwrap_or_default()
            },
            digits,
            period,
            counter,
            extra,
        };
        uri.params().validate()?;
        Ok(uri)
    }

    /// The canonical URI: label `Issuer:account` (the prefix left out when the issuer itself holds
    /// a colon), then `secret`, `issuer`, `algorithm`, `digits`, `period` or `counter`, and the
    /// kept unknown parameters. Steam accounts use the `otpauth://steam/` host.
    pub fn to_uri(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(128));
        out.push_str("otpauth://");
        out.push_str(self.kind.as_str());
        out.push('/');
        let issuer = self.issuer();
        if let Some(i) = issuer.filter(|i| !i.contains(':')) {
            out.push_str(&enc(i));
            out.push(':');
        }
        out.push_str(&enc(&self.account));
        out.push_str("?secret=");
        out.push_str(&self.secret.to_base32());
        if let Some(i) = issuer {
            out.push_str("&issuer=");
            out.push_str(&enc(i));
        }
        if self.kind != Kind::Steam {
            out.push_str("&algorithm=");
            out.push_str(self.algorithm.as_str());
            out.push_str(&format!("&digits={}", self.digits));
        }
        match self.kind {
            Kind::Hotp => out.push_str(&format!("&counter={}", self.counter)),
            _ => out.push_str(&format!("&period={}", self.period)),
        }
        for (k, v) in &self.extra {
            out.push('&');
            out.push_str(&enc(k));
            out.push('=');
            out.push_str(&enc(v));
        }
        out
    }
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) {
        let (head, tail) = s.split_at(prefix.len());
        head.eq_ignore_ascii_case(prefix).then_some(tail)
    } else {
        None
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, OtpError> {
    value
        .trim()
        .parse()
        .map_err(|_| OtpError::InvalidParameter {
            name: name.into(),
            reason: format!("'{}' is not a whole number", truncate(value)),
        })
}

/// Splits a raw (still percent-encoded) label at its first `:` or `%3A`. In the path a `+` is a
/// plus, not a space.
fn split_label(raw: &str) -> Result<(Option<String>, String), OtpError> {
    let lower = raw.to_ascii_lowercase();
    let sep = match (raw.find(':'), lower.find("%3a")) {
        (Some(a), Some(b)) if a < b => Some((a, 1)),
        (_, Some(b)) => Some((b, 3)),
        (Some(a), None) => Some((a, 1)),
        (None, None) => None,
    };
    let decode = |s: &str| -> Result<String, OtpError> {
        percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| OtpError::InvalidLabel)
    };
    match sep {
        Some((i, len)) => {
            let issuer = decode(&raw[..i])?.trim().to_string();
            let account = decode(&raw[i + len..])?.trim().to_string();
            Ok((Some(issuer).filter(|s| !s.is_empty()), account))
        }
        None => Ok((None, decode(raw)?.trim().to_string())),
    }
}

/// What a text that is not an otpauth URI looks like, without quoting it: it may be a secret
/// (a bare base32 key pasted where a link goes), so only a link's scheme is named.
fn what_it_is(input: &str) -> String {
    // Lower case only: an upper-case word before a colon is more likely part of a key.
    let scheme = input.split_once(':').map(|(s, _)| s).filter(|s| {
        (1..=20).contains(&s.len())
            && (s.eq_ignore_ascii_case("otpauth")
                || (s.starts_with(|c: char| c.is_ascii_lowercase())
                    && s.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-".contains(c)
                    })))
    });
    match scheme {
        None if input.is_empty() => "got nothing".into(),
        None => "got text that is not a link; a bare secret key goes in the manual form or 'twofold add --secret'".into(),
        Some(s) if s.eq_ignore_ascii_case("otpauth") => "got 'otpauth:' without the '//' after it".into(),
        Some(s) => format!("got a '{s}:' link"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "JBSWY3DPEHPK3PXP";

    fn p(s: &str) -> KeyUri {
        KeyUri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn label_forms() {
        for uri in [
            "otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP",
            "otpauth://totp/ACME%3Aalice@example.com?secret=JBSWY3DPEHPK3PXP",
            "otpauth://totp/ACME%3a%20alice%40example.com?secret=JBSWY3DPEHPK3PXP",
            "otpauth://totp/ACME:  alice@example.com?secret=JBSWY3DPEHPK3PXP",
        ] {
            let k = p(uri);
            assert_eq!(k.label_issuer.as_deref(), Some("ACME"), "{uri}");
            assert_eq!(k.account, "alice@example.com", "{uri}");
            assert_eq!(k.issuer(), Some("ACME"));
        }
        let k = p("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP");
        assert_eq!((k.issuer(), k.account.as_str()), (None, "alice"));
    }

    #[test]
    fn issuer_parameter_wins_and_both_stay_visible() {
        let k = p("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New");
        assert_eq!(k.issuer(), Some("New"));
        assert_eq!(k.label_issuer.as_deref(), Some("Old"));
        assert!(k.issuer_conflict());
    }

    #[test]
    fn plus_is_space_in_query_and_plus_in_path() {
        let k = p("otpauth://totp/Air+Canada:a+b@x.org?secret=JBSWY3DPEHPK3PXP&issuer=Air+Canada");
        assert_eq!(k.issuer_param.as_deref(), Some("Air Canada"));
        assert_eq!(k.label_issuer.as_deref(), Some("Air+Canada"));
        assert_eq!(k.account, "a+b@x.org");
    }

    #[test]
    fn hash_encoded_and_raw() {
        let k = p("otpauth://totp/C%23%20Corp:me?secret=JBSWY3DPEHPK3PXP#frag");
        assert_eq!(k.issuer(), Some("C# Corp"));
        let k = p("otpauth://totp/me?secret=JBSWY3DPEHPK3PXP&issuer=X#&digits=8");
        assert_eq!(k.digits, 6);
    }

    #[test]
    fn secret_forms_and_case() {
        for uri in [
            "OTPAUTH://TOTP/x?secret=jbswy3dpehpk3pxp&algorithm=sha256",
            "otpauth://Totp/x?secret=JBSW%20Y3DP-EHPK%203PXP&algorithm=Sha256",
            "otpauth://totp/x?SECRET=JBSWY3DPEHPK3PXP%3D%3D%3D%3D&ALGORITHM=SHA256",
        ] {
            let k = p(uri);
            assert_eq!(k.secret.to_base32().as_str(), S, "{uri}");
            assert_eq!(k.algorithm, Algorithm::Sha256, "{uri}");
        }
    }

    #[test]
    fn unknown_parameters_kept() {
        let k = p("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fa.b%2Fi.png&color=%23ff0000");
        assert_eq!(
            k.extra,
            vec![
                ("image".to_string(), "https://a.b/i.png".to_string()),
                ("color".to_string(), "#ff0000".to_string())
            ]
        );
        let again = p(&k.to_uri());
        assert_eq!(
            again,
            KeyUri {
                label_issuer: None,
                ..k
            }
        );
    }

    #[test]
    fn hotp_needs_counter() {
        assert_eq!(
            KeyUri::parse("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP").unwrap_err(),
            OtpError::MissingCounter
        );
        assert_eq!(
            p("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=7").counter,
            7
        );
    }

    #[test]
    fn steam_forms() {
        assert_eq!(
            p("otpauth://steam/Steam:me?secret=JBSWY3DPEHPK3PXP").kind,
            Kind::Steam
        );
        let k = p("otpauth://totp/Steam:me?secret=JBSWY3DPEHPK3PXP&encoder=steam&digits=5");
        assert_eq!((k.kind, k.digits), (Kind::Steam, 5));
        assert!(p(&k.to_uri()).kind == Kind::Steam);
    }

    #[test]
    fn text_that_is_not_a_link_is_described_not_quoted() {
        let msg = |s: &str| KeyUri::parse(s).unwrap_err().to_string();
        let secret = msg("JBSWY3DPEHPK3PXP");
        assert!(!secret.contains("JBSW"), "{secret}");
        assert!(secret.contains("manual form"), "{secret}");
        let typo = msg("otpauth:/totp/x?secret=JBSWY3DPEHPK3PXP");
        assert!(
            typo.contains("without the '//'") && !typo.contains("JBSW"),
            "{typo}"
        );
        assert!(msg("https://example.com/?secret=JBSWY3DPEHPK3PXP").contains("got a 'https:' link"));
        assert!(
            !msg("JBSW Y3DP: EHPK").contains("JBSW"),
            "a colon does not make a scheme"
        );
        assert!(
            !msg("JBSWY3DP:EHPK3PXP").contains("JBSW"),
            "nor an upper-case word before it"
        );
    }

    #[test]
    fn errors() {
        type Check = fn(&OtpError) -> bool;
        let cases: [(&str, Check); 8] = [
            ("https://x", |e| matches!(e, OtpError::NotOtpauth(_))),
            ("otpauth://motp/x?secret=AA", |e| {
                matches!(e, OtpError::UnknownUriType(_))
            }),
            ("otpauth://totp/x?issuer=a", |e| {
                *e == OtpError::MissingSecret
            }),
            ("otpauth://totp/x?secret=A1", |e| {
                matches!(e, OtpError::InvalidBase32(_))
            }),
            ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4", |e| {
                matches!(e, OtpError::InvalidDigits { .. })
            }),
            ("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0", |e| {
                matches!(e, OtpError::InvalidPeriod(_))
            }),
            (
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
                |e| *e == OtpError::Md5Unsupported,
            ),
            ("otpauth://totp/%FF?secret=JBSWY3DPEHPK3PXP", |e| {
                *e == OtpError::InvalidLabel
            }),
        ];
        for (uri, check) in cases {
            let e = KeyUri::parse(uri).unwrap_err();
            assert!(check(&e), "{uri}: {e}");
        }
    }

    #[test]
    fn canonical_form() {
        let k = p("otpauth://totp/ACME%20Co:john.doe@email.com?secret=jbswy3dpehpk3pxp&issuer=ACME+Co&period=60");
        assert_eq!(
            k.to_uri().as_str(),
            "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=60"
        );
        assert!(!format!("{k:?}").contains(S));
    }
}
