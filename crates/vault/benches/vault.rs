//! Open and save of a 10,000-account vault, keyring slot and passphrase slot; where a save's time
//! goes, step by step; the Argon2id derivation alone at the default cost. The keyring half
//! needs a Secret Service: run inside tests/with-keyring.sh (without one it is skipped with a
//! note).
//!
//!   tests/with-keyring.sh cargo bench -p twofold-vault --bench vault
//!
//! Groups, each a line of the report (targets from issue #3):
//! * `vault-10k`: what a user waits for. Open with the keyring slot (target < 100 ms), save
//!   (target < 50 ms), open with the passphrase slot (Argon2id included), save again.
//! * `save-10k-steps`: the parts of one save measured alone on the same 10,000 accounts:
//!   payload encoding, encryption, the re-read under the lock, SHA-256 of the file, and the
//!   disk (write + fsync of the temporary file, backup link, rename, fsync of the directory).
//!   The disk step is this machine's storage, not Twofold's code; it is reported separately.
//! * `argon2id`: the key derivation alone at the default cost (about 0.5 s by design).

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use criterion::{criterion_group, criterion_main, Criterion};
use twofold_otp::KeyUri;
use twofold_vault::{format, Account, CreateOptions, KdfParams, Unlock, Vault};
use zeroize::Zeroizing;

const N: usize = 10_000;

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
    // The system temporary directory (on this machine the same ext4 disk as the data directory).
    let dir = tempfile::tempdir().unwrap();
    let pw = Unlock::passphrase(Zeroizing::new("benchmark passphrase".into()));
    let mut g = c.benchmark_group("vault-10k");
    g.sample_size(20);

    // Keyring slot and a passphrase slot at the default cost, both on one vault.
    let kpath = dir.path().join("keyring.twofold");
    let opts = CreateOptions {
        keyring: true,
        kdf: KdfParams::DEFAULT,
    };
    match Vault::create(&kpath, &pw, &opts) {
        Ok((mut v, created)) if created.keyring_error.is_none() => {
            v.add_many(accounts(N)).unwrap();
            let size = std::fs::metadata(&kpath).unwrap().len();
            eprintln!("vault with {N} accounts: {size} bytes");
            g.bench_function("open, keyring slot (target < 100 ms)", |b| {
                b.iter(|| Vault::open(&kpath, &Unlock::keyring()).unwrap())
            });
            let mut v = Vault::open(&kpath, &Unlock::keyring()).unwrap();
            g.bench_function("save, keyring slot (target < 50 ms)", |b| {
                b.iter(|| v.modify(|_, _| Ok(())).unwrap())
            });
            g.sample_size(10);
            g.bench_function("open, passphrase slot (Argon2id included)", |b| {
                b.iter(|| Vault::open(&kpath, &pw).unwrap())
            });
            g.sample_size(20);
            let mut v = Vault::open(&kpath, &pw).unwrap();
            g.bench_function("save, opened with the passphrase slot", |b| {
                b.iter(|| v.modify(|_, _| Ok(())).unwrap())
            });
        }
        other => eprintln!(
            "no usable keyring ({:?}): keyring-slot benchmarks skipped; run inside tests/with-keyring.sh",
            other.err().map(|e| e.to_string())
        ),
    }
    g.finish();

    steps(c, dir.path());

    let mut g = c.benchmark_group("argon2id");
    g.sample_size(10);
    let p = KdfParams::DEFAULT;
    g.bench_function(
        format!("derive alone (m={} KiB, t={}, p={})", p.m_kib, p.t, p.p),
        |b| b.iter(|| format::derive(b"benchmark passphrase", &[7u8; 16], p).unwrap()),
    );
    g.finish();
}

/// The steps of one save, each alone, on a vault file of the real size.
fn steps(c: &mut Criterion, dir: &Path) {
    let accts = accounts(N);
    let path = dir.join("steps.twofold");
    let pw = Unlock::passphrase(Zeroizing::new("step by step".into()));
    let fast = CreateOptions {
        keyring: false,
        kdf: KdfParams {
            m_kib: 8192,
            t: 1,
            p: 1,
        },
    };
    let (mut v, _) = Vault::create(&path, &pw, &fast).unwrap();
    v.add_many(accts.clone()).unwrap();
    let file = std::fs::read(&path).unwrap();
    let mut g = c.benchmark_group("save-10k-steps");
    g.sample_size(20);

    let hint = file.len() + 1024;
    g.bench_function("encode the payload (JSON)", |b| {
        b.iter_with_large_drop(|| {
            let mut w = format::PlainBuf::with_capacity(hint);
            twofold_vault::write_payload(&mut w, &accts);
            w
        })
    });
    let mut w = format::PlainBuf::with_capacity(hint);
    twofold_vault::write_payload(&mut w, &accts);
    eprintln!("payload of {N} accounts: {} bytes", w.len());
    drop(w);
    let cipher = XChaCha20Poly1305::new_from_slice(&[9u8; 32]).unwrap();
    let mut buf = vec![b'x'; file.len()];
    g.bench_function("encrypt (XChaCha20-Poly1305, in place)", |b| {
        b.iter(|| {
            cipher
                .encrypt_in_place_detached(XNonce::from_slice(&[1u8; 24]), b"header", &mut buf)
                .unwrap()
        })
    });
    g.bench_function("re-read the file", |b| {
        b.iter_with_large_drop(|| std::fs::read(&path).unwrap())
    });
    g.bench_function("compare with the bytes last written", |b| {
        let again = file.clone();
        b.iter(|| std::hint::black_box(&again[..]) == &file[..])
    });
    g.bench_function("SHA-256 of the file (no longer done per save)", |b| {
        use sha2::Digest;
        b.iter(|| sha2::Sha256::digest(&file))
    });
    g.bench_function("clone the accounts (no longer done per save)", |b| {
        b.iter_with_large_drop(|| accts.clone())
    });
    // The disk alone, as a save does it: temp file, fsync, hard link to .bak, rename, dir fsync.
    let target = dir.join("disk.bin");
    std::fs::write(&target, &file).unwrap();
    g.bench_function("disk: write + fsync, link backup, rename, fsync dir", |b| {
        b.iter(|| {
            let tmp = dir.join(".disk.tmp");
            let mut f = std::fs::File::create(&tmp).unwrap();
            f.write_all(&file).unwrap();
            f.sync_all().unwrap();
            drop(f);
            let bak = dir.join("disk.bak");
            let bak_tmp = dir.join(".disk.bak-tmp");
            let _ = std::fs::remove_file(&bak_tmp);
            std::fs::hard_link(&target, &bak_tmp).unwrap();
            std::fs::rename(&bak_tmp, &bak).unwrap();
            std::fs::rename(&tmp, &target).unwrap();
            std::fs::File::open(dir).unwrap().sync_all().unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
