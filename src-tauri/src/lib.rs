//! The desktop shell: Tauri commands that forward to the crates. No product logic lives here.

mod backup;
mod backup_queue;
mod commands;
mod error;
mod events;
mod i18n;
mod icons;
mod memory;
mod pending;
mod server;
mod settings;
mod state;
mod transfer;
mod tray;
mod vault_banner;
mod window;

pub fn run() {
    memory::malloc_defaults();
    webkit_defaults();
    twofold_vault::harden_process();
    // The shell's words (the tray, the vault banner) in the window's language, before the
    // vault starts opening.
    settings::Settings::load(&settings::settings_path()).apply_language();
    let result = tauri::Builder::default()
        // First, so a second start (e.g. a clicked otpauth:// link) reaches this process and
        // exits before it opens a window of its own.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            use tauri::Manager;
            show_main_window(app);
            let links = twofold_vault::intake::links_in(argv.into_iter().skip(1));
            if !links.is_empty() {
                let state = app.state::<state::AppState>();
                state.links.lock().unwrap().extend(links);
                app.state::<events::Events>()
                    .push(events::PageEvent::OtpauthLinks);
            }
        }))
        // The window is created hidden (tauri.conf.json) and shown once its page has loaded:
        // no empty frame first, and no half-second stall when the window is mapped while the
        // web process has nothing to paint yet (WebKit then waits 500 ms for a frame).
        .on_page_load(|webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished
                && window::show_on_load(&tauri::Manager::app_handle(webview).clone())
            {
                let _ = webview.window().show();
            }
        })
        .plugin(window::state_plugin())
        .on_window_event(window::on_window_event)
        .manage(state::AppState::new())
        .manage(server::ServerState::default())
        .manage(events::Events::default())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            backup::spawn(app.handle().clone());
            tray::install(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::vault_status,
            commands::reopen,
            commands::unlock,
            commands::lock,
            commands::set_passphrase,
            commands::remove_passphrase,
            commands::list_accounts,
            commands::listing,
            commands::codes,
            commands::next_hotp,
            commands::add_uri,
            commands::add_found,
            commands::discard_found,
            commands::intake_link,
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
            backup::backup_status,
            backup::backup_set_password,
            backup::backup_now,
            window::hide_to_tray,
            window::quit_app,
            window::tray_available,
            icons::logo_choices,
            icons::icon_search,
            icons::icon_title,
            icons::import_icon_pack,
            icons::icon_pack_image,
            events::next_events,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|app, event| {
            // However the app ends (Quit in the tray, the window closed, the session ending),
            // the code it copied last does not outlive it on the clipboard.
            if let tauri::RunEvent::Exit = event {
                use tauri::Manager;
                app.state::<state::AppState>().forget_clipboard();
            }
        }),
        Err(e) => start_failed(e),
    }
}

/// Brings the window to the front (a second start; "Show Twofold" in the tray).
pub(crate) fn show_main_window(app: &tauri::AppHandle) {
    show_main_window_of(app);
}

pub(crate) fn show_main_window_of<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// A start can race an instance that is quitting: the single-instance handshake finds it on
/// D-Bus, and it leaves without answering. Then this start begins again (same process, same
/// arguments), a few times; any other failure is one line on stderr, not a panic.
fn start_failed(e: tauri::Error) -> ! {
    const RETRY: &str = "TWOFOLD_START_RETRY";
    let raced = matches!(&e, tauri::Error::PluginInitialization(p, _) if p == "single-instance");
    let tries: u32 = std::env::var(RETRY)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    #[cfg(unix)]
    if raced && tries < 5 {
        use std::os::unix::process::CommandExt;
        std::thread::sleep(std::time::Duration::from_millis(300));
        if let Ok(exe) = std::env::current_exe() {
            let err = std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env(RETRY, (tries + 1).to_string())
                .exec();
            eprintln!("twofold: could not start again: {err}");
        }
    }
    let _ = (raced, tries);
    eprintln!("twofold: the app could not start: {e}");
    std::process::exit(1)
}

/// How WebKitGTK runs the window, unless the user set the variable otherwise. Called first, while
/// the process still has one thread, so the web process WebKit spawns later inherits both.
///
/// * `WEBKIT_DISABLE_COMPOSITING_MODE=1`: paint without accelerated compositing (`=0` brings
///   it back). A list of codes has nothing that needs a GPU layer tree, and compositing costs
///   more than it gives: measured with `bench/desktop.sh`, the web process is smaller with 1,000
///   accounts, the window starts sooner, and where the compositor is Mesa's software GL the idle
///   app stops waking the CPU for every repainted frame (docs/desktop-bench.md).
/// * `JSC_useJIT=0`: JavaScriptCore interprets the page's script instead of compiling it to
///   machine code (`=1` brings the JIT back). The page runs only its own small bundle, mostly
///   once at start and then a few lines a second, so the JIT buys no speed a user can see; it
///   costs ~10 MB of the web process (its compilers' pages and the code they write), and it is
///   the part of WebKit that writes executable memory, which an app holding secrets is better
///   without (Apple's Lockdown Mode turns it off for the same reason).
/// * `WEBKIT_DISABLE_DMABUF_RENDERER=1`, only while compositing is off: the DMA-BUF renderer is
///   how the app process shows composited frames, so a window painted without compositing never
///   uses it, yet WebKit still opens a GL display for it in the app process (Mesa's driver and
///   its pages: ~5 MB PSS, docs/desktop-bench.md). With compositing brought back it is left on.
fn webkit_defaults() {
    #[cfg(target_os = "linux")]
    {
        let set_unless_given = |var: &str, value: &str| {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, value);
            }
        };
        set_unless_given("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        set_unless_given("JSC_useJIT", "0");
        if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some_and(|v| v != "0") {
            set_unless_given("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
}
