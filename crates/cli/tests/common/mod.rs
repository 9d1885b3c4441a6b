//! What the CLI's process tests share: a passphrase-only vault in a temporary folder (no OS
//! keyring: the session bus points nowhere), and `twofold` run against it.
#![allow(dead_code)] // each test file uses its own part

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_twofold");

pub struct PassVault {
    pub dir: tempfile::TempDir,
}

impl PassVault {
    pub fn new() -> PassVault {
        PassVault {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A path in the test's folder.
    pub fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn vault(&self) -> PathBuf {
        self.p("data/vault.twofold")
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("TWOFOLD_VAULT", self.vault())
            .env("TWOFOLD_PASSPHRASE", "vault passphrase")
            .env("TWOFOLD_KDF", "m=8192,t=1,p=1")
            .env("HOME", self.dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// How many accounts `twofold list --json` shows.
    pub fn count(&self) -> usize {
        let o = self.run(&["list", "--json"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_array().unwrap().len()
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
