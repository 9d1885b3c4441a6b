//! Hostile and broken inputs give clear errors, never a panic or a huge allocation.

use std::time::{Duration, Instant};

use twofold_scan::{scan_bytes, scan_file, Limits, ScanError};

fn png_header(width: u32, height: u32) -> Vec<u8> {
    // A valid signature and IHDR declaring the size, then an IDAT of a few zero bytes.
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut v, b"IHDR", &ihdr);
    // zlib stream of a few empty rows, far too short for the declared size.
    chunk(
        &mut v,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(&mut v, b"IEND", &[]);
    v
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_in = kind.to_vec();
    crc_in.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_in).to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn corpus_file(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/images/").to_owned() + name)
        .unwrap()
}

#[test]
fn declared_30000_square_png_is_refused_before_decoding() {
    let t = Instant::now();
    let err = scan_bytes(&png_header(30000, 30000), &Limits::default()).unwrap_err();
    assert!(matches!(err, ScanError::TooLarge(_)), "{err:?}");
    assert!(err.to_string().contains("too large"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn pixel_count_limit_applies_within_the_dimension_limits() {
    // 16000 x 16000 passes the per-side limit but not the 64 Mpx one.
    let err = scan_bytes(&png_header(16000, 16000), &Limits::default()).unwrap_err();
    assert!(matches!(err, ScanError::TooLarge(_)), "{err:?}");
}

#[test]
fn allocation_limit_stops_a_decompression_bomb() {
    let limits = Limits {
        max_alloc: 1 << 20,
        ..Limits::default()
    };
    // 4000 x 4000 RGB would need 48 MB.
    let err = scan_bytes(&png_header(4000, 4000), &limits).unwrap_err();
    assert!(matches!(err, ScanError::TooLarge(_)), "{err:?}");
}

#[test]
fn truncated_png_is_corrupt() {
    let png = corpus_file("0002_clean.png");
    for cut in [8, 30, png.len() / 2, png.len() - 20] {
        let err = scan_bytes(&png[..cut], &Limits::default()).unwrap_err();
        assert!(
            matches!(err, ScanError::Corrupt(_) | ScanError::UnknownFormat),
            "cut at {cut}: {err:?}"
        );
    }
    // A small declared image whose data stream is cut short.
    let err = scan_bytes(&png_header(64, 64), &Limits::default()).unwrap_err();
    assert!(matches!(err, ScanError::Corrupt(_)), "{err:?}");
}

#[test]
fn random_bytes_and_empty_input_are_refused() {
    let mut x = 0x1234_5678u32;
    let noise: Vec<u8> = (0..10_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert!(matches!(
        scan_bytes(&noise, &Limits::default()).unwrap_err(),
        ScanError::UnknownFormat
    ));
    assert!(matches!(
        scan_bytes(&[], &Limits::default()).unwrap_err(),
        ScanError::Empty
    ));
    // Valid magic, garbage after it.
    let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0];
    jpeg.extend_from_slice(&noise[..500]);
    assert!(scan_bytes(&jpeg, &Limits::default()).is_err());
}

#[test]
fn missing_file_names_the_path() {
    let err = scan_file("/nonexistent/qr.png", &Limits::default()).unwrap_err();
    assert!(matches!(err, ScanError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/qr.png"));
}

#[test]
fn time_budget_bounds_the_work() {
    // A page with no code runs every variant; with no budget it stops after the base ones.
    let bytes = corpus_file("0140_neg_noqr.png");
    let limits = Limits {
        time_budget: Duration::ZERO,
        ..Limits::default()
    };
    let report = twofold_scan::scan_file_report(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/images/0140_neg_noqr.png"
        ),
        &limits,
    )
    .unwrap();
    assert!(report.timed_out);
    assert!(report.steps.len() <= 2, "{} steps", report.steps.len());
    assert!(scan_bytes(&bytes, &limits).unwrap().is_empty());
}

#[test]
fn mutated_images_never_panic() {
    let base = corpus_file("0118_multi.png");
    let mut x = 42u32;
    for _ in 0..40 {
        let mut b = base.clone();
        for _ in 0..8 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let i = (x as usize) % b.len();
            b[i] ^= (x >> 8) as u8;
        }
        let _ = scan_bytes(&b, &Limits::default());
    }
}
