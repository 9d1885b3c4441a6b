//! The desktop shell: Tauri commands that forward to the crates. No product logic lives here.

mod commands;

pub fn run() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start");
}
