/// Every command the front end may call; each must also be granted in capabilities/.
const COMMANDS: &[&str] = &[
    "app_info",
    "vault_status",
    "reopen",
    "unlock",
    "lock",
    "set_passphrase",
    "remove_passphrase",
    "list_accounts",
    "listing",
    "codes",
    "next_hotp",
    "add_uri",
    "add_found",
    "discard_found",
    "intake_link",
    "add_manual",
    "preview",
    "scan_image",
    "scan_screen",
    "update_account",
    "remove_account",
    "undo_remove",
    "move_account",
    "copy_code",
    "account_qr",
    "reveal_secret",
    "get_settings",
    "set_settings",
    "server_start",
    "server_stop",
    "server_status",
    "server_create_user",
    "server_add_to_twofold",
    "pending_links",
    "import_preview",
    "import_commit",
    "import_cancel",
    "export_accounts",
    "export_default_path",
    "backup_status",
    "backup_set_password",
    "backup_now",
    "hide_to_tray",
    "quit_app",
    "tray_available",
    "logo_choices",
    "icon_search",
    "icon_title",
    "import_icon_pack",
    "icon_pack_image",
    "next_events",
];

fn main() {
    link_args();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}

/// Linker arguments for the app's executable, on x86_64 Linux (where Rust links with LLD):
/// * release builds place the functions that run at start together, in the order of
///   `startup-order.txt` (written by `scripts/startup-order.sh`): the start then maps 3–5 MB fewer
///   of the executable's pages (docs/desktop-bench.md). `TWOFOLD_NO_STARTUP_ORDER=1` leaves the
///   linker's own order, for a linker without `--symbol-ordering-file`;
/// * `TWOFOLD_LINK_MAP=PATH` writes the link map there (what `scripts/startup-order.sh` and
///   `scripts/check-deb.sh` read the functions' places from).
fn link_args() {
    println!("cargo:rerun-if-env-changed=TWOFOLD_NO_STARTUP_ORDER");
    println!("cargo:rerun-if-env-changed=TWOFOLD_LINK_MAP");
    println!("cargo:rerun-if-changed=startup-order.txt");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target != "x86_64-unknown-linux-gnu" {
        return;
    }
    let bin = "cargo:rustc-link-arg-bin=twofold-desktop";
    if let Ok(map) = std::env::var("TWOFOLD_LINK_MAP") {
        println!("{bin}=-Wl,-Map={map}");
    }
    let order = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("startup-order.txt");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    if release && std::env::var_os("TWOFOLD_NO_STARTUP_ORDER").is_none() && order.exists() {
        println!(
            "{bin}=-Wl,--symbol-ordering-file={},--no-warn-symbol-ordering",
            order.display()
        );
    }
}
