//! Proton Authenticator's export: `{"version": 1, "entries": [{"id", "content": {"uri",
//! "entry_type", "name"}, "note"}]}`.
//! Source of truth: the Aegis importer (`ProtonAuthenticatorImporter.java`) and its test file
//! `proton_authenticator.json`.

use twofold_otp::KeyUri;

use super::json::{otp_reason, parse, sniff, Ctx};
use super::{Format, Imported, Importer, TransferError};
use twofold_vault::account::Account;

const NAME: &str = "Proton Authenticator";

pub struct ProtonImporter;

impl Importer for ProtonImporter {
    fn format(&self) -> Format {
        Format::Proton
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| {
            v.get("entries")
                .and_then(|e| e.as_array())
                .is_some_and(|e| e.iter().all(|x| x.get("content").is_some()))
                && v.get("header").is_none()
        })
    }

    fn import(&self, data: &[u8], _password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let root = parse(NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        let mut accounts = Vec::new();
        for (i, e) in cx.req_arr(root, "entries", "export")?.iter().enumerate() {
            let at = format!("entries[{i}]");
            let e = cx.obj(e, &at)?;
            let c = cx.req_obj(e, "content", &at)?;
            let uri = cx.req_str(c, "uri", &format!("{at}.content"))?;
            if !uri
                .trim()
                .get(..10)
                .is_some_and(|p| p.eq_ignore_ascii_case("otpauth://"))
            {
                return Err(cx.err(format!("{at}.content.uri"), "not an otpauth:// URI"));
            }
            let k = KeyUri::parse(uri)
                .map_err(|err| cx.err(format!("{at}.content.uri"), otp_reason(&err)))?;
            let mut a = Account::from_key_uri(&k, 0);
            if a.label.is_empty() {
                a.label = cx.opt_str(c, "name", &at)?.unwrap_or("").to_string();
            }
            a.note = cx.opt_str(e, "note", &at)?.unwrap_or("").to_string();
            accounts.push(a);
        }
        Ok(Imported {
            format: Format::Proton,
            encrypted: false,
            accounts,
            skipped: Vec::new(),
        })
    }
}
