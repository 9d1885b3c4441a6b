use super::*;
use twofold_otp::KeyUri;

fn fast() -> CreateOptions {
    CreateOptions {
        keyring: false,
        kdf: KdfParams {
            m_kib: 8192,
            t: 1,
            p: 1,
        },
    }
}

fn pw() -> Unlock {
    Unlock::passphrase(Zeroizing::new("old passphrase\n".into()))
}

fn acct(issuer: &str, label: &str, hotp: bool) -> Account {
    let u = if hotp {
        format!("otpauth://hotp/{issuer}:{label}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0")
    } else {
        format!("otpauth://totp/{issuer}:{label}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    };
    Account::from_key_uri(&KeyUri::parse(&u).unwrap(), 0)
}

#[test]
fn create_add_reopen_remove() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("sub/v.twofold");
    let (mut v, c) = Vault::create(&p, &pw(), &fast()).unwrap();
    assert_eq!(c.slots, vec![SlotKind::Passphrase]);
    let id = v.add(acct("GitHub", "me", false)).unwrap();
    let v2 = Vault::open(&p, &pw()).unwrap();
    assert_eq!(v2.accounts().len(), 1);
    assert_eq!(v2.get(&id).unwrap().issuer, "GitHub");
    assert!(backup_path(&p).exists());
    v.remove(&id).unwrap();
    assert!(Vault::open(&p, &pw()).unwrap().accounts().is_empty());
    assert!(matches!(
        Vault::create(&p, &pw(), &fast()),
        Err(VaultError::AlreadyExists(_))
    ));
}

#[test]
fn two_handles_do_not_lose_updates() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut a, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    let mut b = Vault::open(&p, &pw()).unwrap();
    a.add(acct("A", "1", false)).unwrap();
    b.add(acct("B", "2", false)).unwrap();
    a.add(acct("C", "3", false)).unwrap();
    assert_eq!(Vault::open(&p, &pw()).unwrap().accounts().len(), 3);
}

#[test]
fn hotp_counter_saved_before_code() {
    // RFC 4226 test vectors for the secret "12345678901234567890".
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    let id = v.add(acct("H", "x", true)).unwrap();
    assert_eq!(&*v.code(&id, 0).unwrap().code, "755224");
    assert_eq!(Vault::open(&p, &pw()).unwrap().get(&id).unwrap().counter, 1);
    let mut other = Vault::open(&p, &pw()).unwrap();
    assert_eq!(&*other.code(&id, 0).unwrap().code, "287082");
    assert_eq!(&*v.code(&id, 0).unwrap().code, "359152");
}

#[test]
fn wrong_passphrase_and_missing_slots() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    Vault::create(&p, &pw(), &fast()).unwrap();
    let wrong = Unlock::passphrase(Zeroizing::new("nope".into()));
    assert!(matches!(
        Vault::open(&p, &wrong),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(matches!(
        Vault::open(&p, &Unlock::keyring()),
        Err(VaultError::PassphraseRequired)
    ));
    let missing = d.path().join("none");
    assert!(matches!(
        Vault::open(&missing, &pw()),
        Err(VaultError::NotFound(_))
    ));
}

#[test]
fn failed_open_never_writes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    v.add(acct("A", "1", false)).unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x40;
    std::fs::write(&p, &bytes).unwrap();
    assert!(matches!(
        Vault::open(&p, &pw()),
        Err(VaultError::Tampered { .. })
    ));
    // A handle opened before the damage refuses to write over it.
    assert!(matches!(
        v.add(acct("B", "2", false)),
        Err(VaultError::Tampered { .. })
    ));
    assert_eq!(std::fs::read(&p).unwrap(), bytes);
}

#[test]
fn a_failed_change_leaves_accounts_and_file_as_they_were() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    v.add(acct("A", "1", false)).unwrap();
    let before = std::fs::read(&p).unwrap();
    let r: Result<()> = v.modify(|accounts, _| {
        accounts[0].issuer = "changed".into();
        accounts.clear();
        Err(VaultError::AccountNotFound("x".into()))
    });
    assert!(matches!(r, Err(VaultError::AccountNotFound(_))));
    assert_eq!(v.accounts().len(), 1);
    assert_eq!(v.accounts()[0].issuer, "A");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    // The handle still saves, and a change made by another handle is still seen.
    Vault::open(&p, &pw())
        .unwrap()
        .add(acct("B", "2", false))
        .unwrap();
    v.add(acct("C", "3", false)).unwrap();
    assert_eq!(v.accounts().len(), 3);
    assert_eq!(Vault::open(&p, &pw()).unwrap().accounts().len(), 3);
}

#[test]
fn passphrase_slot_changes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    v.set_passphrase("new passphrase", fast().kdf).unwrap();
    assert!(Vault::open(&p, &pw()).is_err());
    let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
    assert!(Vault::open(&p, &new).is_ok());
    // No keyring slot: removing the passphrase would lock the user out.
    assert!(matches!(
        v.remove_passphrase(),
        Err(VaultError::WouldLockOut)
    ));
}

/// The vault key of the file `bytes`, unwrapped with `passphrase`.
fn key_of(bytes: &[u8], passphrase: &str) -> Option<VaultKey> {
    let (h, _) = Header::decode(bytes).unwrap();
    h.passphrase_slot()?
        .unwrap_passphrase(&h.vault_id, passphrase.as_bytes())
        .unwrap()
}

/// Fails before the key rotation: the same key was rewrapped, so the old passphrase and any
/// earlier copy of the file read every later version, and `.bak` kept the old slot.
#[test]
fn a_passphrase_change_rotates_the_key_and_leaves_no_file_for_the_old_one() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    v.add(acct("Before", "me", false)).unwrap();
    let old_copy = std::fs::read(&p).unwrap();
    let old_key = key_of(&old_copy, "old passphrase").unwrap();

    v.set_passphrase("new passphrase", fast().kdf).unwrap();
    v.add(acct("After", "me", false)).unwrap();
    let now = std::fs::read(&p).unwrap();
    let (h, len) = Header::decode(&now).unwrap();
    // The key from the old copy does not decrypt what was written after the change.
    assert!(format::open(&now, len, &h, &old_key).is_err());
    assert_ne!(key_of(&now, "new passphrase").unwrap().0[..], old_key.0[..]);
    // Nothing beside the vault opens with the old passphrase.
    for e in std::fs::read_dir(d.path()).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        if Header::decode(&bytes).is_ok() {
            assert!(
                key_of(&bytes, "old passphrase").is_none(),
                "{} opens with the old passphrase",
                e.path().display()
            );
        }
    }
    assert!(Vault::open(&backup_path(&p), &pw()).is_err());
    // The handle that changed it, and a fresh open with the new passphrase, see everything.
    let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
    assert_eq!(Vault::open(&p, &new).unwrap().accounts().len(), 2);
    assert_eq!(v.accounts().len(), 2);
}

/// A handle opened before another one changed the passphrase cannot decrypt the new file:
/// it says so (fails before: it reported the vault as tampered with).
#[test]
fn a_handle_opened_with_the_old_passphrase_is_told_the_key_changed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut a, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    let mut b = Vault::open(&p, &pw()).unwrap();
    a.set_passphrase("new passphrase", fast().kdf).unwrap();
    assert!(matches!(
        b.add(acct("X", "y", false)),
        Err(VaultError::KeyChanged)
    ));
    let new = Unlock::passphrase(Zeroizing::new("new passphrase".into()));
    assert!(Vault::open(&p, &new).unwrap().accounts().is_empty());
}

/// One rule for a new passphrase (the CLI accepted one character before).
#[test]
fn a_short_new_passphrase_is_refused_and_nothing_changes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let short = Unlock::passphrase(Zeroizing::new("pw".into()));
    assert!(matches!(
        Vault::create(&p, &short, &fast()),
        Err(VaultError::PassphraseTooShort { chars: 2, min: 8 })
    ));
    assert!(!p.exists());
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    let before = std::fs::read(&p).unwrap();
    assert!(v.set_passphrase("short", fast().kdf).is_err());
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

/// Fails before: the rename replaced the link with a regular file, and the link's target
/// silently stopped being updated.
#[cfg(unix)]
#[test]
fn a_symlinked_vault_path_keeps_updating_the_real_file() {
    let d = tempfile::tempdir().unwrap();
    let real_dir = d.path().join("sync");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("vault.twofold");
    Vault::create(&real, &pw(), &fast()).unwrap();
    let link = d.path().join("link.twofold");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let mut v = Vault::open(&link, &pw()).unwrap();
    v.add(acct("Linked", "me", false)).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(Vault::open(&real, &pw()).unwrap().accounts().len(), 1);
    // The lock and the backup sit beside the real file.
    assert!(lock_path(&real).exists() && backup_path(&real).exists());
    assert!(!lock_path(&link).exists());
    // A link to nothing is named as such.
    let dangling = d.path().join("dangling");
    std::os::unix::fs::symlink(d.path().join("gone"), &dangling).unwrap();
    assert!(matches!(
        Vault::open(&dangling, &pw()),
        Err(VaultError::DanglingLink(_))
    ));
}

#[test]
fn no_plaintext_in_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v");
    let (mut v, _) = Vault::create(&p, &pw(), &fast()).unwrap();
    v.add(acct("SecretIssuer", "secret-label", false)).unwrap();
    v.add(acct("SecretIssuer2", "secret-label2", false))
        .unwrap();
    for e in std::fs::read_dir(d.path()).unwrap() {
        let b = std::fs::read(e.unwrap().path()).unwrap();
        for needle in [
            &b"GEZDGNBVGY3TQOJQ"[..],
            b"12345678901234567890",
            b"secret-label",
            b"SecretIssuer",
        ] {
            assert!(!b.windows(needle.len()).any(|w| w == needle));
        }
    }
}
