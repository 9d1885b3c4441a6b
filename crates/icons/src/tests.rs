use std::io::Write;

use super::*;

const FIXTURE: &[u8] = include_bytes!("../tests/fixtures/aegis-test-pack.zip");
const UUID: &str = "5e0d3c1a-7b2f-4d8e-9a61-2c4b8f0e7d13";

/// A ZIP of the given (name, bytes) files.
fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn pack_json(uuid: &str, filename: &str) -> Vec<u8> {
    format!(r#"{{"uuid":"{uuid}","name":"P","version":1,"icons":[{{"filename":"{filename}","category":null,"issuer":["X"]}}]}}"#)
        .into_bytes()
}

#[test]
fn reads_an_aegis_pack_and_leaves_out_icons_it_cannot_show() {
    let (pack, files) = read_pack(FIXTURE).unwrap();
    assert_eq!(pack.uuid, UUID);
    assert_eq!(pack.name, "Twofold test icons");
    assert_eq!(pack.version, 3);
    let names: Vec<&str> = pack.icons.iter().map(|i| i.filename.as_str()).collect();
    // Missing.svg is not in the ZIP and readme.txt is not an image.
    assert_eq!(
        names,
        [
            "icons/1_Primary/Zyxwv.svg",
            "icons/2_Secondary/Example_Bank.png"
        ]
    );
    assert_eq!(pack.icons[0].issuer, ["Zyxwv Corp", "Zyxwv"]);
    assert_eq!(pack.icons[0].category.as_deref(), Some("Primary"));
    assert_eq!(pack.icons[1].name(), "Example_Bank");
    assert!(files[0].starts_with(b"<svg"));
    assert!(files[1].starts_with(b"\x89PNG"));
}

#[test]
fn installs_lists_and_serves_icons_as_data_urls() {
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("icon-packs");
    let pack = install(&packs, FIXTURE).unwrap();
    assert_eq!(pack.icons[0].stored, "0.svg");
    assert_eq!(pack.icons[1].stored, "1.png");
    assert!(packs.join(UUID).join("0.svg").is_file());
    assert_eq!(installed(&packs), vec![pack.clone()]);
    let choice = pack.icons[0].choice(&pack);
    assert_eq!(choice, format!("pack:{UUID}/icons/1_Primary/Zyxwv.svg"));
    let url = data_url(&packs, &choice).unwrap();
    assert!(url.starts_with("data:image/svg+xml;base64,PHN2Zy"), "{url}");
    let png = data_url(&packs, &pack.icons[1].choice(&pack)).unwrap();
    assert!(png.starts_with("data:image/png;base64,"));
    // Installing again replaces the pack; nothing is left staged.
    install(&packs, FIXTURE).unwrap();
    assert_eq!(installed(&packs).len(), 1);
    assert_eq!(fs::read_dir(&packs).unwrap().count(), 1);
    let e = data_url(&packs, &format!("pack:{UUID}/icons/nope.svg")).unwrap_err();
    assert_eq!(e.to_string(), "the pack has no icon icons/nope.svg");
    let e = data_url(&packs, "pack:00000000-0000-0000-0000-000000000000/a.svg").unwrap_err();
    assert!(e.to_string().starts_with("no icon pack 00000000"), "{e}");
}

#[test]
fn a_tampered_stored_name_cannot_read_outside_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let mut pack = install(dir.path(), FIXTURE).unwrap();
    pack.icons[0].stored = "../../secret".into();
    fs::write(
        dir.path().join(UUID).join("pack.json"),
        serde_json::to_vec(&pack).unwrap(),
    )
    .unwrap();
    assert!(data_url(dir.path(), &pack.icons[0].choice(&pack)).is_err());
}

#[test]
fn suggests_by_issuer_as_aegis_does() {
    let (pack, _) = read_pack(FIXTURE).unwrap();
    let packs = vec![pack];
    let hit = |issuer: &str| suggest(&packs, issuer).map(|(_, i)| i.filename.clone());
    assert_eq!(
        hit("Zyxwv Corp").as_deref(),
        Some("icons/1_Primary/Zyxwv.svg")
    );
    assert_eq!(hit("zyxwv").as_deref(), Some("icons/1_Primary/Zyxwv.svg"));
    assert_eq!(
        hit("Example-Bank").as_deref(),
        Some("icons/2_Secondary/Example_Bank.png")
    );
    // Aegis's rule: one name contains the other.
    assert_eq!(
        hit("Zyxwv Corp EU").as_deref(),
        Some("icons/1_Primary/Zyxwv.svg")
    );
    // Too short to be contained anywhere, and unknown names.
    assert_eq!(hit("Zy"), None);
    assert_eq!(hit("GitHub"), None);
    assert_eq!(hit(""), None);
    assert_eq!(normalise("Crédit Agricole, Inc."), "creditagricoleinc");
}

#[test]
fn refuses_what_is_not_a_pack_with_one_clear_line() {
    let msg = |bytes: &[u8]| read_pack(bytes).unwrap_err().to_string();
    assert!(msg(b"hello").starts_with("not an icon pack: it is not a ZIP file"));
    assert_eq!(
        msg(&zip_of(&[("icons/a.svg", b"<svg/>")])),
        "not an icon pack: it has no pack.json at its top"
    );
    assert!(msg(&zip_of(&[("pack.json", b"{}")]))
        .starts_with("not an icon pack: pack.json is not an icon pack's"));
    assert_eq!(
        msg(&zip_of(&[
            ("pack.json", &pack_json("not-a-uuid", "a.svg")),
            ("a.svg", b"<svg/>")
        ])),
        "not an icon pack: its uuid 'not-a-uuid' is not a UUID"
    );
    assert_eq!(
        msg(&zip_of(&[("pack.json", &pack_json(UUID, "a.gif")), ("a.gif", b"GIF89a")])),
        "not an icon pack: none of the icons its pack.json lists is in it as an SVG, PNG or JPEG file"
    );
}

#[test]
fn a_zip_bomb_stops_at_the_bound() {
    // 64 MiB of zeros deflate to about 64 KiB: the unpacked size is counted, not believed.
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let bomb = zip_of(&[("pack.json", &pack_json(UUID, "a.svg")), ("a.svg", &zeros)]);
    assert!(bomb.len() < 1024 * 1024);
    let e = read_pack(&bomb).unwrap_err().to_string();
    assert_eq!(
        e,
        "the icon pack is too large: a.svg unpacks to more than 1024 KiB"
    );
    let big_json = zip_of(&[("pack.json", &zeros)]);
    assert!(read_pack(&big_json)
        .unwrap_err()
        .to_string()
        .contains("pack.json unpacks to more than"));
}

#[test]
fn too_many_icons_are_refused() {
    let icons: Vec<String> = (0..MAX_ICONS + 1)
        .map(|n| format!(r#"{{"filename":"{n}.svg","issuer":[]}}"#))
        .collect();
    let json = format!(
        r#"{{"uuid":"{UUID}","name":"P","version":1,"icons":[{}]}}"#,
        icons.join(",")
    );
    let e = read_pack(&zip_of(&[("pack.json", json.as_bytes())]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "the icon pack is too large: it lists {} icons (at most {MAX_ICONS})",
            MAX_ICONS + 1
        )
    );
}

#[test]
fn packs_live_beside_the_vault() {
    assert_eq!(
        packs_dir_for(Path::new("/home/u/.local/share/twofold/vault.twofold")),
        Path::new("/home/u/.local/share/twofold/icon-packs")
    );
}
