//! Unlocking and the key slots: passphrase (Argon2id), OS keyring, key rotation.

use super::*;

pub(super) fn unlock_key(
    path: &Path,
    header: &Header,
    unlock: &Unlock,
) -> Result<(VaultKey, SlotKind)> {
    match &unlock.passphrase {
        Some(p) => {
            let slot = header
                .passphrase_slot()
                .ok_or(VaultError::NoPassphraseSlot)?;
            let key = slot
                .unwrap_passphrase(&header.vault_id, trim_newline(p).as_bytes())
                .map_err(|e| map_format(path, e))?
                .ok_or(VaultError::WrongPassphrase)?;
            Ok((key, SlotKind::Passphrase))
        }
        None => {
            let slot = header
                .keyring_slot()
                .ok_or(VaultError::PassphraseRequired)?;
            let id = header.vault_id_hex();
            let main = keyring::load_key(&id);
            if let Ok(key) = &main {
                if slot.keyring_matches(key, &header.vault_id) {
                    return main.map(|k| (k, SlotKind::Keyring));
                }
            }
            // A key rotation that stopped between writing the vault and updating the keyring:
            // the new key waits under the pending name. Promote it (best effort: it keeps
            // working from the pending name until then).
            if let Ok(key) = keyring::load_key(&pending_id(&id)) {
                if slot.keyring_matches(&key, &header.vault_id) {
                    if keyring::store_key(&id, &key).is_ok() {
                        let _ = keyring::delete_key(&pending_id(&id));
                    }
                    return Ok((key, SlotKind::Keyring));
                }
            }
            main?;
            Err(VaultError::KeyMismatch {
                service: KEYRING_SERVICE.into(),
                user: keyring::keyring_user(&id),
            })
        }
    }
}

/// Reads the header of the vault at `path` without unlocking it.
pub fn inspect(path: &Path) -> Result<HeaderInfo> {
    let path = &resolve(path)?;
    let bytes = read_file(path)?;
    let (h, _) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
    Ok(header_info(path, &h, bytes.len() as u64))
}

pub(super) fn header_info(path: &Path, h: &Header, size: u64) -> HeaderInfo {
    let id = h.vault_id_hex();
    HeaderInfo {
        path: path.to_path_buf(),
        backup_path: backup_path(path),
        lock_path: lock_path(path),
        format_version: h.version,
        vault_id: id.clone(),
        generation: h.generation,
        saved_at: h.saved_at,
        file_size: size,
        slots: h
            .slots
            .iter()
            .map(|s| match s {
                Slot::Keyring { .. } => SlotInfo::Keyring {
                    store: keyring::STORE_NAME,
                    service: KEYRING_SERVICE.into(),
                    user: keyring::keyring_user(&id),
                },
                Slot::Passphrase { params, .. } => SlotInfo::Passphrase {
                    kdf: "argon2id",
                    memory_kib: params.m_kib,
                    iterations: params.t,
                    lanes: params.p,
                },
            })
            .collect(),
    }
}

/// Tries every slot the vault has (the passphrase slot only when a passphrase is given) and
/// reports each; the file is never written.
pub fn unlock_test(path: &Path, unlock: &Unlock) -> Result<Vec<(SlotKind, Option<Result<()>>)>> {
    let path = &resolve(path)?;
    let bytes = read_file(path)?;
    let (h, len) = Header::decode(&bytes).map_err(|e| map_format(path, e))?;
    let mut out = Vec::new();
    let check = |u: &Unlock| -> Result<()> {
        let (key, _) = unlock_key(path, &h, u)?;
        format::open(&bytes, len, &h, &key).map_err(|e| map_format(path, e))?;
        Ok(())
    };
    if h.keyring_slot().is_some() {
        out.push((SlotKind::Keyring, Some(check(&Unlock::keyring()))));
    }
    if h.passphrase_slot().is_some() {
        let r = unlock.passphrase.as_ref().map(|_| check(unlock));
        out.push((SlotKind::Passphrase, r));
    }
    Ok(out)
}

impl Vault {
    /// Adds (or replaces) the passphrase slot, under a new vault key (see [`Vault::rotate`]).
    pub fn set_passphrase(&mut self, passphrase: &str, kdf: KdfParams) -> Result<()> {
        check_new_passphrase(passphrase)?;
        kdf.check().map_err(VaultError::KdfParams)?;
        let _guard = lock(&self.path)?;
        self.refresh()?;
        self.rotate(Some((trim_newline(passphrase), kdf)))
    }

    /// Removes the passphrase slot, under a new vault key (see [`Vault::rotate`]); refused
    /// unless the keyring slot opens the vault right now.
    pub fn remove_passphrase(&mut self) -> Result<()> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        if self.header.passphrase_slot().is_none() {
            return Ok(());
        }
        let slot = self.header.keyring_slot().ok_or(VaultError::WouldLockOut)?;
        match keyring::load_key(&self.header.vault_id_hex()) {
            Ok(k) if slot.keyring_matches(&k, &self.header.vault_id) => {}
            Ok(_) => return Err(VaultError::WouldLockOut),
            Err(e) => return Err(e),
        }
        self.rotate(None)
    }

    /// Draws a new vault key and writes the vault under it with every slot made anew: the
    /// keyring slot (if the vault has one) and the passphrase slot `passphrase` (none: removed).
    /// Whoever knew the old passphrase and kept an older copy of the file (a sync folder, a
    /// disk image) cannot read anything written from now on; the `.bak` beside the vault is
    /// made the new generation too, so no file here opens with the old passphrase.
    ///
    /// The keyring is updated crash-safely: the new key is stored under a pending name first,
    /// then the vault is replaced, then the key moves to its own name (an open that finds the
    /// keyring slot unmatched tries the pending name, see `unlock_key`). Lock held by the caller.
    fn rotate(&mut self, passphrase: Option<(&str, KdfParams)>) -> Result<()> {
        let new_key = VaultKey::random().map_err(|e| map_format(&self.path, e))?;
        let vault_id = self.header.vault_id;
        let id = self.header.vault_id_hex();
        let with_keyring = self.header.keyring_slot().is_some();
        let mut slots = Vec::new();
        if with_keyring {
            let pending = pending_id(&id);
            if let Err(e) = keyring::store_key_checked(&pending, &new_key) {
                let _ = keyring::delete_key(&pending);
                return Err(e);
            }
            slots.push(
                Slot::new_keyring(&new_key, &vault_id).map_err(|e| map_format(&self.path, e))?,
            );
        }
        if let Some((p, kdf)) = passphrase {
            slots.push(
                Slot::new_passphrase(&new_key, &vault_id, p.as_bytes(), kdf)
                    .map_err(|e| map_format(&self.path, e))?,
            );
        }
        let mut header = self.header.clone();
        header.slots = slots;
        let old_key = std::mem::replace(&mut self.key, new_key);
        if let Err(e) = self.write(header) {
            self.key = old_key;
            if with_keyring {
                let _ = keyring::delete_key(&pending_id(&id));
            }
            return Err(e);
        }
        drop(old_key);
        // If this fails the key stays under the pending name, where an open finds it.
        if with_keyring && keyring::store_key(&id, &self.key).is_ok() {
            let _ = keyring::delete_key(&pending_id(&id));
        }
        // The previous generation (old key, old passphrase slot) must not stay beside the vault.
        let dir = parent(&self.path);
        keep_backup(&self.path, &dir, &file_name(&self.path))?;
        sync_dir(&dir)
    }

    /// Puts the vault key (back) into the OS keyring and makes sure the header has a keyring
    /// slot: the way out of "key missing from the keyring" after opening with the passphrase.
    pub fn restore_keyring(&mut self) -> Result<()> {
        let _guard = lock(&self.path)?;
        self.refresh()?;
        let id = self.header.vault_id_hex();
        keyring::store_key_checked(&id, &self.key)?;
        if self.header.keyring_slot().is_some() {
            return Ok(());
        }
        let slot = Slot::new_keyring(&self.key, &self.header.vault_id)
            .map_err(|e| map_format(&self.path, e))?;
        let mut header = self.header.clone();
        header.slots.insert(0, slot);
        self.write(header)
    }
}
