// The window beside the tray: the one-time note when closing keeps Twofold in the tray, and Quit.
import { windowApi } from "./api";
import { button, closeModal, modal } from "./dialogs";
import { byId, h } from "./dom";
import { t } from "./i18n";

/** The first close with a tray icon shown: what happens, and Quit for who wanted that. */
export function closeNote(): void {
  const text = h(
    "div",
    { id: "close-note" },
    h("p", { text: t("tray.note") }),
    h("p", { class: "hint", text: t("tray.note_hint") }),
  );
  modal(t("tray.note_title"), text, [
    button(t("menu.quit"), "btn", () => windowApi.quit()),
    button(t("tray.keep"), "btn primary", async () => {
      closeModal();
      await windowApi.hideToTray();
    }),
  ]);
}

export function wireWindow(): void {
  byId("menu-quit").addEventListener("click", () => void windowApi.quit());
}
