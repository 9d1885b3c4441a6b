//! The primitives other apps' backups use, each bounded so a crafted file cannot ask for
//! unbounded memory or time.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use super::TransferError;

pub(crate) type Key = Zeroizing<[u8; 32]>;

pub(crate) fn random<const N: usize>() -> Result<[u8; N], TransferError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| TransferError::Random(e.to_string()))?;
    Ok(b)
}

/// AES-256-GCM with a 12-byte nonce; `ct` ends with the 16-byte tag. `None` when the tag does
/// not verify (wrong key or damaged data).
pub(crate) fn aes_gcm_open(key: &[u8; 32], nonce: &[u8], ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if nonce.len() != 12 || ct.len() < 16 {
        return None;
    }
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: &[] })
        .ok()
        .map(Zeroizing::new)
}

/// AES-256-GCM seal: ciphertext followed by the 16-byte tag.
pub(crate) fn aes_gcm_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    pt: &[u8],
) -> Result<Vec<u8>, TransferError> {
    let cipher =
        Aes256Gcm::new_from_slice(key).map_err(|e| TransferError::Export(e.to_string()))?;
    cipher
        .encrypt(Nonce::from_slice(nonce), pt)
        .map_err(|_| TransferError::Export("AES-GCM encryption failed".into()))
}

/// The most memory a key derivation read from a file may ask for.
const MAX_KDF_MEMORY: u64 = 1 << 30;

/// Refuses scrypt parameters no app writes, before any derivation: N a power of two from 2 to
/// 2^20, 1 <= r <= 32, 1 <= p <= 16, memory (128·r·N) at most 1 GiB and work (128·r·N·p) at
/// most 1 GiB (Aegis writes N = 2^15, r = 8, p = 1: 32 MiB).
pub(crate) fn check_scrypt(n: u64, r: u32, p: u32) -> Result<(), String> {
    if n < 2 || !n.is_power_of_two() || n > (1 << 20) {
        return Err(format!("scrypt N = {n} is not a power of two up to 2^20"));
    }
    if r == 0 || r > 32 || p == 0 || p > 16 {
        return Err(format!("scrypt r = {r}, p = {p} out of range"));
    }
    if 128 * (r as u64) * n > MAX_KDF_MEMORY {
        return Err("scrypt would need more than 1 GiB".into());
    }
    if 128 * (r as u64) * n * (p as u64) > MAX_KDF_MEMORY {
        return Err(format!("scrypt work N·r·p = {n}·{r}·{p} is too large"));
    }
    Ok(())
}

/// The memory-hard work of one scrypt run, in bytes (128·r·N·p).
pub(crate) fn scrypt_work(n: u64, r: u32, p: u32) -> u64 {
    128u64
        .saturating_mul(r as u64)
        .saturating_mul(n)
        .saturating_mul(p as u64)
}

/// The most key-derivation work one import file may ask for, in bytes of memory-hard work (as
/// [`scrypt_work`] counts): four times the largest single derivation allowed, a few seconds
/// here. Formats with one derivation per file are bounded by the per-derivation checks; those
/// with several (Aegis's password slots) also count against this.
pub(crate) const MAX_KDF_WORK_PER_FILE: u64 = 4 * MAX_KDF_MEMORY;

/// scrypt with a 32-byte output; parameters bounded by [`check_scrypt`].
pub(crate) fn scrypt(pw: &[u8], salt: &[u8], n: u64, r: u32, p: u32) -> Result<Key, String> {
    check_scrypt(n, r, p)?;
    let params =
        scrypt::Params::new(n.trailing_zeros() as u8, r, p, 32).map_err(|e| e.to_string())?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(pw, salt, &params, &mut out[..]).map_err(|e| e.to_string())?;
    Ok(out)
}

const MAX_PBKDF2: u32 = 10_000_000;

pub(crate) fn pbkdf2_sha256(pw: &[u8], salt: &[u8], iterations: u32) -> Result<Key, String> {
    if iterations == 0 || iterations > MAX_PBKDF2 {
        return Err(format!("{iterations} PBKDF2 iterations is out of range"));
    }
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, iterations, &mut out[..]);
    Ok(out)
}

pub(crate) fn pbkdf2_sha1(pw: &[u8], salt: &[u8], iterations: u32) -> Result<Key, String> {
    if iterations == 0 || iterations > MAX_PBKDF2 {
        return Err(format!("{iterations} PBKDF2 iterations is out of range"));
    }
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, iterations, &mut out[..]);
    Ok(out)
}

pub(crate) fn sha256(data: &[u8]) -> Key {
    use sha2::Digest;
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&sha2::Sha256::digest(data));
    out
}

/// Refuses Argon2id parameters no app writes, before any derivation: memory 8 KiB to 1 GiB and
/// at least 8 KiB per lane, 1 to 64 passes, 1 to 16 lanes, and memory × passes at most
/// 8 GiB·pass, the vault's own bound (Ente's strongest setting is 1 GiB × 4 passes; Stratum
/// writes 64 MiB × 3).
pub(crate) fn check_argon2id(m_kib: u64, t: u64, p: u64) -> Result<(), String> {
    if !(8..=MAX_KDF_MEMORY / 1024).contains(&m_kib)
        || !(1..=64).contains(&t)
        || !(1..=16).contains(&p)
        || m_kib < 8 * p
    {
        return Err(format!(
            "Argon2id parameters m = {m_kib} KiB, t = {t}, p = {p} are out of range"
        ));
    }
    if m_kib * t > 8 * (MAX_KDF_MEMORY / 1024) {
        return Err(format!(
            "Argon2id work m × t = {m_kib} KiB × {t} is more than 8 GiB·pass"
        ));
    }
    Ok(())
}

/// Argon2id v1.3, 32-byte output; parameters bounded by [`check_argon2id`].
pub(crate) fn argon2id(pw: &[u8], salt: &[u8], m_kib: u64, t: u64, p: u64) -> Result<Key, String> {
    check_argon2id(m_kib, t, p)?;
    let params = argon2::Params::new(m_kib as u32, t as u32, p as u32, Some(32))
        .map_err(|e| e.to_string())?;
    let a2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    a2.hash_password_into(pw, salt, &mut out[..])
        .map_err(|e| e.to_string())?;
    Ok(out)
}

pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.trim()).ok()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(&s)
        .or_else(|_| STANDARD_NO_PAD.decode(s.trim_end_matches('=')))
        .or_else(|_| URL_SAFE.decode(&s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')))
        .ok()
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// libsodium's `crypto_secretstream_xchacha20poly1305` pull, as Ente Auth uses it: `header` is
/// the 24-byte stream header, `data` the concatenated chunks (each at most `chunk_len` bytes of
/// plaintext plus 17 bytes). Returns the plaintext, or `None` when a tag does not verify or the
/// stream does not end with a FINAL chunk.
pub(crate) fn secretstream_open(
    key: &[u8; 32],
    header: &[u8],
    data: &[u8],
    chunk_len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    let mut st = Stream::new(key, header)?;
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    let mut rest = data;
    loop {
        let take = rest.len().min(chunk_len + 17);
        if take < 17 {
            return None;
        }
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        let tag = st.pull(chunk, &mut out)?;
        if tag == TAG_FINAL {
            return rest.is_empty().then_some(out);
        }
        if tag & TAG_REKEY != 0 || rest.is_empty() {
            // Rekeying is never used by Ente's exports.
            return None;
        }
    }
}

const TAG_FINAL: u8 = 3;
const TAG_REKEY: u8 = 2;

struct Stream {
    k: Key,
    nonce: [u8; 12],
}

impl Stream {
    fn new(key: &[u8; 32], header: &[u8]) -> Option<Self> {
        if header.len() != 24 {
            return None;
        }
        let hk =
            chacha20::hchacha::<chacha20::cipher::consts::U10>(key.into(), header[..16].into());
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&hk);
        let mut nonce = [0u8; 12];
        nonce[0] = 1;
        nonce[4..].copy_from_slice(&header[16..24]);
        Some(Stream { k, nonce })
    }

    fn keystream_xor(&self, block_counter: u64, buf: &mut [u8]) {
        use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
        let mut c = chacha20::ChaCha20::new((&*self.k).into(), (&self.nonce).into());
        c.seek(block_counter * 64);
        c.apply_keystream(buf);
    }

    /// MAC input per libsodium: the encrypted tag block (64 bytes), the ciphertext, then
    /// `mlen mod 16` zero bytes (libsodium's own padding rule), then the lengths.
    fn mac(&self, block: &[u8; 64], ct: &[u8]) -> [u8; 16] {
        use poly1305::universal_hash::KeyInit;
        let mut block0 = Zeroizing::new([0u8; 64]);
        self.keystream_xor(0, &mut block0[..]);
        let mac = poly1305::Poly1305::new_from_slice(&block0[..32]).expect("32-byte key");
        let mut input = Vec::with_capacity(64 + ct.len() + 32);
        input.extend_from_slice(block);
        input.extend_from_slice(ct);
        input.extend(std::iter::repeat_n(0u8, ct.len() % 16));
        input.extend_from_slice(&0u64.to_le_bytes());
        input.extend_from_slice(&((64 + ct.len()) as u64).to_le_bytes());
        mac.compute_unpadded(&input).into()
    }

    fn advance(&mut self, mac: &[u8; 16]) {
        for (n, m) in self.nonce[4..].iter_mut().zip(mac) {
            *n ^= m;
        }
        let ctr = u32::from_le_bytes([self.nonce[0], self.nonce[1], self.nonce[2], self.nonce[3]])
            .wrapping_add(1);
        self.nonce[..4].copy_from_slice(&ctr.to_le_bytes());
    }

    fn pull(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Option<u8> {
        let mlen = chunk.len().checked_sub(17)?;
        let mut block = [0u8; 64];
        self.keystream_xor(1, &mut block);
        let tag = chunk[0] ^ block[0];
        block[0] = chunk[0];
        let ct = &chunk[1..1 + mlen];
        let mac = self.mac(&block, ct);
        if !constant_eq(&mac, &chunk[1 + mlen..]) {
            return None;
        }
        let start = out.len();
        out.extend_from_slice(ct);
        self.keystream_xor(2, &mut out[start..]);
        self.advance(&mac);
        Some(tag)
    }

    #[cfg(test)]
    fn push(&mut self, msg: &[u8], tag: u8) -> Vec<u8> {
        let mut block = [0u8; 64];
        block[0] = tag;
        self.keystream_xor(1, &mut block);
        let mut ct = msg.to_vec();
        self.keystream_xor(2, &mut ct);
        let mac = self.mac(&block, &ct);
        self.advance(&mac);
        let mut out = vec![block[0]];
        out.extend_from_slice(&ct);
        out.extend_from_slice(&mac);
        out
    }
}

/// The push side (tests only): one FINAL chunk.
#[cfg(test)]
pub(crate) fn secretstream_seal(key: &[u8; 32], header: &[u8; 24], msg: &[u8]) -> Vec<u8> {
    Stream::new(key, header)
        .expect("24-byte header")
        .push(msg, TAG_FINAL)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
