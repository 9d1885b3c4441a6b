import { open } from "@tauri-apps/plugin-dialog";
import { api, backupApi, errorText, windowApi, type BackupStatus, type Settings } from "./api";
import { byId, field, h } from "./dom";
import { button, closeModal, modal } from "./dialogs";
import { toast } from "./toast";
import { fmtDateTime, setLanguage, systemLanguage, t } from "./i18n";

/** "Last backup: 09:41 — twofold-backup-….twofoldbackup", or why the last one failed. */
function describeBackup(st: BackupStatus, on: boolean): string {
  if (st.error) return st.error;
  if (st.last_path && st.last_time) {
    return t("settings.last_backup", { when: fmtDateTime(st.last_time), path: st.last_path });
  }
  return on ? t("settings.no_backup_yet") : "";
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
  const choose = h("button", { type: "button", class: "btn", id: "set-backup-choose", text: t("settings.choose") });
  choose.addEventListener("click", async () => {
    const picked = await open({ directory: true, defaultPath: dir.value || undefined, title: t("settings.backup_folder_title") });
    if (typeof picked === "string") dir.value = picked;
  });
  const password = h("input", { id: "set-backup-password", type: "password", autocomplete: "new-password" });
  const confirm = h("input", { id: "set-backup-password2", type: "password", autocomplete: "new-password" });
  const pwHint = h("small", { id: "set-backup-password-hint", text: t("settings.backup_password_hint") });
  const status = h("p", { class: "hint", id: "backup-status", role: "status" });
  const now = h("button", { type: "button", class: "btn", id: "set-backup-now", text: t("settings.backup_now") });
  const backupFields = h(
    "fieldset",
    { class: "grid-fields", id: "backup-fields" },
    field("set-backup-dir", t("settings.backup_folder"), h("div", { class: "path-row" }, dir, choose)),
    field("set-backup-keep", t("settings.backup_keep"), number("set-backup-keep", current.backup_keep, 1, 1000), t("settings.backup_keep_hint")),
    h(
      "div",
      { class: "grid" },
      field("set-backup-password", t("settings.backup_password"), password),
      field("set-backup-password2", t("settings.password_again"), confirm),
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
    if (backup.password_set) pwHint.textContent = t("settings.backup_password_kept");
  };
  backupOn.addEventListener("change", showStatus);
  now.addEventListener("click", async () => {
    now.disabled = true;
    try {
      const path = await backupApi.now();
      toast(t("settings.backup_written", { path }));
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
  const currentField = field("set-pass-current", t("settings.pass_current"), passCurrent);
  const newFields = h(
    "div",
    { class: "grid" },
    field("set-pass-new", hasPassphrase ? t("settings.pass_new") : t("lock.passphrase"), passNew),
    field("set-pass-again", t("settings.pass_again"), passAgain),
  );
  const passHint = h("small", { id: "set-pass-hint" });
  const passFields = h("fieldset", { class: "grid-fields", id: "pass-fields" }, currentField, newFields, passHint);
  const showPass = () => {
    const removing = hasPassphrase && !passOn.checked;
    passFields.hidden = !passOn.checked && !removing;
    currentField.hidden = !hasPassphrase;
    newFields.hidden = removing;
    passHint.textContent = removing
      ? t("settings.pass_hint_remove")
      : hasPassphrase
        ? t("settings.pass_hint_change")
        : t("settings.pass_hint_set");
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
      if (!passCurrent.value) return fail(t("settings.err_pass_remove"));
      await api.removePassphrase(passCurrent.value);
      return false;
    }
    if (hasPassphrase && !passNew.value && !passAgain.value) return true;
    // The length rule is the vault crate's (twofold_vault::check_new_passphrase): Rust says it.
    if (passNew.value !== passAgain.value) return fail(t("settings.err_pass_differ"));
    if (hasPassphrase && !passCurrent.value) return fail(t("settings.err_pass_change"));
    await api.setPassphrase(passNew.value, hasPassphrase ? passCurrent.value : null);
    return true;
  };

  // The language: the desktop's (named in its own words), or one chosen here.
  const language = h(
    "select",
    { id: "set-language" },
    h("option", { value: "system", text: t("settings.language_system", { name: systemLanguage() === "de" ? t("language.de") : t("language.en") }) }),
    h("option", { value: "en", lang: "en", text: t("language.en") }),
    h("option", { value: "de", lang: "de", text: t("language.de") }),
  );
  language.value = current.language === "en" || current.language === "de" ? current.language : "system";

  // The tray: offered only where a tray icon is shown.
  const trayOn = h("input", { id: "set-close-tray", type: "checkbox", checked: current.close_to_tray });
  const hiddenOn = h("input", { id: "set-start-hidden", type: "checkbox", checked: current.start_hidden });
  const trayFields = h(
    "div",
    { class: "form", id: "tray-fields", hidden: true },
    h("label", { class: "check", for: "set-close-tray" }, trayOn, ` ${t("settings.close_tray")}`),
    h("label", { class: "check", for: "set-start-hidden" }, hiddenOn, ` ${t("settings.start_hidden")}`),
  );
  void windowApi.trayAvailable().then((shown) => (trayFields.hidden = !shown));

  const form = h(
    "form",
    { class: "form", id: "settings-form" },
    // The passphrase first: the idle lock below depends on it.
    h("label", { class: "check", for: "set-pass" }, passOn, ` ${t("settings.protect")}`),
    passFields,
    h(
      "div",
      { class: "grid" },
      field(
        "set-idle",
        t("settings.idle"),
        number("set-idle", Math.round(current.idle_lock_seconds / 60), 0, 1440),
        hasPassphrase ? t("settings.idle_hint") : t("settings.idle_needs_pass"),
      ),
      field(
        "set-clipboard",
        t("settings.clipboard"),
        number("set-clipboard", current.clipboard_clear_seconds, 0, 3600),
        t("settings.clipboard_hint"),
      ),
    ),
    field("set-language", t("settings.language"), language),
    trayFields,
    h("label", { class: "check", for: "set-backup" }, backupOn, ` ${t("settings.backups")}`),
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
      error.textContent = t("settings.err_clipboard");
      return;
    }
    if (!Number.isInteger(idleMin) || idleMin < 0) {
      error.textContent = t("settings.err_idle");
      return;
    }
    if (backupOn.checked) {
      if (!dir.value.trim()) {
        error.textContent = t("settings.err_folder");
        return;
      }
      if (!Number.isInteger(keep) || keep < 1 || keep > 1000) {
        error.textContent = t("settings.err_keep");
        return;
      }
      if (password.value !== confirm.value) {
        error.textContent = t("settings.err_password_differ");
        return;
      }
      if (!password.value && !backup?.password_set) {
        error.textContent = t("settings.err_password_missing");
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
        language: language.value,
      });
      closeModal();
      // A new language applies at once: the page, the list and the message below are in it.
      if (s.language !== current.language) setLanguage(s.language);
      saved(s, hasPass);
      const what =
        hasPass !== hasPassphrase
          ? hasPass
            ? ` ${t("settings.pass_set")}`
            : ` ${t("settings.pass_removed")}`
          : "";
      toast(
        (s.backup_dir && s.backup_dir !== current.backup_dir ? t("settings.saved_first_backup") : t("settings.saved")) + what,
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
  modal(t("settings.title"), form, [button(t("dialog.cancel"), "btn", closeModal), button(t("dialog.save"), "btn primary", save)]);
  byId<HTMLInputElement>("set-clipboard").focus();
}
