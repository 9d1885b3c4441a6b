import { invoke } from "@tauri-apps/api/core";

interface AppInfo {
  name: string;
  version: string;
}

async function start(): Promise<void> {
  const info = await invoke<AppInfo>("app_info");
  const name = document.getElementById("app-name");
  const version = document.getElementById("app-version");
  if (name) name.textContent = info.name;
  if (version) version.textContent = `v${info.version}`;
  document.title = info.name;
  document.body.dataset.ready = "true";
}

start().catch((err: unknown) => {
  document.body.dataset.error = String(err);
});
