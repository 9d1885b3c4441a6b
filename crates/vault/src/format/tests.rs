use super::*;
use proptest::prelude::*;

const FAST: KdfParams = KdfParams {
    m_kib: 8 * 1024,
    t: 1,
    p: 1,
};

fn sample(key: &VaultKey) -> Header {
    let id = [7u8; 16];
    Header {
        version: FORMAT_VERSION,
        vault_id: id,
        generation: 3,
        saved_at: 1_700_000_000,
        nonce: [0; NONCE_LEN],
        slots: vec![Slot::new_keyring(key, &id).unwrap()],
    }
}

#[test]
fn header_round_trips() {
    let key = VaultKey::random().unwrap();
    let mut h = sample(&key);
    h.slots
        .push(Slot::new_passphrase(&key, &h.vault_id, b"pw", FAST).unwrap());
    let enc = h.encode();
    let (back, len) = Header::decode(&enc).unwrap();
    assert_eq!(back, h);
    assert_eq!(len, enc.len());
}

#[test]
fn seal_open_round_trip_and_aad_binding() {
    let key = VaultKey::random().unwrap();
    let mut h = sample(&key);
    let file = seal(&mut h, &key, b"{\"accounts\":[]}").unwrap();
    let (hd, len) = Header::decode(&file).unwrap();
    assert_eq!(
        &open(&file, len, &hd, &key).unwrap()[..],
        b"{\"accounts\":[]}"
    );
    // Any single flipped bit is detected somewhere.
    for i in 0..file.len() {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        let ok = match Header::decode(&bad) {
            Ok((hd, len)) => open(&bad, len, &hd, &key).is_ok(),
            Err(_) => false,
        };
        assert!(!ok, "flip at {i} went unnoticed");
    }
}

#[test]
fn seal_with_a_short_size_hint_grows_and_still_opens() {
    let key = VaultKey::random().unwrap();
    let mut h = sample(&key);
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let file = seal_with(&mut h, &key, 3, |w| {
        for chunk in payload.chunks(7) {
            w.extend(chunk);
        }
    })
    .unwrap();
    let (hd, len) = Header::decode(&file).unwrap();
    assert_eq!(hd, h);
    assert_eq!(file.len(), len + payload.len() + TAG_LEN);
    assert_eq!(&open(&file, len, &hd, &key).unwrap()[..], &payload[..]);
    // The ciphertext is not the plaintext.
    assert!(!file.windows(64).any(|w| w == &payload[..64]));
}

#[test]
fn keyring_check_detects_wrong_key() {
    let key = VaultKey::random().unwrap();
    let other = VaultKey::random().unwrap();
    let h = sample(&key);
    let slot = h.keyring_slot().unwrap();
    assert!(slot.keyring_matches(&key, &h.vault_id));
    assert!(!slot.keyring_matches(&other, &h.vault_id));
    assert!(!slot.keyring_matches(&key, &[0u8; 16]));
}

#[test]
fn passphrase_slot_unwraps_only_with_the_passphrase() {
    let key = VaultKey::random().unwrap();
    let id = [1u8; 16];
    let slot = Slot::new_passphrase(&key, &id, b"correct horse", FAST).unwrap();
    let got = slot
        .unwrap_passphrase(&id, b"correct horse")
        .unwrap()
        .unwrap();
    assert_eq!(&got.0[..], &key.0[..]);
    assert!(slot.unwrap_passphrase(&id, b"wrong").unwrap().is_none());
    assert!(slot
        .unwrap_passphrase(&[2u8; 16], b"correct horse")
        .unwrap()
        .is_none());
}

#[test]
fn crafted_kdf_params_are_refused_before_use() {
    let key = VaultKey::random().unwrap();
    let mut h = sample(&key);
    h.slots.push(Slot::Passphrase {
        params: KdfParams {
            m_kib: u32::MAX,
            t: 1,
            p: 1,
        },
        salt: [0; 16],
        nonce: [0; 24],
        wrapped: [0; 48],
    });
    let enc = h.encode();
    match Header::decode(&enc) {
        Err(FormatError::Damaged(r)) => assert!(r.contains("Argon2id")),
        other => panic!("{other:?}"),
    }
    assert!(KdfParams::parse("m=200000000").is_err());
    assert!(KdfParams::parse("t=0").is_err());
    assert_eq!(KdfParams::parse("m=8192,t=1,p=1").unwrap(), FAST);
}

#[test]
fn versions_and_magic() {
    let key = VaultKey::random().unwrap();
    let mut h = sample(&key);
    h.version = 2;
    assert_eq!(
        Header::decode(&h.encode()).unwrap_err(),
        FormatError::NewerVersion(2)
    );
    assert_eq!(
        Header::decode(b"PK\x03\x04 not a vault").unwrap_err(),
        FormatError::NotAVault
    );
    assert!(matches!(
        Header::decode(b"TWOF").unwrap_err(),
        FormatError::Damaged(_)
    ));
    assert!(matches!(
        Header::decode(b"").unwrap_err(),
        FormatError::Damaged(_)
    ));
}

#[test]
fn key_hex_round_trip() {
    let k = VaultKey::random().unwrap();
    let hx = k.to_hex();
    assert_eq!(&VaultKey::from_hex(hx.as_bytes()).unwrap().0[..], &k.0[..]);
    assert!(VaultKey::from_hex(b"zz").is_none());
    assert_eq!(format!("{k:?}"), "VaultKey(<redacted>)");
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Header::decode(&bytes);
    }

    #[test]
    fn decode_never_panics_with_magic(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&tail);
        let _ = Header::decode(&b);
    }

    #[test]
    fn truncation_is_always_detected(cut in 0usize..300) {
        let key = VaultKey::random().unwrap();
        let mut h = sample(&key);
        let file = seal(&mut h, &key, b"payload payload payload").unwrap();
        let cut = cut.min(file.len() - 1);
        let t = &file[..cut];
        let ok = match Header::decode(t) {
            Ok((hd, len)) => open(t, len, &hd, &key).is_ok(),
            Err(_) => false,
        };
        prop_assert!(!ok);
    }
}
