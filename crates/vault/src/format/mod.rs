//! The vault file format, byte for byte (see `docs/vault-format.md`). Pure code: no I/O.
//!
//! ```text
//! off   len  field
//! 0     8    magic "TWOFOLDV"
//! 8     2    format version, u16 LE (1)
//! 10    2    flags, u16 LE (0; anything else is rejected)
//! 12    4    header length H, u32 LE (= offset of the ciphertext)
//! 16    16   vault id (random)
//! 32    8    generation, u64 LE (+1 on every save)
//! 40    8    saved at, Unix seconds, u64 LE
//! 48    24   payload nonce (XChaCha20-Poly1305)
//! 72    1    slot count n (1..=8)
//! 73    ...  n slots: type u8, body length u16 LE, body
//! H-32  32   SHA-256 of bytes [0, H-32)
//! H     ...  ciphertext of the JSON payload + 16-byte tag; AAD = bytes [0, H)
//! ```

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub const MAGIC: &[u8; 8] = b"TWOFOLDV";
pub const FORMAT_VERSION: u16 = 1;
pub const FIXED_LEN: usize = 73;
pub const CHECKSUM_LEN: usize = 32;
pub const MAX_HEADER_LEN: usize = 64 * 1024;
pub const MAX_SLOTS: usize = 8;
pub const NONCE_LEN: usize = 24;
pub const TAG_LEN: usize = 16;
pub const KEY_LEN: usize = 32;
pub const SALT_LEN: usize = 16;

pub const SLOT_KEYRING: u8 = 1;
pub const SLOT_PASSPHRASE: u8 = 2;
pub const KDF_ARGON2ID: u8 = 1;

const KEYRING_CHECK_AAD: &[u8] = b"twofold-vault keyring-slot check v1";
const PASSPHRASE_WRAP_AAD: &[u8] = b"twofold-vault passphrase-slot wrap v1";

/// The 256-bit vault key, zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct VaultKey(pub(crate) Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

impl VaultKey {
    pub fn random() -> Result<Self, FormatError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(&mut k[..])?;
        Ok(Self(k))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(bytes);
        Some(Self(k))
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_slice()))
    }

    pub fn from_hex(text: &[u8]) -> Option<Self> {
        let text = text.trim_ascii();
        if text.len() != KEY_LEN * 2 {
            return None;
        }
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        for (i, pair) in text.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            k[i] = (hi * 16 + lo) as u8;
        }
        Some(Self(k))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(&self.0[..]))
    }
}

/// Argon2id cost parameters, as stored in a passphrase slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations (passes).
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    pub const MIN_M_KIB: u32 = 8 * 1024;
    pub const MAX_M_KIB: u32 = 1024 * 1024;
    pub const MAX_T: u32 = 64;
    pub const MAX_P: u32 = 16;
    /// Tuned for about 0.5 s on a 2-core CI machine (the vault benchmark's `argon2id` group:
    /// 0.26 s with 3 passes on an idle machine, so 6).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 128 * 1024,
        t: 6,
        p: 1,
    };

    /// Rejects parameters a crafted file could use to exhaust memory or time.
    pub fn check(&self) -> Result<(), String> {
        if !(Self::MIN_M_KIB..=Self::MAX_M_KIB).contains(&self.m_kib) {
            return Err(format!(
                "memory {} KiB is outside {}..={} KiB",
                self.m_kib,
                Self::MIN_M_KIB,
                Self::MAX_M_KIB
            ));
        }
        if !(1..=Self::MAX_T).contains(&self.t) {
            return Err(format!("iterations {} outside 1..={}", self.t, Self::MAX_T));
        }
        if !(1..=Self::MAX_P).contains(&self.p) {
            return Err(format!("lanes {} outside 1..={}", self.p, Self::MAX_P));
        }
        // Bound total work as well: at most 1 GiB x 8 passes.
        if (self.m_kib as u64) * (self.t as u64) > (Self::MAX_M_KIB as u64) * 8 {
            return Err("memory x iterations is too large".into());
        }
        Ok(())
    }

    /// The cost asked for in `TWOFOLD_KDF` (`m=KIB,t=N,p=N`, bounds-checked), or
    /// [`DEFAULT`](Self::DEFAULT) when it is unset or empty. Tests and scripts use it to make
    /// new passphrase slots and backups cheap.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("TWOFOLD_KDF") {
            Ok(s) if !s.trim().is_empty() => {
                Self::parse(&s).map_err(|e| format!("TWOFOLD_KDF: {e}"))
            }
            _ => Ok(Self::DEFAULT),
        }
    }

    /// Parses `m=KIB,t=N,p=N` (any order, missing keys take the default).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut p = Self::DEFAULT;
        for part in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not key=value"))?;
            let v: u32 = v
                .trim()
                .parse()
                .map_err(|_| format!("'{v}' is not a number"))?;
            match k.trim() {
                "m" => p.m_kib = v,
                "t" => p.t = v,
                "p" => p.p = v,
                other => return Err(format!("unknown parameter '{other}' (use m, t, p)")),
            }
        }
        p.check()?;
        Ok(p)
    }
}

/// Argon2id (version 0x13) of the passphrase, 32-byte output.
pub fn derive(passphrase: &[u8], salt: &[u8], p: KdfParams) -> Result<VaultKey, FormatError> {
    let params = argon2::Params::new(p.m_kib, p.t, p.p, Some(KEY_LEN))
        .map_err(|e| FormatError::Kdf(e.to_string()))?;
    let a2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    a2.hash_password_into(passphrase, salt, &mut out[..])
        .map_err(|e| FormatError::Kdf(e.to_string()))?;
    Ok(VaultKey(out))
}

pub fn fill_random(buf: &mut [u8]) -> Result<(), FormatError> {
    getrandom::fill(buf).map_err(|e| FormatError::Random(e.to_string()))
}

/// The plaintext header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub vault_id: [u8; 16],
    pub generation: u64,
    pub saved_at: u64,
    pub nonce: [u8; NONCE_LEN],
    pub slots: Vec<Slot>,
}

/// Why a file could not be parsed or decrypted (mapped to `VaultError` by the caller, which knows
/// the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    NotAVault,
    NewerVersion(u16),
    Damaged(String),
    Crypto,
    Kdf(String),
    Random(String),
}

impl Header {
    pub fn vault_id_hex(&self) -> String {
        hex::encode(self.vault_id)
    }

    pub fn keyring_slot(&self) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| matches!(s, Slot::Keyring { .. }))
    }

    pub fn passphrase_slot(&self) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| matches!(s, Slot::Passphrase { .. }))
    }

    /// Encodes the header (everything before the ciphertext, checksum included).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // patched below
        out.extend_from_slice(&self.vault_id);
        out.extend_from_slice(&self.generation.to_le_bytes());
        out.extend_from_slice(&self.saved_at.to_le_bytes());
        out.extend_from_slice(&self.nonce);
        out.push(self.slots.len() as u8);
        for s in &self.slots {
            s.encode(&mut out);
        }
        let total = out.len() + CHECKSUM_LEN;
        out[12..16].copy_from_slice(&(total as u32).to_le_bytes());
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Parses the header at the start of `file`; returns it and its length H.
    pub fn decode(file: &[u8]) -> Result<(Header, usize), FormatError> {
        if file.len() < 8 || &file[..8] != MAGIC {
            if file.len() < 8 && MAGIC.starts_with(file) {
                return Err(FormatError::Damaged("the file is truncated".into()));
            }
            return Err(FormatError::NotAVault);
        }
        if file.len() < 10 {
            return Err(FormatError::Damaged("the file is truncated".into()));
        }
        let version = u16::from_le_bytes([file[8], file[9]]);
        if version > FORMAT_VERSION {
            return Err(FormatError::NewerVersion(version));
        }
        if version == 0 {
            return Err(FormatError::Damaged(
                "format version 0 does not exist".into(),
            ));
        }
        if file.len() < FIXED_LEN + CHECKSUM_LEN {
            return Err(FormatError::Damaged("the file is truncated".into()));
        }
        let h = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
        if !(FIXED_LEN + CHECKSUM_LEN..=MAX_HEADER_LEN).contains(&h) {
            return Err(FormatError::Damaged("impossible header length".into()));
        }
        if file.len() < h {
            return Err(FormatError::Damaged("the file is truncated".into()));
        }
        let sum = Sha256::digest(&file[..h - CHECKSUM_LEN]);
        if sum.as_slice() != &file[h - CHECKSUM_LEN..h] {
            return Err(FormatError::Damaged(
                "the header checksum does not match".into(),
            ));
        }
        let flags = u16::from_le_bytes([file[10], file[11]]);
        if flags != 0 {
            return Err(FormatError::Damaged(format!(
                "unknown header flags {flags:#x}"
            )));
        }
        let mut vault_id = [0u8; 16];
        vault_id.copy_from_slice(&file[16..32]);
        let generation = u64::from_le_bytes(file[32..40].try_into().unwrap());
        let saved_at = u64::from_le_bytes(file[40..48].try_into().unwrap());
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&file[48..72]);
        let n = file[72] as usize;
        if n == 0 || n > MAX_SLOTS {
            return Err(FormatError::Damaged(format!("{n} key slots")));
        }
        let body = &file[FIXED_LEN..h - CHECKSUM_LEN];
        let mut pos = 0;
        let mut slots = Vec::with_capacity(n);
        for _ in 0..n {
            if body.len() < pos + 3 {
                return Err(FormatError::Damaged("a key slot is cut short".into()));
            }
            let ty = body[pos];
            let len = u16::from_le_bytes([body[pos + 1], body[pos + 2]]) as usize;
            pos += 3;
            if body.len() < pos + len {
                return Err(FormatError::Damaged("a key slot is cut short".into()));
            }
            let b = &body[pos..pos + len];
            pos += len;
            slots.push(decode_slot(ty, b)?);
        }
        if pos != body.len() {
            return Err(FormatError::Damaged(
                "stray bytes after the key slots".into(),
            ));
        }
        if slots
            .iter()
            .filter(|s| matches!(s, Slot::Keyring { .. }))
            .count()
            > 1
            || slots
                .iter()
                .filter(|s| matches!(s, Slot::Passphrase { .. }))
                .count()
                > 1
        {
            return Err(FormatError::Damaged("duplicate key slots".into()));
        }
        Ok((
            Header {
                version,
                vault_id,
                generation,
                saved_at,
                nonce,
                slots,
            },
            h,
        ))
    }
}

/// Seals `plaintext` under `key`: returns the complete file (header + ciphertext). A fresh
/// payload nonce is drawn into `header`.
pub fn seal(header: &mut Header, key: &VaultKey, plaintext: &[u8]) -> Result<Vec<u8>, FormatError> {
    seal_with(header, key, plaintext.len(), |w| w.extend(plaintext))
}

/// Seals the payload that `write` appends to a [`PlainBuf`], without a second copy of it: the
/// header and the plaintext share one buffer, the plaintext is encrypted in place and the tag
/// appended. `size_hint` is the expected payload length (the buffer grows if it is short, and
/// every buffer it leaves behind is zeroized). A fresh payload nonce is drawn into `header`.
pub fn seal_with(
    header: &mut Header,
    key: &VaultKey,
    size_hint: usize,
    write: impl FnOnce(&mut PlainBuf),
) -> Result<Vec<u8>, FormatError> {
    use chacha20poly1305::aead::AeadInPlace;
    fill_random(&mut header.nonce)?;
    let head = header.encode();
    let h = head.len();
    let mut buf = PlainBuf::with_capacity(h + size_hint + TAG_LEN);
    buf.0.extend_from_slice(&head);
    write(&mut buf);
    buf.reserve(TAG_LEN);
    let (aad, body) = buf.0.split_at_mut(h);
    let tag = key
        .cipher()
        .encrypt_in_place_detached(XNonce::from_slice(&header.nonce), aad, body)
        .map_err(|_| FormatError::Crypto)?;
    // From here on the buffer holds only ciphertext: hand it out without wiping it.
    let mut file = std::mem::take(&mut buf.0);
    file.extend_from_slice(&tag);
    Ok(file)
}

/// A growable buffer for plaintext that never leaves a copy behind: growing moves the bytes
/// into a new allocation and zeroizes the old one, and dropping it zeroizes what it holds.
pub struct PlainBuf(Vec<u8>);

impl PlainBuf {
    pub fn with_capacity(n: usize) -> Self {
        PlainBuf(Vec::with_capacity(n))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.0.extend_from_slice(bytes);
    }

    fn reserve(&mut self, more: usize) {
        let need = self.0.len() + more;
        if need <= self.0.capacity() {
            return;
        }
        let mut grown = Vec::with_capacity(need.max(self.0.capacity() * 2));
        grown.extend_from_slice(&self.0);
        let mut old = std::mem::replace(&mut self.0, grown);
        zeroize::Zeroize::zeroize(&mut old);
    }
}

impl std::io::Write for PlainBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for PlainBuf {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Opens the ciphertext of `file` (whose header is `h` bytes long) with `key`.
pub fn open(
    file: &[u8],
    h: usize,
    header: &Header,
    key: &VaultKey,
) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    if file.len() < h + TAG_LEN {
        return Err(FormatError::Damaged("the file is truncated".into()));
    }
    key.cipher()
        .decrypt(
            XNonce::from_slice(&header.nonce),
            Payload {
                msg: &file[h..],
                aad: &file[..h],
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| FormatError::Crypto)
}

mod slots;
pub use slots::Slot;
use slots::*;

#[cfg(test)]
mod tests;
