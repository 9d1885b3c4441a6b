// Import from other authenticators' exports and export to them, through the vault crate's
// transfer layer (the same code as `twofold import` / `twofold export`).
import { open, save } from "@tauri-apps/plugin-dialog";
import { errorText, transferApi, type ImportEntry, type ImportPreview } from "./api";
import { button, closeModal, modal } from "./dialogs";
import { field, h } from "./dom";
import { toast } from "./toast";
import { alreadyIn } from "./add";
import { fmtNumber, t } from "./i18n";

/** Formats by value and label; a label that is a catalog key ("transfer.…") is translated. */
const IMPORT_FORMATS: [string, string][] = [
  ["auto", "transfer.fmt_auto"],
  ["aegis", "Aegis"],
  ["2fas", "2FAS"],
  ["andotp", "andOTP"],
  ["freeotp+", "FreeOTP+"],
  ["bitwarden", "Bitwarden JSON"],
  ["bitwarden-csv", "Bitwarden CSV"],
  ["ente", "Ente Auth"],
  ["ente-encrypted", "transfer.fmt_ente_encrypted"],
  ["google", "transfer.fmt_google"],
  ["proton", "Proton Authenticator"],
  ["stratum", "Stratum / Authenticator Pro"],
  ["otpauth", "transfer.fmt_otpauth"],
  ["twofold", "transfer.fmt_twofold"],
];

const EXPORT_FORMATS: [string, string][] = [
  ["twofold", "transfer.efmt_twofold"],
  ["aegis", "transfer.efmt_aegis"],
  ["otpauth", "transfer.efmt_otpauth"],
  ["google-qr", "transfer.efmt_google_qr"],
  ["qr", "transfer.efmt_qr"],
];

function select(id: string, options: [string, string][]): HTMLSelectElement {
  return h(
    "select",
    { id },
    ...options.map(([v, label]) => h("option", { value: v, text: label.startsWith("transfer.") ? t(label) : label })),
  );
}

function entries(title: string, list: ImportEntry[], cls: string): HTMLElement | null {
  if (!list.length) return null;
  return h(
    "details",
    { class: `import-group ${cls}`, open: cls === "new" },
    h("summary", { text: `${title} (${fmtNumber(list.length)})` }),
    h("ul", {}, ...list.map((e) => h("li", { text: e.issuer ? `${e.issuer} — ${e.label}` : e.label }))),
  );
}

export function openImportDialog(done: () => Promise<void>): void {
  // The file input hides under a button like Export's "Choose…", with the names chosen beside it.
  const files = h("input", { id: "import-files", type: "file", multiple: true, class: "file" });
  const chosenNames = h("span", { class: "hint", id: "import-chosen", text: t("transfer.no_file") });
  const picker = h(
    "div",
    { class: "path-row" },
    h("span", { class: "btn source file-btn" }, h("span", { text: t("transfer.choose_files") }), files),
    chosenNames,
  );
  files.addEventListener("change", () => {
    const names = [...(files.files ?? [])].map((f) => f.name);
    chosenNames.textContent = names.length ? names.join(", ") : t("transfer.no_file");
  });
  const format = select("import-format", IMPORT_FORMATS);
  const password = h("input", { id: "import-password", type: "password", autocomplete: "off" });
  const pwField = field("import-password", t("transfer.import_password"), password);
  pwField.hidden = true;
  const conflicts = h("input", { id: "import-conflicts", type: "checkbox" });
  const conflictsField = h(
    "label",
    { class: "check", for: "import-conflicts", hidden: true },
    conflicts,
    ` ${t("transfer.add_conflicts")}`,
  );
  const error = h("p", { class: "field-error", id: "import-error", role: "alert" });
  const result = h("div", { id: "import-preview", class: "import-preview", "aria-live": "polite" });
  const body = h(
    "form",
    { class: "form", id: "import-form" },
    field("import-files", t("transfer.import_files"), picker, t("transfer.import_files_hint")),
    field("import-format", t("transfer.format"), format),
    pwField,
    error,
    result,
    conflictsField,
  );
  let preview: ImportPreview | null = null;
  const importBtn = button(t("transfer.import"), "btn primary", async () => {
    if (!preview) return showPreview();
    try {
      const r = await transferApi.importCommit(conflicts.checked);
      closeModal();
      await done();
      const dup = r.duplicates ? ` ${alreadyIn(r.duplicates)}` : "";
      toast(`${t("transfer.imported", { count: r.added })}${dup}`);
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  importBtn.id = "import-go";
  importBtn.textContent = t("transfer.preview");

  const reset = () => {
    preview = null;
    result.replaceChildren();
    conflictsField.hidden = true;
    importBtn.textContent = t("transfer.preview");
    error.textContent = "";
  };
  files.addEventListener("change", reset);
  format.addEventListener("change", reset);
  password.addEventListener("input", reset);

  async function showPreview(): Promise<void> {
    error.textContent = "";
    const chosen = [...(files.files ?? [])];
    if (!chosen.length) {
      error.textContent = t("transfer.err_no_files");
      return;
    }
    try {
      const payload = await Promise.all(
        chosen.map(async (f) => ({ name: f.name, bytes: [...new Uint8Array(await f.arrayBuffer())] })),
      );
      const p = await transferApi.importPreview(payload, format.value, password.value || null);
      if (p.needs_password) {
        pwField.hidden = false;
        error.textContent = t("transfer.err_encrypted");
        password.focus();
        return;
      }
      preview = p;
      const found = p.files.map((f) =>
        t(f.encrypted ? "transfer.file_encrypted" : "transfer.file", { name: f.name, format: f.format, count: f.accounts }),
      );
      const parts: (HTMLElement | null)[] = [
        h("ul", { class: "import-files" }, ...found.map((line) => h("li", { text: line }))),
        entries(t("transfer.new"), p.add, "new") ?? h("p", { class: "hint", text: t("transfer.nothing_new") }),
        entries(t("transfer.already"), p.duplicates, "dup"),
        entries(t("transfer.conflicts"), p.conflicts, "conflict"),
        p.skipped.length
          ? h("details", { class: "import-group" }, h("summary", { text: t("transfer.left_out", { count: fmtNumber(p.skipped.length) }) }), h("ul", {}, ...p.skipped.map((s) => h("li", { text: s }))))
          : null,
      ];
      result.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
      conflictsField.hidden = p.conflicts.length === 0;
      const n = p.add.length;
      importBtn.textContent = n ? t("transfer.import_n", { count: n }) : t("transfer.import");
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  body.addEventListener("submit", (e) => {
    e.preventDefault();
    void (preview ? importBtn.click() : showPreview());
  });
  const dlg = modal(t("transfer.import_title"), body, [
    button(t("dialog.cancel"), "btn", async () => {
      closeModal();
      await transferApi.importCancel();
    }),
    importBtn,
  ]);
  dlg.addEventListener("close", () => void transferApi.importCancel(), { once: true });
  files.focus();
}

export function openExportDialog(): void {
  const format = select("export-format", EXPORT_FORMATS);
  const password = h("input", { id: "export-password", type: "password", autocomplete: "new-password" });
  const confirm = h("input", { id: "export-password2", type: "password", autocomplete: "new-password" });
  const pwFields = h(
    "div",
    { class: "grid" },
    field("export-password", t("server.password"), password),
    field("export-password2", t("settings.password_again"), confirm),
  );
  // A path shown whole (wrapped), not cut before its file name.
  const path = h("textarea", { id: "export-path", autocomplete: "off", spellcheck: "false", rows: 2, class: "path" });
  path.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      body.requestSubmit();
    }
  });
  const choose = h("button", { type: "button", class: "btn", id: "export-choose", text: t("settings.choose") });
  choose.addEventListener("click", async () => {
    const multi = format.value.endsWith("qr");
    const picked = multi
      ? await open({ directory: true, defaultPath: path.value, title: t("transfer.qr_folder_title") })
      : await save({ defaultPath: path.value, title: t("transfer.save_as_title") });
    if (typeof picked === "string") path.value = picked;
  });
  const warning = h(
    "p",
    { class: "warning", id: "export-warning", role: "alert" },
    t("transfer.warning"),
  );
  const ack = h("input", { id: "export-ack", type: "checkbox" });
  const ackField = h("label", { class: "check", for: "export-ack" }, ack, ` ${t("transfer.understand")}`);
  const error = h("p", { class: "field-error", id: "export-error", role: "alert" });
  const body = h(
    "form",
    { class: "form", id: "export-form" },
    field("export-format", t("transfer.format"), format),
    pwFields,
    field(
      "export-path",
      t("transfer.save_to"),
      h("div", { class: "path-row" }, path, choose),
      t("transfer.save_to_hint"),
    ),
    warning,
    ackField,
    error,
  );
  const plain = () => format.value === "otpauth" || format.value.endsWith("qr") || (format.value === "aegis" && !password.value);
  const update = async () => {
    const f = format.value;
    pwFields.hidden = !(f === "twofold" || f === "aegis");
    warning.hidden = ackField.hidden = !plain();
    try {
      path.value = await transferApi.exportDefaultPath(f);
    } catch (err) {
      error.textContent = errorText(err);
    }
  };
  format.addEventListener("change", () => void update());
  password.addEventListener("input", () => {
    warning.hidden = ackField.hidden = !plain();
  });
  const go = async () => {
    error.textContent = "";
    const encrypted = !pwFields.hidden && password.value !== "";
    if (format.value === "twofold" && !password.value) {
      error.textContent = t("transfer.err_twofold_password");
      return;
    }
    if (encrypted && password.value !== confirm.value) {
      error.textContent = t("transfer.err_differ");
      return;
    }
    if (plain() && !ack.checked) {
      error.textContent = t("transfer.err_ack");
      return;
    }
    try {
      const r = await transferApi.exportAccounts(format.value, path.value, encrypted ? password.value : null, []);
      closeModal();
      const where = r.paths.length === 1 ? r.paths[0] : t("transfer.files_in", { count: r.paths.length, path: path.value });
      const words = { count: r.accounts, where, left: r.skipped.length };
      toast(r.skipped.length ? t("transfer.exported_left_out", words) : t("transfer.exported", words), { seconds: 8 });
    } catch (err) {
      error.textContent = errorText(err);
    }
  };
  body.addEventListener("submit", (e) => {
    e.preventDefault();
    void go();
  });
  // Editing a field clears the last complaint about it.
  body.addEventListener("input", () => (error.textContent = ""));
  const goBtn = button(t("transfer.export"), "btn primary", go);
  goBtn.id = "export-go";
  modal(t("transfer.export_title"), body, [button(t("dialog.cancel"), "btn", closeModal), goBtn]);
  void update();
  format.focus();
}
