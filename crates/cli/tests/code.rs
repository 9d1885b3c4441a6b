//! `twofold code` and `twofold uri` driven as a process: RFC vectors, agreement with oathtool
//! (an independent implementation) on thousands of random cases, and bad input.

use std::process::{Command, Output};

fn twofold(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(args)
        .env_remove("TWOFOLD_VAULT")
        .env_remove("TWOFOLD_PASSPHRASE")
        .output()
        .expect("run twofold")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn b32(bytes: &[u8]) -> String {
    // RFC 4648 base32 without padding, written out here so the test does not share code with
    // the implementation under test.
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(A[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(A[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[test]
fn rfc6238_vectors_through_the_cli() {
    let keys = [
        ("SHA1", b32(b"12345678901234567890")),
        ("SHA256", b32(b"12345678901234567890123456789012")),
        (
            "SHA512",
            b32(b"1234567890123456789012345678901234567890123456789012345678901234"),
        ),
    ];
    let rows: [(&str, [&str; 3]); 6] = [
        ("59", ["94287082", "46119246", "90693936"]),
        ("1111111109", ["07081804", "68084774", "25091201"]),
        ("1111111111", ["14050471", "67062674", "99943326"]),
        ("1234567890", ["89005924", "91819424", "93441116"]),
        ("2000000000", ["69279037", "90698825", "38618901"]),
        ("20000000000", ["65353130", "77737706", "47863826"]),
    ];
    for (t, want) in rows {
        for ((alg, key), want) in keys.iter().zip(want) {
            let o = twofold(&[
                "code",
                "--secret",
                key,
                "--algorithm",
                alg,
                "--digits",
                "8",
                "--at",
                t,
            ]);
            assert!(o.status.success(), "{alg} {t}: {o:?}");
            assert_eq!(stdout(&o), format!("{want}\n"), "{alg} at {t}");
            assert!(o.stderr.is_empty());
        }
    }
}

#[test]
fn rfc4226_vectors_through_the_cli() {
    let key = b32(b"12345678901234567890");
    let want = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (c, w) in want.iter().enumerate() {
        let o = twofold(&[
            "code",
            "--secret",
            &key,
            "--kind",
            "hotp",
            "--counter",
            &c.to_string(),
        ]);
        assert_eq!(stdout(&o), format!("{w}\n"));
        let uri = format!("otpauth://hotp/x?secret={key}&counter={c}");
        assert_eq!(stdout(&twofold(&["code", "--uri", &uri])), format!("{w}\n"));
    }
}

/// A small deterministic generator (xorshift64*), so failures can be reproduced.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[cfg(unix)]
fn oathtool(args: &[String]) -> String {
    let o = Command::new("oathtool")
        .args(args)
        .output()
        .expect("oathtool must be installed (Debian package oathtool) for this test");
    assert!(o.status.success(), "oathtool {args:?}: {o:?}");
    String::from_utf8(o.stdout).unwrap()
}

// oathtool, the reference, is a Linux program (Debian package oathtool).
#[cfg(unix)]
#[test]
fn agrees_with_oathtool_on_random_accounts() {
    let mut rng = Rng(0x5eed_2f01d);
    let algs = ["SHA1", "SHA256", "SHA512"];
    for case in 0..1500 {
        let len = 10 + rng.below(55) as usize;
        let secret: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let key = b32(&secret);
        let digits = (6 + rng.below(3)).to_string();
        let alg = algs[rng.below(3) as usize];
        let (ours, theirs) = if case % 5 == 4 {
            // oathtool's HOTP mode is SHA1 only.
            let counter = rng.next() >> rng.below(64);
            let c = counter.to_string();
            (
                twofold(&[
                    "code",
                    "--secret",
                    &key,
                    "--kind",
                    "hotp",
                    "--counter",
                    &c,
                    "--digits",
                    &digits,
                    "--algorithm",
                    "SHA1",
                ]),
                oathtool(&[
                    "--hotp".into(),
                    "-b".into(),
                    format!("--digits={digits}"),
                    "-c".into(),
                    c,
                    key.clone(),
                ]),
            )
        } else {
            let period = [1, 15, 30, 30, 60, 90, 120][rng.below(7) as usize].to_string();
            let at = rng.below(4_102_444_800).to_string();
            (
                twofold(&[
                    "code",
                    "--secret",
                    &key,
                    "--digits",
                    &digits,
                    "--algorithm",
                    alg,
                    "--period",
                    &period,
                    "--at",
                    &at,
                ]),
                oathtool(&[
                    format!("--totp={}", alg.to_lowercase()),
                    "-b".into(),
                    format!("--digits={digits}"),
                    "-s".into(),
                    format!("{period}s"),
                    "-N".into(),
                    format!("@{at}"),
                    key.clone(),
                ]),
            )
        };
        assert!(ours.status.success(), "case {case}: {ours:?}");
        assert_eq!(stdout(&ours), theirs, "case {case}: {alg} {digits} digits");
    }
}

#[test]
fn steam_codes() {
    let o = twofold(&[
        "code",
        "--secret",
        "JBSWY3DPEHPK3PXP",
        "--kind",
        "steam",
        "--at",
        "1700000000",
    ]);
    let code = stdout(&o);
    assert_eq!(code.len(), 6, "{code:?}");
    assert!(code
        .trim_end()
        .bytes()
        .all(|b| b"23456789BCDFGHJKMNPQRTVWXY".contains(&b)));
    let via_uri = twofold(&[
        "code",
        "--uri",
        "otpauth://steam/Steam:me?secret=JBSWY3DPEHPK3PXP",
        "--at",
        "1700000000",
    ]);
    assert_eq!(stdout(&via_uri), code);
}

#[test]
fn uri_parse_and_build() {
    let o = twofold(&[
        "uri",
        "--json",
        "otpauth://TOTP/Old%3A%20bob%40x.org?secret=jbsw-y3dp-ehpk-3pxp&issuer=Air+Canada&image=https%3A%2F%2Fi",
    ]);
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["issuer"], "Air Canada");
    assert_eq!(v["label_issuer"], "Old");
    assert_eq!(v["account"], "bob@x.org");
    assert_eq!(v["secret"], "JBSWY3DPEHPK3PXP");
    assert_eq!(v["extra"][0][1], "https://i");

    let built = twofold(&[
        "uri",
        "--secret",
        "jbswy3dpehpk3pxp",
        "--issuer",
        "ACME Co",
        "--label",
        "me@x.org",
        "--digits",
        "8",
    ]);
    assert_eq!(
        stdout(&built),
        "otpauth://totp/ACME%20Co:me%40x.org?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA1&digits=8&period=30\n"
    );
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let secret = "JBSWY3DPEHPK3PXP";
    let cases: &[(&[&str], &str)] = &[
        (&["code", "--secret", "ABC1DEFG"], "base32"),
        (&["code", "--secret", ""], "secret"),
        (&["code", "--secret", secret, "--digits", "5"], "digits"),
        (&["code", "--secret", secret, "--digits", "11"], "digits"),
        (&["code", "--secret", secret, "--digits", "x"], "--digits"),
        (&["code", "--secret", secret, "--period", "0"], "period"),
        (
            &["code", "--secret", secret, "--algorithm", "MD4"],
            "algorithm",
        ),
        (&["code", "--secret", secret, "--algorithm", "md5"], "MD5"),
        (&["code", "--secret", secret, "--kind", "motp"], "kind"),
        (&["code", "--secret", secret, "--kind", "hotp"], "counter"),
        (&["code", "--secret", secret, "--counter", "3"], "HOTP"),
        (&["code", "--secret", secret, "--at", "-5"], "--at"),
        (&["code", "--secret", secret, "--at", "1e9"], "--at"),
        (&["code", "--uri", "https://example.com"], "otpauth"),
        (&["code", "--uri", "otpauth://totp/x"], "secret"),
        (
            &["code", "--uri", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP"],
            "counter",
        ),
        (
            &[
                "code",
                "--uri",
                "otpauth://totp/%ZZ%FF?secret=JBSWY3DPEHPK3PXP",
            ],
            "label",
        ),
        (
            &[
                "code",
                "--uri",
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=abc",
            ],
            "period",
        ),
        (
            &[
                "code",
                "--uri",
                "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP",
                "--digits",
                "8",
            ],
            "--uri",
        ),
        (&["code"], "--secret"),
        (&["uri", "otpauth-migration://offline?data=!!!"], "base64"),
        (&["uri", "--secret", secret], "--label"),
        (&["no-such-command"], "no-such-command"),
    ];
    for (args, needle) in cases {
        let o = twofold(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?} printed to stdout");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: '{err}' should mention {needle}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains(secret), "{args:?} echoed the secret: {err}");
    }
}

/// Typed-in accounts follow KeyUri::from_fields, the rules the desktop's form uses too; the CLI
/// names its own flags in the hint.
#[test]
fn typed_in_kinds_follow_one_rule_set_with_flag_hints() {
    let s = "JBSWY3DPEHPK3PXP";
    let cases: [(&[&str], &str); 3] = [
        (&["--kind", "hotp"], "add --counter N"),
        (
            &["--kind", "totp", "--counter", "3"],
            "--counter is for HOTP only",
        ),
        (
            &["--kind", "steam", "--digits", "6"],
            "leave out --digits and --algorithm",
        ),
    ];
    for (extra, hint) in cases {
        let mut args = vec!["code", "--secret", s];
        args.extend_from_slice(extra);
        let o = twofold(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(hint), "{extra:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains(s), "the secret appears in: {err}");
    }
    let o = twofold(&["code", "--secret", s, "--kind", "steam", "--at", "0"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).trim().chars().count(), 5);
    let o = twofold(&["code", "--secret", s, "--kind", "hotp", "--counter", "0"]);
    assert_eq!(stdout(&o).trim(), "282760");
}
