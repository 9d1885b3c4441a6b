//! In-process code generation throughput: `cargo bench -p twofold-otp`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use twofold_otp::verify::verify_totp;
use twofold_otp::{Algorithm, KeyUri, OtpParams, Secret};

fn codes(c: &mut Criterion) {
    let secret = Secret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let mut g = c.benchmark_group("code");
    g.throughput(Throughput::Elements(1));
    for alg in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let p = OtpParams {
            algorithm: alg,
            ..OtpParams::totp()
        };
        g.bench_function(format!("totp-{alg}"), |b| {
            let mut t = 1_700_000_000u64;
            b.iter(|| {
                t += 30;
                black_box(p.code(&secret, black_box(t)).unwrap())
            })
        });
    }
    g.bench_function("steam", |b| {
        let p = OtpParams::steam();
        b.iter(|| black_box(p.code(&secret, black_box(1_700_000_000)).unwrap()))
    });
    g.finish();

    let p = OtpParams::totp();
    let code = p.code(&secret, 1_700_000_000).unwrap();
    c.bench_function("verify-window-1", |b| {
        b.iter(|| verify_totp(&secret, &p, black_box(&code), 1_700_000_000, 1).unwrap())
    });
    let uri = "otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co&algorithm=SHA256&digits=8&period=60";
    c.bench_function("parse-uri", |b| {
        b.iter(|| KeyUri::parse(black_box(uri)).unwrap())
    });
}

criterion_group!(benches, codes);
criterion_main!(benches);
