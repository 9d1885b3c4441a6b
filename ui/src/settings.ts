import { api, errorText, type Settings } from "./api";
import { byId, h } from "./dom";
import { button, closeModal, modal } from "./dialogs";
import { toast } from "./toast";

/** Preferences: how long a copied code stays on the clipboard, and when the app locks itself. */
export function openSettingsDialog(
  current: Settings,
  hasPassphrase: boolean,
  saved: (s: Settings) => void,
): void {
  const number = (id: string, label: string, value: number, max: number, hint: string) =>
    h(
      "label",
      { class: "field", for: id },
      h("span", { text: label }),
      h("input", { id, type: "number", min: 0, max, step: 1, value, inputmode: "numeric" }),
      h("small", { text: hint }),
    );
  const error = h("p", { class: "field-error", id: "settings-error", role: "alert" });
  const form = h(
    "form",
    { class: "form", id: "settings-form" },
    number(
      "set-clipboard",
      "Clear copied codes after (seconds)",
      current.clipboard_clear_seconds,
      3600,
      "0 keeps them until something else is copied.",
    ),
    number(
      "set-idle",
      "Lock after inactivity (minutes)",
      Math.round(current.idle_lock_seconds / 60),
      1440,
      hasPassphrase
        ? "0 never locks by itself. Ctrl+L locks at once."
        : "Needs a passphrase on the vault (twofold vault passphrase set).",
    ),
    error,
  );
  const save = async () => {
    const read = (id: string) => byId<HTMLInputElement>(id).value.trim();
    const clip = Number(read("set-clipboard"));
    const idleMin = Number(read("set-idle"));
    if (!Number.isInteger(clip) || clip < 0) {
      error.textContent = "The clipboard delay must be a whole number of seconds, 0 or more.";
      return;
    }
    if (!Number.isInteger(idleMin) || idleMin < 0) {
      error.textContent = "The lock delay must be a whole number of minutes, 0 or more.";
      return;
    }
    try {
      const s = await api.saveSettings({
        ...current,
        clipboard_clear_seconds: clip,
        idle_lock_seconds: idleMin * 60,
      });
      closeModal();
      saved(s);
      toast("Settings saved.");
    } catch (err) {
      error.textContent = errorText(err);
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void save();
  });
  modal("Settings", form, [button("Cancel", "btn", closeModal), button("Save", "btn primary", save)]);
  byId<HTMLInputElement>("set-clipboard").focus();
}
