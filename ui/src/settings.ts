import { open } from "@tauri-apps/plugin-dialog";
import { api, backupApi, errorText, windowApi, type BackupStatus, type Settings } from "./api";
import { byId, field, h } from "./dom";
import { button, closeModal, modal } from "./dialogs";
import { toast } from "./toast";

/** "Last backup: 09:41 — twofold-backup-….twofoldbackup", or why the last one failed. */
function describeBackup(st: BackupStatus, on: boolean): string {
  if (st.error) return st.error;
  if (st.last_path && st.last_time) {
    const when = new Date(st.last_time * 1000).toLocaleString();
    return `Last backup: ${when} — ${st.last_path}`;
  }
  return on ? "No backup written yet: one is written after the next change." : "";
}

/**
 * Preferences: how long a copied code stays on the clipboard, when the app locks itself, the
 * vault's passphrase (set, changed or removed), and automatic encrypted backups (a folder, how
 * many to keep, a password kept in the OS keyring).
 */
export function openSettingsDialog(
  current: Settings,
  hasPassphrase: boolean,
  saved: (s: Settings, hasPassphrase: boolean) => void,
): void {
  const number = (id: string, value: number, min: number, max: number) =>
    h("input", { id, type: "number", min, max, step: 1, value, inputmode: "numeric" });
  const error = h("p", { class: "field-error", id: "settings-error", role: "alert" });

  const backupOn = h("input", { id: "set-backup", type: "checkbox", checked: current.backup_dir !== "" });
  const dir = h("input", { id: "set-backup-dir", autocomplete: "off", spellcheck: "false", value: current.backup_dir });
  const choose = h("button", { type: "button", class: "btn", id: "set-backup-choose", text: "Choose…" });
  choose.addEventListener("click", async () => {
    const picked = await open({ directory: true, defaultPath: dir.value || undefined, title: "Folder for the backups" });
    if (typeof picked === "string") dir.value = picked;
  });
  const password = h("input", { id: "set-backup-password", type: "password", autocomplete: "new-password" });
  const confirm = h("input", { id: "set-backup-password2", type: "password", autocomplete: "new-password" });
  const pwHint = h("small", { id: "set-backup-password-hint", text: "At least 8 characters. Kept in the OS keyring; needed to restore a backup." });
  const status = h("p", { class: "hint", id: "backup-status", role: "status" });
  const now = h("button", { type: "button", class: "btn", id: "set-backup-now", text: "Back up now" });
  const backupFields = h(
    "fieldset",
    { class: "grid-fields", id: "backup-fields" },
    field("set-backup-dir", "Backup folder", h("div", { class: "path-row" }, dir, choose)),
    field("set-backup-keep", "Backups to keep", number("set-backup-keep", current.backup_keep, 1, 1000), "The oldest are deleted."),
    h(
      "div",
      { class: "grid" },
      field("set-backup-password", "Backup password", password),
      field("set-backup-password2", "Password again", confirm),
    ),
    pwHint,
    h("div", { class: "path-row" }, status, now),
  );
  let backup: BackupStatus | null = null;
  const showStatus = () => {
    backupFields.hidden = !backupOn.checked;
    if (!backup) return;
    status.textContent = describeBackup(backup, current.backup_dir !== "");
    status.classList.toggle("field-error", backup.error !== null);
    now.hidden = current.backup_dir === "";
    if (backup.password_set) pwHint.textContent = "A password is kept in the OS keyring: leave these empty to keep it.";
  };
  backupOn.addEventListener("change", showStatus);
  now.addEventListener("click", async () => {
    now.disabled = true;
    try {
      const path = await backupApi.now();
      toast(`Backup written: ${path}`);
    } catch (err) {
      toast(errorText(err));
    } finally {
      now.disabled = false;
      backup = await backupApi.status().catch(() => backup);
      showStatus();
    }
  });
  void backupApi.status().then((st) => {
    backup = st;
    showStatus();
  });
  showStatus();

  // The passphrase: set, changed (the current one first) or removed (the current one again).
  const passOn = h("input", { id: "set-pass", type: "checkbox", checked: hasPassphrase });
  const secret = (id: string, autocomplete: string) => h("input", { id, type: "password", autocomplete });
  const passCurrent = secret("set-pass-current", "current-password");
  const passNew = secret("set-pass-new", "new-password");
  const passAgain = secret("set-pass-again", "new-password");
  const currentField = field("set-pass-current", "Current passphrase", passCurrent);
  const newFields = h(
    "div",
    { class: "grid" },
    field("set-pass-new", hasPassphrase ? "New passphrase" : "Passphrase", passNew),
    field("set-pass-again", "Passphrase again", passAgain),
  );
  const passHint = h("small", { id: "set-pass-hint" });
  const passFields = h("fieldset", { class: "grid-fields", id: "pass-fields" }, currentField, newFields, passHint);
  const showPass = () => {
    const removing = hasPassphrase && !passOn.checked;
    passFields.hidden = !passOn.checked && !removing;
    currentField.hidden = !hasPassphrase;
    newFields.hidden = removing;
    passHint.textContent = removing
      ? "Type the current passphrase to remove it. The OS keyring stays the way in."
      : hasPassphrase
        ? "To change it, type the current passphrase and the new one twice; leave them empty to keep it."
        : "At least 8 characters. Twofold then starts locked, locks on Ctrl+L and after the idle time, and still opens if the keyring is lost. It cannot be recovered: keep it safe.";
  };
  passOn.addEventListener("change", showPass);
  showPass();

  /** Sets, changes or removes the passphrase as the fields ask; false when they ask wrongly. */
  const applyPassphrase = async (): Promise<boolean | null> => {
    const fail = (msg: string) => {
      error.textContent = msg;
      return null;
    };
    if (!hasPassphrase && !passOn.checked) return false;
    if (hasPassphrase && !passOn.checked) {
      if (!passCurrent.value) return fail("Type the current passphrase to remove it.");
      await api.removePassphrase(passCurrent.value);
      return false;
    }
    if (hasPassphrase && !passNew.value && !passAgain.value) return true;
    // The length rule is the vault crate's (twofold_vault::check_new_passphrase): Rust says it.
    if (passNew.value !== passAgain.value) return fail("The two passphrases differ.");
    if (hasPassphrase && !passCurrent.value) return fail("Type the current passphrase to change it.");
    await api.setPassphrase(passNew.value, hasPassphrase ? passCurrent.value : null);
    return true;
  };

  // The tray: offered only where a tray icon is shown.
  const trayOn = h("input", { id: "set-close-tray", type: "checkbox", checked: current.close_to_tray });
  const hiddenOn = h("input", { id: "set-start-hidden", type: "checkbox", checked: current.start_hidden });
  const trayFields = h(
    "div",
    { class: "form", id: "tray-fields", hidden: true },
    h("label", { class: "check", for: "set-close-tray" }, trayOn, " Closing the window keeps Twofold in the tray"),
    h("label", { class: "check", for: "set-start-hidden" }, hiddenOn, " Start hidden in the tray"),
  );
  void windowApi.trayAvailable().then((shown) => (trayFields.hidden = !shown));

  const form = h(
    "form",
    { class: "form", id: "settings-form" },
    // The passphrase first: the idle lock below depends on it.
    h("label", { class: "check", for: "set-pass" }, passOn, " Protect Twofold with a passphrase"),
    passFields,
    h(
      "div",
      { class: "grid" },
      field(
        "set-idle",
        "Lock after inactivity (minutes)",
        number("set-idle", Math.round(current.idle_lock_seconds / 60), 0, 1440),
        hasPassphrase ? "0 never locks by itself." : "Needs a passphrase (above).",
      ),
      field(
        "set-clipboard",
        "Clear copied codes after (s)",
        number("set-clipboard", current.clipboard_clear_seconds, 0, 3600),
        "0 keeps them.",
      ),
    ),
    trayFields,
    h("label", { class: "check", for: "set-backup" }, backupOn, " Automatic encrypted backups after every change"),
    backupFields,
    error,
  );
  const save = async () => {
    error.textContent = "";
    const read = (id: string) => byId<HTMLInputElement>(id).value.trim();
    const clip = Number(read("set-clipboard"));
    const idleMin = Number(read("set-idle"));
    const keep = Number(read("set-backup-keep"));
    if (!Number.isInteger(clip) || clip < 0) {
      error.textContent = "The clipboard delay must be a whole number of seconds, 0 or more.";
      return;
    }
    if (!Number.isInteger(idleMin) || idleMin < 0) {
      error.textContent = "The lock delay must be a whole number of minutes, 0 or more.";
      return;
    }
    if (backupOn.checked) {
      if (!dir.value.trim()) {
        error.textContent = "Choose a folder for the backups.";
        return;
      }
      if (!Number.isInteger(keep) || keep < 1 || keep > 1000) {
        error.textContent = "Keep between 1 and 1000 backups.";
        return;
      }
      if (password.value !== confirm.value) {
        error.textContent = "The two backup passwords differ.";
        return;
      }
      if (!password.value && !backup?.password_set) {
        error.textContent = "Choose a password for the backups: without it they cannot be restored.";
        return;
      }
    }
    let hasPass: boolean | null;
    try {
      hasPass = await applyPassphrase();
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    if (hasPass === null) return;
    passCurrent.value = passNew.value = passAgain.value = "";
    try {
      if (backupOn.checked && password.value) await backupApi.setPassword(password.value);
      password.value = confirm.value = "";
      const s = await api.saveSettings({
        ...current,
        clipboard_clear_seconds: clip,
        idle_lock_seconds: idleMin * 60,
        backup_dir: backupOn.checked ? dir.value.trim() : "",
        backup_keep: backupOn.checked ? keep : current.backup_keep,
        close_to_tray: trayOn.checked,
        start_hidden: hiddenOn.checked,
      });
      closeModal();
      saved(s, hasPass);
      const what =
        hasPass !== hasPassphrase
          ? hasPass
            ? " The passphrase is set: Ctrl+L locks."
            : " The passphrase is removed."
          : "";
      toast(
        (s.backup_dir && s.backup_dir !== current.backup_dir ? "Settings saved; writing the first backup." : "Settings saved.") +
          what,
      );
    } catch (err) {
      error.textContent = errorText(err);
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void save();
  });
  // Editing a field clears the last complaint about it.
  form.addEventListener("input", () => (error.textContent = ""));
  modal("Settings", form, [button("Cancel", "btn", closeModal), button("Save", "btn primary", save)]);
  byId<HTMLInputElement>("set-clipboard").focus();
}
