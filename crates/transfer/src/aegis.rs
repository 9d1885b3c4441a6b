//! Aegis Authenticator's vault export, plain and encrypted.
//! Source of truth: github.com/beemdevelopment/Aegis `docs/vault.md` and `docs/decrypt.py`, and
//! the test vaults in `app/src/test/resources/.../importers/`.
//!
//! Encrypted: each password slot (`type` 1) holds the master key sealed with AES-256-GCM under
//! scrypt(password, salt, n, r, p) → 32 bytes; the `db` string is base64 of the database JSON
//! sealed with AES-256-GCM under the master key (`header.params` nonce and tag). Entries carry
//! type, name (label), issuer, note, favorite, groups (uuids, db v3) or group (a name, db v2),
//! and `info` {secret, algo, digits, period | counter}.

use serde_json::{json, Value};
use twofold_otp::Kind;

use super::crypto::{self, aes_gcm_open, aes_gcm_seal, b64, b64_decode, hex, hex_decode};
use super::json::{get, parse, sniff, Ctx, Obj};
use super::{
    ExportFile, ExportFormat, Exported, Exporter, Format, Imported, Importer, TransferError,
};
use twofold_vault::account::Account;

const NAME: &str = "Aegis";

pub struct AegisImporter;

fn is_aegis(v: &Value) -> bool {
    v.get("header").is_some_and(|h| h.is_object())
        && v.get("db").is_some()
        && v.get("version").is_some()
}

impl Importer for AegisImporter {
    fn format(&self) -> Format {
        Format::Aegis
    }

    fn detect(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| is_aegis(&v))
    }

    fn is_encrypted(&self, data: &[u8]) -> bool {
        sniff(data).is_some_and(|v| v.get("db").is_some_and(|d| d.is_string()))
    }

    fn import(&self, data: &[u8], password: Option<&str>) -> Result<Imported, TransferError> {
        let cx = Ctx { format: NAME };
        let root = parse(NAME, data)?;
        let root = cx.obj(&root, "the top level")?;
        let version = cx.opt_u64(root, "version", "vault")?.unwrap_or(1);
        if version > 1 {
            return Err(TransferError::NewerVersion {
                format: NAME,
                found: version as u32,
                supported: 1,
            });
        }
        let db = cx.req(root, "db", "vault")?;
        let (db_value, encrypted) = match db {
            Value::Object(_) => (db.clone(), false),
            Value::String(s) => {
                let header = cx.req_obj(root, "header", "vault")?;
                let plain = decrypt_db(&cx, header, s, password)?;
                let v = parse(NAME, &plain).map_err(|e| match e {
                    TransferError::Corrupt { at, reason, .. } => {
                        cx.err(format!("the decrypted database, {at}"), reason)
                    }
                    other => other,
                })?;
                (v, true)
            }
            _ => return Err(cx.err("vault.db", "expected an object or a string")),
        };
        let (accounts, skipped) = parse_db(&cx, &db_value)?;
        Ok(Imported {
            format: Format::Aegis,
            encrypted,
            accounts,
            skipped,
        })
    }
}

fn hex_field(
    cx: &Ctx,
    o: &Obj,
    key: &str,
    at: &str,
    len: Option<usize>,
) -> Result<Vec<u8>, TransferError> {
    let s = cx.req_str(o, key, at)?;
    let b = hex_decode(s).ok_or_else(|| cx.err(format!("{at}.{key}"), "not hexadecimal"))?;
    if len.is_some_and(|l| l != b.len()) {
        return Err(cx.err(format!("{at}.{key}"), "wrong length"));
    }
    Ok(b)
}

/// The most password slots an Aegis file may have for Twofold to try them.
const MAX_PASSWORD_SLOTS: usize = 8;

fn decrypt_db(
    cx: &Ctx,
    header: &Obj,
    db: &str,
    password: Option<&str>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, TransferError> {
    let slots = cx.req_arr(header, "slots", "vault.header")?;
    let params = cx.req_obj(header, "params", "vault.header")?;
    let nonce = hex_field(cx, params, "nonce", "vault.header.params", Some(12))?;
    let tag = hex_field(cx, params, "tag", "vault.header.params", Some(16))?;
    let mut ct = b64_decode(db).ok_or_else(|| cx.err("vault.db", "not base64"))?;
    let mut password_slots = Vec::new();
    for (i, s) in slots.iter().enumerate() {
        let at = format!("vault.header.slots[{i}]");
        let s = cx.obj(s, &at)?;
        if cx.opt_u64(s, "type", &at)? == Some(1) {
            password_slots.push((at, s));
        }
    }
    if password_slots.is_empty() {
        return Err(TransferError::Unsupported {
            format: NAME,
            what: "no password slot (only biometric or raw key slots)".into(),
        });
    }
    // Each password slot is one scrypt run of up to 1 GiB: bound the slots and their total work
    // before the first one runs (a 1.5 MB file with 4,000 slots would take hours).
    if password_slots.len() > MAX_PASSWORD_SLOTS {
        return Err(TransferError::TooMuchWork {
            format: NAME,
            what: format!(
                "{} password slots (Aegis writes one per password, Twofold tries at most {MAX_PASSWORD_SLOTS})",
                password_slots.len()
            ),
        });
    }
    // Each slot's scrypt parameters, read and checked once, before any derivation.
    let mut work = 0u64;
    let mut slots = Vec::with_capacity(password_slots.len());
    for (at, s) in password_slots {
        let param = |name: &str| -> Result<u64, TransferError> {
            cx.opt_u64(s, name, &at)?
                .ok_or_else(|| cx.err(format!("{at}.{name}"), "missing"))
        };
        let (n, r, p) = (param("n")?, param("r")?, param("p")?);
        let (r, p) = (cx.u32_of(r, &at)?, cx.u32_of(p, &at)?);
        crypto::check_scrypt(n, r, p).map_err(|e| cx.err(at.clone(), e))?;
        work = work.saturating_add(crypto::scrypt_work(n, r, p));
        slots.push((at, s, n, r, p));
    }
    if work > crypto::MAX_KDF_WORK_PER_FILE {
        return Err(TransferError::TooMuchWork {
            format: NAME,
            what: format!(
                "{} MiB of scrypt work over its password slots (at most {} MiB per file)",
                work >> 20,
                crypto::MAX_KDF_WORK_PER_FILE >> 20
            ),
        });
    }
    let password = password.ok_or(TransferError::PasswordRequired { format: NAME })?;
    let mut master = None;
    for (at, s, n, r, p) in slots {
        let key = hex_field(cx, s, "key", &at, Some(32))?;
        let kp = cx.req_obj(s, "key_params", &at)?;
        let kat = format!("{at}.key_params");
        let knonce = hex_field(cx, kp, "nonce", &kat, Some(12))?;
        let ktag = hex_field(cx, kp, "tag", &kat, Some(16))?;
        let salt = hex_field(cx, s, "salt", &at, None)?;
        let derived = crypto::scrypt(password.as_bytes(), &salt, n, r, p)
            .map_err(|e| cx.err(at.clone(), e))?;
        let mut sealed = key.clone();
        sealed.extend_from_slice(&ktag);
        if let Some(k) = aes_gcm_open(&derived, &knonce, &sealed) {
            if k.len() == 32 {
                let mut mk = zeroize::Zeroizing::new([0u8; 32]);
                mk.copy_from_slice(&k);
                master = Some(mk);
                break;
            }
        }
    }
    let master = master.ok_or(TransferError::WrongPassword { format: NAME })?;
    ct.extend_from_slice(&tag);
    aes_gcm_open(&master, &nonce, &ct).ok_or_else(|| {
        cx.err(
            "vault.db",
            "the database does not decrypt under the right key (damaged)",
        )
    })
}

fn parse_db(cx: &Ctx, db: &Value) -> Result<(Vec<Account>, Vec<String>), TransferError> {
    let db = cx.obj(db, "db")?;
    let version = cx.opt_u64(db, "version", "db")?.unwrap_or(1);
    if version > 3 {
        return Err(TransferError::NewerVersion {
            format: NAME,
            found: version as u32,
            supported: 3,
        });
    }
    let mut groups = std::collections::HashMap::new();
    if let Some(g) = get(db, "groups") {
        for (i, g) in cx.arr(g, "db.groups")?.iter().enumerate() {
            let at = format!("db.groups[{i}]");
            let g = cx.obj(g, &at)?;
            groups.insert(
                cx.req_str(g, "uuid", &at)?.to_string(),
                cx.req_str(g, "name", &at)?.to_string(),
            );
        }
    }
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (i, e) in cx.req_arr(db, "entries", "db")?.iter().enumerate() {
        let at = format!("db.entries[{i}]");
        let e = cx.obj(e, &at)?;
        let ty = cx.req_str(e, "type", &at)?;
        let issuer = cx.opt_str(e, "issuer", &at)?.unwrap_or("");
        let label = cx.opt_str(e, "name", &at)?.unwrap_or("");
        let Some(kind) = cx.kind_or_skip(ty, &at, issuer, label, &mut skipped)? else {
            continue;
        };
        let info = cx.req_obj(e, "info", &at)?;
        let iat = format!("{at}.info");
        let mut a = cx.otp_account(info, "algo", &iat, issuer, label, kind)?;
        a.note = cx.opt_str(e, "note", &at)?.unwrap_or("").to_string();
        a.pinned = cx.opt_bool(e, "favorite", &at)?.unwrap_or(false);
        if let Some(g) = cx.opt_str(e, "group", &at)? {
            a.tags.push(g.to_string());
        }
        if let Some(gs) = get(e, "groups") {
            for (j, g) in cx.arr(gs, &format!("{at}.groups"))?.iter().enumerate() {
                let id = g
                    .as_str()
                    .ok_or_else(|| cx.err(format!("{at}.groups[{j}]"), "expected a string"))?;
                if let Some(name) = groups.get(id) {
                    a.tags.push(name.clone());
                }
            }
        }
        a.tags = twofold_vault::account::normalise_tags(std::mem::take(&mut a.tags));
        out.push(a);
    }
    Ok((out, skipped))
}

/// Writes an Aegis vault (db version 3): encrypted with one password slot (scrypt N=2^15, r=8,
/// p=1, as Aegis itself) when a password is given, plain otherwise.
pub struct AegisExporter {
    pub scrypt_log_n: u8,
}

impl Default for AegisExporter {
    fn default() -> Self {
        AegisExporter { scrypt_log_n: 15 }
    }
}

fn uuid() -> Result<String, TransferError> {
    let b: [u8; 16] = crypto::random()?;
    Ok(uuid::Builder::from_random_bytes(b).into_uuid().to_string())
}

impl Exporter for AegisExporter {
    fn format(&self) -> ExportFormat {
        ExportFormat::Aegis
    }

    fn export(
        &self,
        accounts: &[Account],
        password: Option<&str>,
    ) -> Result<Exported, TransferError> {
        let mut group_ids: Vec<(String, String)> = Vec::new();
        let mut entries = Vec::with_capacity(accounts.len());
        for a in accounts {
            let mut groups = Vec::new();
            for t in &a.tags {
                let id = match group_ids.iter().find(|(n, _)| n == t) {
                    Some((_, id)) => id.clone(),
                    None => {
                        let id = uuid()?;
                        group_ids.push((t.clone(), id.clone()));
                        id
                    }
                };
                groups.push(id);
            }
            let mut info = json!({
                "secret": a.secret.to_base32().as_str(),
                "algo": a.algorithm.as_str(),
                "digits": a.digits,
            });
            match a.kind {
                Kind::Hotp => info["counter"] = json!(a.counter),
                _ => info["period"] = json!(a.period),
            }
            entries.push(json!({
                "type": a.kind.as_str(),
                "uuid": uuid()?,
                "name": a.label,
                "issuer": a.issuer,
                "note": a.note,
                "favorite": a.pinned,
                "icon": null,
                "info": info,
                "groups": groups,
            }));
        }
        let db = json!({
            "version": 3,
            "entries": entries,
            "groups": group_ids.iter().map(|(n, id)| json!({"uuid": id, "name": n})).collect::<Vec<_>>(),
        });
        let db_bytes = zeroize::Zeroizing::new(
            serde_json::to_vec(&db).map_err(|e| TransferError::Export(e.to_string()))?,
        );
        drop(db);
        let vault = match password {
            None => {
                json!({"version": 1, "header": {"slots": null, "params": null}, "db": serde_json::from_slice::<Value>(&db_bytes).map_err(|e| TransferError::Export(e.to_string()))?})
            }
            Some(pw) => {
                let master: [u8; 32] = crypto::random()?;
                let master = zeroize::Zeroizing::new(master);
                let salt: [u8; 32] = crypto::random()?;
                let n = 1u64 << self.scrypt_log_n;
                let derived =
                    crypto::scrypt(pw.as_bytes(), &salt, n, 8, 1).map_err(TransferError::Export)?;
                let knonce: [u8; 12] = crypto::random()?;
                let sealed_key = aes_gcm_seal(&derived, &knonce, &master[..])?;
                let (kct, ktag) = sealed_key.split_at(32);
                let nonce: [u8; 12] = crypto::random()?;
                let sealed = aes_gcm_seal(&master, &nonce, &db_bytes)?;
                let (ct, tag) = sealed.split_at(sealed.len() - 16);
                json!({
                    "version": 1,
                    "header": {
                        "slots": [{
                            "type": 1,
                            "uuid": uuid()?,
                            "key": hex(kct),
                            "key_params": {"nonce": hex(&knonce), "tag": hex(ktag)},
                            "n": n, "r": 8, "p": 1,
                            "salt": hex(&salt),
                            "repaired": true,
                            "is_backup": false,
                        }],
                        "params": {"nonce": hex(&nonce), "tag": hex(tag)},
                    },
                    "db": b64(ct),
                })
            }
        };
        let bytes = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(&vault).map_err(|e| TransferError::Export(e.to_string()))?,
        );
        Ok(Exported {
            files: vec![ExportFile {
                name: if password.is_some() {
                    "aegis-export-encrypted.json".into()
                } else {
                    "aegis-export-plain.json".into()
                },
                bytes,
            }],
            skipped: Vec::new(),
        })
    }
}
