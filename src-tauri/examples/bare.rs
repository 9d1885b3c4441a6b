//! The bare Tauri window that `bench/desktop.sh` measures Twofold against: the same tauri
//! version, features and release profile, one 480×720 window, a static page and nothing else —
//! no commands, plugins, state or vault. An example, so it never ships in the product binary.
//!
//!   cargo build --release -p twofold-desktop --example bare
//!
//! Its config (`bare-window/tauri.conf.json`) and page (`bare-window/dist/index.html`) are its
//! own; the page shows a `.code` element with digits, which the benchmark waits for as it does
//! for Twofold's first code.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!(
            "examples/bare-window/tauri.conf.json"
        ))
        .expect("the Tauri runtime failed to start");
}
