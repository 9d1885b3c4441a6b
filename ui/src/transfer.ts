// Import from other authenticators' exports and export to them, through the vault crate's
// transfer layer (the same code as `twofold import` / `twofold export`).
import { open, save } from "@tauri-apps/plugin-dialog";
import { errorText, transferApi, type ImportEntry, type ImportPreview } from "./api";
import { button, closeModal, modal } from "./dialogs";
import { field, h } from "./dom";
import { toast } from "./toast";
import { alreadyIn } from "./add";

const IMPORT_FORMATS: [string, string][] = [
  ["auto", "Detect from the file"],
  ["aegis", "Aegis"],
  ["2fas", "2FAS"],
  ["andotp", "andOTP"],
  ["freeotp+", "FreeOTP+"],
  ["bitwarden", "Bitwarden JSON"],
  ["bitwarden-csv", "Bitwarden CSV"],
  ["ente", "Ente Auth"],
  ["ente-encrypted", "Ente Auth (encrypted)"],
  ["google", "Google Authenticator export"],
  ["proton", "Proton Authenticator"],
  ["stratum", "Stratum / Authenticator Pro"],
  ["otpauth", "otpauth:// links, one per line"],
  ["twofold", "Twofold backup"],
];

const EXPORT_FORMATS: [string, string][] = [
  ["twofold", "Twofold encrypted backup"],
  ["aegis", "Aegis JSON (encrypted with a password, or plain)"],
  ["otpauth", "otpauth:// links, one per line (plain)"],
  ["google-qr", "Google Authenticator QR codes (PNG files)"],
  ["qr", "One QR code per account (PNG files)"],
];

function select(id: string, options: [string, string][]): HTMLSelectElement {
  return h("select", { id }, ...options.map(([v, t]) => h("option", { value: v, text: t })));
}

function entries(title: string, list: ImportEntry[], cls: string): HTMLElement | null {
  if (!list.length) return null;
  return h(
    "details",
    { class: `import-group ${cls}`, open: cls === "new" },
    h("summary", { text: `${title} (${list.length})` }),
    h("ul", {}, ...list.map((e) => h("li", { text: e.issuer ? `${e.issuer} — ${e.label}` : e.label }))),
  );
}

export function openImportDialog(done: () => Promise<void>): void {
  // The file input hides under a button like Export's "Choose…", with the names chosen beside it.
  const files = h("input", { id: "import-files", type: "file", multiple: true, class: "file" });
  const chosenNames = h("span", { class: "hint", id: "import-chosen", text: "No file chosen" });
  const picker = h(
    "div",
    { class: "path-row" },
    h("span", { class: "btn source file-btn" }, h("span", { text: "Choose files…" }), files),
    chosenNames,
  );
  files.addEventListener("change", () => {
    const names = [...(files.files ?? [])].map((f) => f.name);
    chosenNames.textContent = names.length ? names.join(", ") : "No file chosen";
  });
  const format = select("import-format", IMPORT_FORMATS);
  const password = h("input", { id: "import-password", type: "password", autocomplete: "off" });
  const pwField = field("import-password", "Password of the export", password);
  pwField.hidden = true;
  const conflicts = h("input", { id: "import-conflicts", type: "checkbox" });
  const conflictsField = h(
    "label",
    { class: "check", for: "import-conflicts", hidden: true },
    conflicts,
    " Also add accounts whose issuer and name match one with another secret",
  );
  const error = h("p", { class: "field-error", id: "import-error", role: "alert" });
  const result = h("div", { id: "import-preview", class: "import-preview", "aria-live": "polite" });
  const body = h(
    "form",
    { class: "form", id: "import-form" },
    field("import-files", "Export files (or QR images)", picker, "Aegis, 2FAS, andOTP, FreeOTP+, Bitwarden, Ente, Google Authenticator, Proton, Stratum, otpauth lists"),
    field("import-format", "Format", format),
    pwField,
    error,
    result,
    conflictsField,
  );
  let preview: ImportPreview | null = null;
  const importBtn = button("Import", "btn primary", async () => {
    if (!preview) return showPreview();
    try {
      const r = await transferApi.importCommit(conflicts.checked);
      closeModal();
      await done();
      const dup = r.duplicates ? ` ${alreadyIn(r.duplicates)}` : "";
      toast(`Imported ${r.added} account${r.added === 1 ? "" : "s"}.${dup}`);
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  importBtn.id = "import-go";
  importBtn.textContent = "Preview";

  const reset = () => {
    preview = null;
    result.replaceChildren();
    conflictsField.hidden = true;
    importBtn.textContent = "Preview";
    error.textContent = "";
  };
  files.addEventListener("change", reset);
  format.addEventListener("change", reset);
  password.addEventListener("input", reset);

  async function showPreview(): Promise<void> {
    error.textContent = "";
    const chosen = [...(files.files ?? [])];
    if (!chosen.length) {
      error.textContent = "Choose one or more export files first.";
      return;
    }
    try {
      const payload = await Promise.all(
        chosen.map(async (f) => ({ name: f.name, bytes: [...new Uint8Array(await f.arrayBuffer())] })),
      );
      const p = await transferApi.importPreview(payload, format.value, password.value || null);
      if (p.needs_password) {
        pwField.hidden = false;
        error.textContent = "This export is encrypted: enter its password.";
        password.focus();
        return;
      }
      preview = p;
      const found = p.files.map((f) => `${f.name}: ${f.format}${f.encrypted ? " (encrypted)" : ""}, ${f.accounts} account${f.accounts === 1 ? "" : "s"}`);
      const parts: (HTMLElement | null)[] = [
        h("ul", { class: "import-files" }, ...found.map((t) => h("li", { text: t }))),
        entries("New", p.add, "new") ?? h("p", { class: "hint", text: "Nothing new to add." }),
        entries("Already in Twofold", p.duplicates, "dup"),
        entries("Same issuer and name, another secret", p.conflicts, "conflict"),
        p.skipped.length
          ? h("details", { class: "import-group" }, h("summary", { text: `Left out (${p.skipped.length})` }), h("ul", {}, ...p.skipped.map((s) => h("li", { text: s }))))
          : null,
      ];
      result.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
      conflictsField.hidden = p.conflicts.length === 0;
      const n = p.add.length;
      importBtn.textContent = n ? `Import ${n} account${n === 1 ? "" : "s"}` : "Import";
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  body.addEventListener("submit", (e) => {
    e.preventDefault();
    void (preview ? importBtn.click() : showPreview());
  });
  const dlg = modal("Import accounts", body, [
    button("Cancel", "btn", async () => {
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
    field("export-password", "Password", password),
    field("export-password2", "Password again", confirm),
  );
  // A path shown whole (wrapped), not cut before its file name.
  const path = h("textarea", { id: "export-path", autocomplete: "off", spellcheck: "false", rows: 2, class: "path" });
  path.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      body.requestSubmit();
    }
  });
  const choose = h("button", { type: "button", class: "btn", id: "export-choose", text: "Choose…" });
  choose.addEventListener("click", async () => {
    const multi = format.value.endsWith("qr");
    const picked = multi
      ? await open({ directory: true, defaultPath: path.value, title: "Folder for the QR images" })
      : await save({ defaultPath: path.value, title: "Save the export as" });
    if (typeof picked === "string") path.value = picked;
  });
  const warning = h(
    "p",
    { class: "warning", id: "export-warning", role: "alert" },
    "This export holds your secrets in clear: anyone who reads it can make your codes. Keep it offline and delete it once you have imported it.",
  );
  const ack = h("input", { id: "export-ack", type: "checkbox" });
  const ackField = h("label", { class: "check", for: "export-ack" }, ack, " I understand");
  const error = h("p", { class: "field-error", id: "export-error", role: "alert" });
  const body = h(
    "form",
    { class: "form", id: "export-form" },
    field("export-format", "Format", format),
    pwFields,
    field(
      "export-path",
      "Save to",
      h("div", { class: "path-row" }, path, choose),
      "A file, or a folder for the QR formats. An existing file is never overwritten.",
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
      error.textContent = "A Twofold backup is always encrypted: choose a password.";
      return;
    }
    if (encrypted && password.value !== confirm.value) {
      error.textContent = "The two passwords differ.";
      return;
    }
    if (plain() && !ack.checked) {
      error.textContent = "This export is not encrypted: tick “I understand” to go on.";
      return;
    }
    try {
      const r = await transferApi.exportAccounts(format.value, path.value, encrypted ? password.value : null, []);
      closeModal();
      const where = r.paths.length === 1 ? r.paths[0] : `${r.paths.length} files in ${path.value}`;
      const left = r.skipped.length ? ` (${r.skipped.length} left out: the format cannot hold them)` : "";
      toast(`Exported ${r.accounts} account${r.accounts === 1 ? "" : "s"} to ${where}${left}.`, { seconds: 8 });
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
  const goBtn = button("Export", "btn primary", go);
  goBtn.id = "export-go";
  modal("Export accounts", body, [button("Cancel", "btn", closeModal), goBtn]);
  void update();
  format.focus();
}
