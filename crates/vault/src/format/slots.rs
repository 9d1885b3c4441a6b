//! The key slots of the vault header: what each holds and how it is written and read.

use super::*;

/// A key slot as stored in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// The vault key lives in the OS keyring; the header keeps a check tag that proves a key
    /// from the keyring is this vault's key.
    Keyring {
        check_nonce: [u8; NONCE_LEN],
        check_tag: [u8; TAG_LEN],
    },
    /// The vault key wrapped under an Argon2id-derived key.
    Passphrase {
        params: KdfParams,
        salt: [u8; SALT_LEN],
        nonce: [u8; NONCE_LEN],
        wrapped: [u8; KEY_LEN + TAG_LEN],
    },
}

impl Slot {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Slot::Keyring { .. } => "keyring",
            Slot::Passphrase { .. } => "passphrase",
        }
    }

    pub fn new_keyring(key: &VaultKey, vault_id: &[u8; 16]) -> Result<Self, FormatError> {
        let mut check_nonce = [0u8; NONCE_LEN];
        fill_random(&mut check_nonce)?;
        let tag = key
            .cipher()
            .encrypt(
                XNonce::from_slice(&check_nonce),
                Payload {
                    msg: b"",
                    aad: &slot_aad(KEYRING_CHECK_AAD, vault_id),
                },
            )
            .map_err(|_| FormatError::Crypto)?;
        let mut check_tag = [0u8; TAG_LEN];
        check_tag.copy_from_slice(&tag);
        Ok(Slot::Keyring {
            check_nonce,
            check_tag,
        })
    }

    /// Whether `key` is the key this keyring slot was made for.
    pub fn keyring_matches(&self, key: &VaultKey, vault_id: &[u8; 16]) -> bool {
        match self {
            Slot::Keyring {
                check_nonce,
                check_tag,
            } => key
                .cipher()
                .decrypt(
                    XNonce::from_slice(check_nonce),
                    Payload {
                        msg: check_tag,
                        aad: &slot_aad(KEYRING_CHECK_AAD, vault_id),
                    },
                )
                .is_ok(),
            _ => false,
        }
    }

    pub fn new_passphrase(
        key: &VaultKey,
        vault_id: &[u8; 16],
        passphrase: &[u8],
        params: KdfParams,
    ) -> Result<Self, FormatError> {
        params.check().map_err(FormatError::Kdf)?;
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let kek = derive(passphrase, &salt, params)?;
        let ct = kek
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key.0[..],
                    aad: &slot_aad(PASSPHRASE_WRAP_AAD, vault_id),
                },
            )
            .map_err(|_| FormatError::Crypto)?;
        let mut wrapped = [0u8; KEY_LEN + TAG_LEN];
        wrapped.copy_from_slice(&ct);
        Ok(Slot::Passphrase {
            params,
            salt,
            nonce,
            wrapped,
        })
    }

    /// Unwraps the vault key with a passphrase; `None` when the passphrase is wrong (or the slot
    /// was altered: the two cannot be told apart).
    pub fn unwrap_passphrase(
        &self,
        vault_id: &[u8; 16],
        passphrase: &[u8],
    ) -> Result<Option<VaultKey>, FormatError> {
        let Slot::Passphrase {
            params,
            salt,
            nonce,
            wrapped,
        } = self
        else {
            return Ok(None);
        };
        params.check().map_err(FormatError::Kdf)?;
        let kek = derive(passphrase, salt, *params)?;
        match kek.cipher().decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: wrapped,
                aad: &slot_aad(PASSPHRASE_WRAP_AAD, vault_id),
            },
        ) {
            Ok(pt) => {
                let pt = Zeroizing::new(pt);
                Ok(VaultKey::from_bytes(&pt))
            }
            Err(_) => Ok(None),
        }
    }

    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Slot::Keyring {
                check_nonce,
                check_tag,
            } => {
                out.push(SLOT_KEYRING);
                out.extend_from_slice(&((NONCE_LEN + TAG_LEN) as u16).to_le_bytes());
                out.extend_from_slice(check_nonce);
                out.extend_from_slice(check_tag);
            }
            Slot::Passphrase {
                params,
                salt,
                nonce,
                wrapped,
            } => {
                out.push(SLOT_PASSPHRASE);
                out.extend_from_slice(&(PASSPHRASE_BODY_LEN as u16).to_le_bytes());
                out.push(KDF_ARGON2ID);
                out.extend_from_slice(&params.m_kib.to_le_bytes());
                out.extend_from_slice(&params.t.to_le_bytes());
                out.extend_from_slice(&params.p.to_le_bytes());
                out.extend_from_slice(salt);
                out.extend_from_slice(nonce);
                out.extend_from_slice(wrapped);
            }
        }
    }
}

pub(super) const PASSPHRASE_BODY_LEN: usize = 1 + 12 + SALT_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;

pub(super) fn slot_aad(label: &[u8], vault_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + 16);
    aad.extend_from_slice(label);
    aad.extend_from_slice(vault_id);
    aad
}

pub(super) fn decode_slot(ty: u8, b: &[u8]) -> Result<Slot, FormatError> {
    match ty {
        SLOT_KEYRING => {
            if b.len() != NONCE_LEN + TAG_LEN {
                return Err(FormatError::Damaged("bad keyring slot length".into()));
            }
            Ok(Slot::Keyring {
                check_nonce: b[..NONCE_LEN].try_into().unwrap(),
                check_tag: b[NONCE_LEN..].try_into().unwrap(),
            })
        }
        SLOT_PASSPHRASE => {
            if b.len() != PASSPHRASE_BODY_LEN {
                return Err(FormatError::Damaged("bad passphrase slot length".into()));
            }
            if b[0] != KDF_ARGON2ID {
                return Err(FormatError::Damaged(format!("unknown KDF {}", b[0])));
            }
            let u = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
            let params = KdfParams {
                m_kib: u(1),
                t: u(5),
                p: u(9),
            };
            params
                .check()
                .map_err(|e| FormatError::Damaged(format!("Argon2id parameters refused: {e}")))?;
            let mut o = 13;
            let salt = b[o..o + SALT_LEN].try_into().unwrap();
            o += SALT_LEN;
            let nonce = b[o..o + NONCE_LEN].try_into().unwrap();
            o += NONCE_LEN;
            let wrapped = b[o..o + KEY_LEN + TAG_LEN].try_into().unwrap();
            Ok(Slot::Passphrase {
                params,
                salt,
                nonce,
                wrapped,
            })
        }
        other => Err(FormatError::Damaged(format!(
            "unknown key slot type {other}"
        ))),
    }
}
