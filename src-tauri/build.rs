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
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
