//! Links the `twofold` binary statically (glibc, not position-independent) on Linux.
//!
//! Scripts call `twofold code` in loops, so its start-up is its speed: a dynamically linked,
//! position-independent Rust binary of this size spends most of an invocation in the loader
//! (four shared libraries, 16,000 relocations, ~120 page faults), which made it 1.6x slower than
//! `oathtool` per call (bench/code.sh). Linked statically and at a fixed address it starts with
//! no loader work at all.
//!
//! Cargo can only make a binary static with `-C target-feature=+crt-static`, which applies to
//! every crate in the build (and so breaks the GTK desktop app and the proc macros). Here it is
//! done for this one binary, at link time: the libraries rustc asks for (`-lc -lm -lgcc_s ...`)
//! resolve, through linker scripts in OUT_DIR, to glibc's and libgcc's static archives.
//!
//! Set `TWOFOLD_DYNAMIC_CLI=1` to get the ordinary dynamic binary. When a static archive is
//! missing (no libc6-dev), the build says so and links dynamically.

use std::path::PathBuf;
use std::process::Command;

const STD_LIBS: &[&str] = &["c", "m", "gcc_s", "pthread", "dl", "rt", "util"];
const ARCHIVES: &[&str] = &["libc.a", "libm.a", "libgcc_eh.a", "libgcc.a"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TWOFOLD_DYNAMIC_CLI");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || !var("TWOFOLD_DYNAMIC_CLI").is_empty()
        || var("CARGO_CFG_TARGET_FEATURE")
            .split(',')
            .any(|f| f == "crt-static")
    {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut paths = Vec::new();
    for archive in ARCHIVES {
        let found = Command::new(&cc)
            .arg(format!("-print-file-name={archive}"))
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| PathBuf::from(s.trim()))
            .filter(|p| p.is_absolute() && p.exists());
        match found {
            Some(p) => paths.push(p),
            None => {
                println!(
                    "cargo:warning=linking twofold dynamically: {archive} not found (install libc6-dev)"
                );
                return;
            }
        }
    }
    let dir = PathBuf::from(var("OUT_DIR")).join("static-libs");
    std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
    let group = paths
        .iter()
        .map(|p| format!("\"{}\"", p.display()))
        .collect::<Vec<_>>()
        .join(" ");
    // One group for all of them: the archives refer to each other in every direction.
    for lib in STD_LIBS {
        std::fs::write(
            dir.join(format!("lib{lib}.so")),
            format!("GROUP ( {group} )\n"),
        )
        .expect("OUT_DIR is writable");
    }
    println!("cargo:rustc-link-arg-bin=twofold=-L{}", dir.display());
    println!("cargo:rustc-link-arg-bin=twofold=-static");
    println!("cargo:rustc-link-arg-bin=twofold=-no-pie");
}
