//! The desktop shell: Tauri commands that forward to the crates. No product logic lives here.

mod commands;
mod server;
mod settings;
mod state;
mod transfer;

pub fn run() {
    twofold_vault::harden_process();
    tauri::Builder::default()
        // First, so a second start (e.g. a clicked otpauth:// link) reaches this process and
        // exits before it opens a window of its own.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            use tauri::{Emitter, Manager};
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
            let links = commands::links_in(argv.into_iter().skip(1));
            if !links.is_empty() {
                let state = app.state::<state::AppState>();
                state.links.lock().unwrap().extend(links);
                let _ = app.emit_to("main", "otpauth-links", ());
            }
        }))
        .manage(state::AppState::new())
        .manage(server::ServerState::default())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::vault_status,
            commands::unlock,
            commands::lock,
            commands::list_accounts,
            commands::codes,
            commands::next_hotp,
            commands::add_uri,
            commands::add_found,
            commands::add_manual,
            commands::preview,
            commands::scan_image,
            commands::scan_screen,
            commands::update_account,
            commands::remove_account,
            commands::undo_remove,
            commands::move_account,
            commands::copy_code,
            commands::account_qr,
            commands::reveal_secret,
            commands::get_settings,
            commands::set_settings,
            server::server_start,
            server::server_stop,
            server::server_status,
            server::server_create_user,
            server::server_add_to_twofold,
            commands::pending_links,
            transfer::import_preview,
            transfer::import_commit,
            transfer::import_cancel,
            transfer::export_accounts,
            transfer::export_default_path,
        ])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start");
}
