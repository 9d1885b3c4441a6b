//! Open and save of a 10,000-account vault, keyring slot and passphrase slot; the Argon2id
//! derivation alone at the default cost. The keyring half needs a Secret Service: run inside
//! tests/with-keyring.sh (without one it is skipped with a note).
//!
//!   tests/with-keyring.sh cargo bench -p twofold-vault --bench vault

use criterion::{criterion_group, criterion_main, Criterion};
use twofold_otp::KeyUri;
use twofold_vault::{format, Account, CreateOptions, KdfParams, Unlock, Vault};
use zeroize::Zeroizing;

fn accounts(n: usize) -> Vec<Account> {
    (0..n)
        .map(|i| {
            let uri = KeyUri::parse(&format!(
                "otpauth://totp/Issuer{i}:user{i}@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Issuer{i}"
            ))
            .unwrap();
            let mut a = Account::from_key_uri(&uri, 1_700_000_000);
            a.tags = vec!["personal".into(), "qa:staging".into()];
            a
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pw = Unlock::passphrase(Zeroizing::new("benchmark passphrase".into()));
    let mut g = c.benchmark_group("vault-10k");
    g.sample_size(20);

    // Keyring slot (and a passphrase slot at the default cost, used below).
    let kpath = dir.path().join("keyring.twofold");
    let opts = CreateOptions {
        keyring: true,
        kdf: KdfParams::DEFAULT,
    };
    match Vault::create(&kpath, &pw, &opts) {
        Ok((mut v, created)) if created.keyring_error.is_none() => {
            v.add_many(accounts(10_000)).unwrap();
            let size = std::fs::metadata(&kpath).unwrap().len();
            eprintln!("vault with 10,000 accounts: {size} bytes");
            g.bench_function("open (keyring slot)", |b| {
                b.iter(|| Vault::open(&kpath, &Unlock::keyring()).unwrap())
            });
            let mut v = Vault::open(&kpath, &Unlock::keyring()).unwrap();
            g.bench_function("save (keyring slot)", |b| {
                b.iter(|| v.modify(|_, _| Ok(())).unwrap())
            });
            g.bench_function("open (passphrase slot, default Argon2id)", |b| {
                b.iter(|| Vault::open(&kpath, &pw).unwrap())
            });
            let mut v = Vault::open(&kpath, &pw).unwrap();
            g.bench_function("save (passphrase slot)", |b| {
                b.iter(|| v.modify(|_, _| Ok(())).unwrap())
            });
        }
        other => eprintln!(
            "no usable keyring ({:?}): keyring-slot benchmarks skipped; run inside tests/with-keyring.sh",
            other.err().map(|e| e.to_string())
        ),
    }
    g.finish();

    let mut g = c.benchmark_group("argon2id");
    g.sample_size(10);
    let p = KdfParams::DEFAULT;
    g.bench_function(
        format!("derive (m={} KiB, t={}, p={})", p.m_kib, p.t, p.p),
        |b| b.iter(|| format::derive(b"benchmark passphrase", &[7u8; 16], p).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
