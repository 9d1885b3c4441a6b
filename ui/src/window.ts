// The window beside the tray: the one-time note when closing keeps Twofold in the tray, and Quit.
import { listen } from "@tauri-apps/api/event";
import { windowApi } from "./api";
import { button, closeModal, modal } from "./dialogs";
import { byId, h } from "./dom";

/** The first close with a tray icon shown: what happens, and Quit for who wanted that. */
function closeNote(): void {
  const text = h(
    "div",
    { id: "close-note" },
    h("p", { text: "Closing the window keeps Twofold running in the tray, so your codes stay one click away." }),
    h("p", { class: "hint", text: "Quit from the tray or from ☰ → Quit. Settings can change this." }),
  );
  modal("Twofold stays in the tray", text, [
    button("Quit", "btn", () => windowApi.quit()),
    button("Keep running in the tray", "btn primary", async () => {
      closeModal();
      await windowApi.hideToTray();
    }),
  ]);
}

export async function wireWindow(): Promise<void> {
  byId("menu-quit").addEventListener("click", () => void windowApi.quit());
  await listen("close-to-tray-note", closeNote);
}
