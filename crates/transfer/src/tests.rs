use twofold_otp::KeyUri;

use super::*;

fn acc(uri: &str) -> Account {
    Account::from_key_uri(&KeyUri::parse(uri).unwrap(), 0)
}

#[test]
fn secretstream_round_trip_and_tamper() {
    let key = [7u8; 32];
    let header = [9u8; 24];
    for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 1000] {
        let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let ct = crypto::secretstream_seal(&key, &header, &msg);
        assert_eq!(ct.len(), len + 17);
        let back = crypto::secretstream_open(&key, &header, &ct, usize::MAX - 17).unwrap();
        assert_eq!(&back[..], &msg[..]);
        let mut bad = ct.clone();
        bad[len / 2] ^= 1;
        assert!(crypto::secretstream_open(&key, &header, &bad, usize::MAX - 17).is_none());
        assert!(crypto::secretstream_open(&[8u8; 32], &header, &ct, usize::MAX - 17).is_none());
    }
}

#[test]
fn plan_sorts_new_duplicates_and_conflicts() {
    let a = acc("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP");
    let same = acc("otpauth://totp/acme:alice?secret=JBSWY3DPEHPK3PXP");
    let conflict = acc("otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQ");
    let new = acc("otpauth://totp/ACME:bob?secret=GEZDGNBVGY3TQOJQ");
    let p = plan(
        std::slice::from_ref(&a),
        vec![same, conflict, new.clone(), new],
    );
    assert_eq!(
        (p.add.len(), p.duplicates.len(), p.conflicts.len()),
        (1, 2, 1)
    );
}

#[test]
fn google_batches_reassembled_and_missing_reported() {
    let k: Vec<KeyUri> = (0..3)
        .map(|i| {
            KeyUri::parse(&format!(
                "otpauth://totp/I{i}:a?secret=JBSWY3DPEHPK3PX{}",
                ["P", "Q", "R"][i]
            ))
            .unwrap()
        })
        .collect();
    let parts: Vec<(String, String)> = (0..3)
        .map(|i| {
            (
                format!("code {i}"),
                twofold_otp::migration::encode(&k[i..i + 1], 3, i as i32, 42)
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let mut shuffled = vec![
        parts[2].clone(),
        parts[0].clone(),
        parts[1].clone(),
        parts[0].clone(),
    ];
    let all = google::assemble(&shuffled).unwrap();
    assert_eq!(
        all.iter().map(|a| a.issuer.as_str()).collect::<Vec<_>>(),
        ["I0", "I1", "I2"]
    );
    shuffled.retain(|(at, _)| at != "code 1");
    let e = google::assemble(&shuffled).unwrap_err();
    assert!(
        matches!(e, TransferError::MissingBatch { ref missing, size: 3, .. } if missing == "2"),
        "{e}"
    );
    assert!(e.to_string().contains("QR code 2 of 3"));
}

#[test]
fn format_ids_round_trip() {
    for f in Format::ALL {
        assert_eq!(Format::from_id(f.id()), Some(f));
    }
    for f in ExportFormat::ALL {
        assert_eq!(ExportFormat::from_id(f.id()), Some(f));
    }
}

#[test]
fn timestamps_are_utc_calendar() {
    assert_eq!(auto::timestamp(0), "19700101-000000");
    assert_eq!(auto::timestamp(951_782_400), "20000229-000000");
    assert_eq!(auto::timestamp(1_700_000_000), "20231114-221320");
}

#[test]
fn mixed_uri_and_migration_lists() {
    let k = KeyUri::parse("otpauth://totp/G:x?secret=JBSWY3DPEHPK3PXP").unwrap();
    let m = twofold_otp::migration::encode(&[k], 1, 0, 7).unwrap();
    let text = format!(
        "# my codes\notpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQ\n\n{}\n",
        m.as_str()
    );
    assert_eq!(detect(text.as_bytes()), Some(Format::OtpauthList));
    let got = import_bytes(text.as_bytes(), None, None).unwrap();
    assert_eq!(got.accounts.len(), 2);
    assert_eq!(
        detect(format!("{}\n", m.as_str()).as_bytes()),
        Some(Format::GoogleMigration)
    );
}
