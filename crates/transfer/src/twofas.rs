//! 2FAS Authenticator's `.2fas` backup, plain and encrypted, schema versions 1 to 4.
//! Source of truth: github.com/twofas/2fas-android (`backup` module: `BackupDto`, `ServiceDto`)
//! and the Aegis importer tests (`TwoFASImporter.java`, fixtures `2fas_authenticator_*.2fas`).
//!
//! Encrypted: `servicesEncrypted` is `base64(ciphertext+tag):base64(salt):base64(iv)`, the key
//! PBKDF2-HMAC-SHA256(password, salt, 10 000 iterations, 256 bits), the cipher AES-256-GCM, the
//! plaintext the JSON list of services. `reference` is a known text sealed the same way (only
//! used by 2FAS to check the password; the tag of `servicesEncrypted` checks it here).
//! Services: `name`, `secret`, `otp` {`issuer`, `account`, `label`, `digits`, `period`,
//! `algorithm`, `counter`, `tokenType` (TOTP/HOTP/STEAM, schema 3+)}, `groupId` → `groups`.

use serde_json::Value;
use twofold_otp::Kind;

use super::crypto::{aes_gcm_open, b64_decode, pbkdf2_sha256};
use super::json::{get, parse, sniff, Ctx};
use super::{account, Fields, Format, Imported, Importer, TransferError};
use twofold_vault::account::Account;

const NAME: &str = "2FAS";
const ITERATIONS: u32 = 10_000;

pub struct TwoFasImporter;

impl Importer for TwoFasImporter {
    fn format(&self) -> Format {
        Format::TwoFas
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| {
            v.get("services").is_some_and(|s| s.is_array()) && v.get("schemaVersion").is_some()
        })
    }

    fn is_encrypted(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| v.get("servicesEncrypted").is_some_and(|s| s.is_string()))
    }

    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let root = parse(NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        let schema = cx.opt_u64(root, "schemaVersion", "backup")?.unwrap_or(1);
        if schema > 4 {
            return Err(TransferError::NewerVersion {
                format: NAME,
                found: schema as u32,
                supported: 4,
            });
        }
        let mut groups = std::collections::HashMap::new();
        if let Some(g) = get(root, "groups") {
            for (i, g) in cx.arr(g, "groups")?.iter().enumerate() {
                let at = format!("groups[{i}]");
                let g = cx.obj(g, &at)?;
                if let (Some(id), Some(name)) =
                    (cx.opt_str(g, "id", &at)?, cx.opt_str(g, "name", &at)?)
                {
                    groups.insert(id.to_string(), name.to_string());
                }
            }
        }
        let (services, encrypted, base) = match cx.opt_str(root, "servicesEncrypted", "backup")? {
            Some(enc) => {
                let password = password.ok_or(TransferError::PasswordRequired { format: NAME })?;
                let plain = decrypt(&cx, enc, password)?;
                let v = parse(NAME, &plain).map_err(|e| match e {
                    TransferError::Corrupt { at, reason, .. } => {
                        cx.err(format!("the decrypted services, {at}"), reason)
                    }
                    other => other,
                })?;
                (v, true, "servicesEncrypted")
            }
            None => (
                cx.req(root, "services", "backup")?.clone(),
                false,
                "services",
            ),
        };
        let mut accounts = Vec::new();
        for (i, s) in cx.arr(&services, base)?.iter().enumerate() {
            accounts.push(service(&cx, s, &format!("{base}[{i}]"), schema, &groups)?);
        }
        Ok(Imported {
            format: Format::TwoFas,
            encrypted,
            accounts,
            skipped: Vec::new(),
        })
    }
}

fn decrypt(
    cx: &Ctx,
    enc: &str,
    password: &str,
) -> Result<zeroize::Zeroizing<Vec<u8>>, TransferError> {
    let parts: Vec<&str> = enc.split(':').collect();
    if parts.len() != 3 {
        return Err(cx.err(
            "servicesEncrypted",
            "expected three base64 parts separated by ':'",
        ));
    }
    let ct = b64_decode(parts[0])
        .ok_or_else(|| cx.err("servicesEncrypted (part 1, ciphertext)", "not base64"))?;
    let salt = b64_decode(parts[1])
        .ok_or_else(|| cx.err("servicesEncrypted (part 2, salt)", "not base64"))?;
    let iv = b64_decode(parts[2])
        .ok_or_else(|| cx.err("servicesEncrypted (part 3, IV)", "not base64"))?;
    if iv.len() != 12 {
        return Err(cx.err("servicesEncrypted (part 3, IV)", "the IV is not 12 bytes"));
    }
    if ct.len() < 16 {
        return Err(cx.err(
            "servicesEncrypted (part 1, ciphertext)",
            "shorter than the 16-byte tag (truncated)",
        ));
    }
    let key = pbkdf2_sha256(password.as_bytes(), &salt, ITERATIONS)
        .map_err(|e| cx.err("servicesEncrypted", e))?;
    aes_gcm_open(&key, &iv, &ct).ok_or(TransferError::WrongPassword { format: NAME })
}

fn service(
    cx: &Ctx,
    s: &Value,
    at: &str,
    schema: u64,
    groups: &std::collections::HashMap<String, String>,
) -> Result<Account, TransferError> {
    let s = cx.obj(s, at)?;
    let secret = cx.secret(cx.req_str(s, "secret", at)?, &format!("{at}.secret"))?;
    let name = cx.opt_str(s, "name", at)?.unwrap_or("");
    let empty = serde_json::Map::new();
    let otp = match get(s, "otp") {
        Some(o) => cx.obj(o, &format!("{at}.otp"))?,
        None => &empty,
    };
    let oat = format!("{at}.otp");
    let issuer = cx
        .opt_str(otp, "issuer", &oat)?
        .filter(|i| !i.trim().is_empty())
        .unwrap_or(name);
    let label = match cx
        .opt_str(otp, "account", &oat)?
        .filter(|a| !a.trim().is_empty())
    {
        Some(a) => a.to_string(),
        None => {
            let l = cx.opt_str(otp, "label", &oat)?.unwrap_or("");
            // Schema 1-3 labels are `Issuer:account`.
            match l.split_once(':') {
                Some((_, a)) => a.to_string(),
                None => l.to_string(),
            }
        }
    };
    // Schema 2 has no token type: everything is TOTP (a 2FAS limitation of that version).
    let kind = match cx.opt_str(otp, "tokenType", &oat)? {
        Some(t) if schema >= 3 => cx.kind(t, &format!("{oat}.tokenType"))?,
        _ => Kind::Totp,
    };
    let algorithm = match cx.opt_str(otp, "algorithm", &oat)? {
        Some(a) => cx.algorithm(a, &format!("{oat}.algorithm"))?,
        None => Default::default(),
    };
    let digits = cx.opt_u64(otp, "digits", &oat)?.unwrap_or(6);
    let mut a = account(
        NAME,
        at,
        Fields {
            issuer: issuer.to_string(),
            label,
            secret,
            kind,
            algorithm,
            digits: cx.u32_of(digits, &oat)?,
            period: cx.opt_u64(otp, "period", &oat)?.unwrap_or(30),
            counter: cx.opt_u64(otp, "counter", &oat)?.unwrap_or(0),
        },
    )?;
    if let Some(g) = cx.opt_str(s, "groupId", at)? {
        if let Some(name) = groups.get(g) {
            a.tags.push(name.clone());
        }
    }
    Ok(a)
}
