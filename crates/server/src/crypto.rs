//! Keys, encryption at rest, password hashing, JWTs and random identifiers.

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::{KeyStore, PasswordHashing};
use crate::db::{params, Conn, OptionalExtension};
use crate::error::{Result, ServerError};

const KEY_FILE_MAGIC: &[u8; 8] = b"TFSRVK1\n";

/// The server key (kept in a 0600 file beside the database) and the keys derived from it.
pub struct Keys {
    aead: XChaCha20Poly1305,
    jwt: Zeroizing<[u8; 32]>,
    pub path: PathBuf,
}

/// Keyring service of server keys; the user name is `db:<absolute database path>`.
pub const KEYRING_SERVICE: &str = "twofold-server-key";

impl Keys {
    /// The key for the database at `db`, from `store` (see [`KeyStore`]).
    pub fn for_database(db: &Path, key_file: &Path, store: KeyStore) -> Result<Self> {
        let use_keyring = match store {
            KeyStore::File => false,
            KeyStore::Keyring => true,
            KeyStore::Auto => !key_file.exists() && keyring::available(),
        };
        if !use_keyring {
            return Self::load_or_create(key_file);
        }
        let user = keyring::user(db);
        let master = match keyring::get(&user)? {
            Some(hex) => decode_hex_key(&hex).ok_or_else(|| {
                ServerError::Config(format!(
                    "the keyring entry {KEYRING_SERVICE}/{user} is not a Twofold server key"
                ))
            })?,
            None => {
                let key = Zeroizing::new(random_bytes::<32>().to_vec());
                let hex: Zeroizing<String> = Zeroizing::new(hex::encode(&*key));
                keyring::set(&user, &hex)?;
                key
            }
        };
        Ok(Self::derive(
            &master,
            PathBuf::from(format!("keyring:{KEYRING_SERVICE}/{user}")),
        ))
    }

    /// Loads the key file, creating it (0600) with a fresh random key when absent.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let io = |action, source| ServerError::Io {
            action,
            path: path.to_path_buf(),
            source,
        };
        let master: Zeroizing<Vec<u8>> = match std::fs::read(path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                if bytes.len() != 40 || &bytes[..8] != KEY_FILE_MAGIC {
                    return Err(ServerError::Config(format!(
                        "{} is not a Twofold server key file",
                        path.display()
                    )));
                }
                Zeroizing::new(bytes[8..].to_vec())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match create_key_file(path) {
                Ok(key) => key,
                // Another instance created it first: its key, complete, is the one to use.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Self::load_or_create(path)
                }
                Err(e) => return Err(io("cannot create key file", e)),
            },
            Err(e) => return Err(io("cannot read key file", e)),
        };
        Ok(Self::derive(&master, path.to_path_buf()))
    }

    fn derive(master: &[u8], path: PathBuf) -> Self {
        let derive = |label: &[u8]| -> Zeroizing<[u8; 32]> {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
            mac.update(label);
            let mut out = Zeroizing::new([0u8; 32]);
            out.copy_from_slice(&mac.finalize().into_bytes());
            out
        };
        let enc = derive(b"twofold-server/encryption");
        Keys {
            aead: XChaCha20Poly1305::new(enc.as_slice().into()),
            jwt: derive(b"twofold-server/jwt-hs256"),
            path,
        }
    }

    /// `nonce (24) || ciphertext+tag`, bound to `aad` (what the value is and whose).
    pub fn encrypt(&self, aad: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| ServerError::Decrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn decrypt(&self, aad: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if blob.len() < 24 + 16 {
            return Err(ServerError::Decrypt);
        }
        let (nonce, ct) = blob.split_at(24);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| ServerError::Decrypt)
    }

    /// HMAC-SHA256 with the JWT key (also used for CSRF tokens and cookie signatures).
    pub fn mac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.jwt.as_slice()).expect("key");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    pub fn jwt_encode(&self, claims: &Claims) -> String {
        // {"alg":"HS256","typ":"JWT"}
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{sig}")
    }

    /// Checks the signature, the algorithm and the expiry. `None` for anything wrong.
    pub fn jwt_decode(&self, token: &str, now: u64) -> Option<Claims> {
        if token.len() > 4096 {
            return None;
        }
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "HS256" {
            return None;
        }
        let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.jwt.as_slice()).ok()?;
        mac.update(format!("{h}.{p}").as_bytes());
        mac.verify_slice(&sig).ok()?;
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
        (claims.exp > now).then_some(claims)
    }
}

/// The claims of an access or refresh token (djangorestframework-simplejwt's shape).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    pub user_id: i64,
    #[serde(default)]
    pub email: String,
}

pub fn argon2(params: &PasswordHashing) -> Result<Argon2<'static>> {
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .map_err(|_| ServerError::Config("invalid Argon2id parameters".into()))?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        p,
    ))
}

pub fn hash_password(params: &PasswordHashing, password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2(params)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ServerError::PasswordHash)
}

/// Verifies with the parameters stored in the hash (so changing the cost keeps old users).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// A random UUID (version 4), hyphenated, as django-jwt-allauth's challenge ids look.
pub fn uuid4() -> String {
    uuid::Builder::from_random_bytes(random_bytes::<16>())
        .into_uuid()
        .to_string()
}

/// A random URL-safe token (sessions, CSRF).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Lookups of single-use tokens go through their digest: a read of the database hands out
/// nothing usable.
pub fn digest(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    hex::encode(d)
}

fn decode_hex_key(hex: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if hex.len() != 64 {
        return None;
    }
    hex::decode(hex).ok().map(Zeroizing::new)
}

/// The server key in the OS keyring, through `twofold-keyring` (the Secret Service on Linux,
/// the Credential Manager on Windows, the Keychain on macOS; every call behind a timeout).
mod keyring {
    use std::path::Path;

    use zeroize::Zeroizing;

    use super::KEYRING_SERVICE;
    use crate::error::{Result, ServerError};

    pub fn user(db: &Path) -> String {
        let abs = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
        format!("db:{}", abs.display())
    }

    fn entry(user: &str) -> twofold_keyring::Entry {
        twofold_keyring::Entry {
            service: KEYRING_SERVICE.into(),
            user: user.into(),
            label: format!("Twofold test server key ({user})"),
        }
    }

    fn config_error(e: twofold_keyring::KeyringError) -> ServerError {
        ServerError::Config(format!(
            "{e} (service {KEYRING_SERVICE}): use --key-store file"
        ))
    }

    /// The stored key (hex), `None` when there is no entry.
    pub fn get(user: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        twofold_keyring::get(&entry(user)).map_err(config_error)
    }

    pub fn set(user: &str, hex: &str) -> Result<()> {
        twofold_keyring::set(&entry(user), hex.as_bytes()).map_err(config_error)
    }

    /// Whether a keyring service answers (a lookup of an entry that need not exist).
    pub fn available() -> bool {
        get("db:<probe>").is_ok()
    }
}

/// Creates the key file with a fresh random key, complete or not at all, even when several
/// instances start at once: the key is written and synced under a name of this process's own,
/// then linked to `path`, which fails with `AlreadyExists` when another instance linked its key
/// first. On a file system without hard links (FAT) it is written in place, as before.
fn create_key_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut key = Zeroizing::new(vec![0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut content = Zeroizing::new(KEY_FILE_MAGIC.to_vec());
    content.extend_from_slice(&key);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", hex::encode(random_bytes::<8>())));
    let tmp = path.with_file_name(name);
    let linked = write_new(&tmp, &content).and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => write_new(path, &content).map(|()| key),
    }
}

/// Writes a new file (0600 from the `open` that creates it: never through an existing file or
/// link, no chmod afterwards) and syncs it; a file left half-written is removed.
fn write_new(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content)
        .and_then(|()| f.sync_all())
        .inspect_err(|_| {
            let _ = std::fs::remove_file(path);
        })
}

impl Keys {
    /// Checks that this is the key the database was created with, or records it on a new
    /// database.
    pub fn check_database(&self, conn: &Conn) -> Result<()> {
        const AAD: &str = "twofold-server/key-check";
        let stored: Option<Vec<u8>> = conn
            .row(
                "SELECT value FROM meta WHERE key = 'key_check'",
                params![],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            Some(blob) => {
                self.decrypt(AAD, &blob)
                    .map_err(|_| ServerError::KeyMismatch(self.path.clone()))?;
            }
            None => {
                // Another instance starting at once may write its check first: then this one
                // checks against that.
                let blob = self.encrypt(AAD, b"twofold")?;
                let written = conn.exec(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?1) ON CONFLICT (key) DO NOTHING",
                    params![blob],
                )?;
                if written == 0 {
                    return self.check_database(conn);
                }
            }
        }
        Ok(())
    }
}
