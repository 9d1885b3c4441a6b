import { api, errorText, type FieldProblem, type Found, type ManualForm } from "./api";
import { groupCode, h } from "./dom";
import { button, closeModal, modal } from "./dialogs";
import { toast } from "./toast";
import { busy } from "./busy";
import { t } from "./i18n";

type Done = () => Promise<void>;

function tagsFrom(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The one wording for accounts not added because the vault has them: "2 already in Twofold." */
export function alreadyIn(n: number): string {
  return t("add.already_in", { count: n });
}

function reportAdded(added: number, skipped: number): void {
  const parts = [];
  if (added) parts.push(t("add.added", { count: added }));
  if (skipped) parts.push(alreadyIn(skipped));
  toast(parts.join(" ") || t("add.nothing"));
}

/** Reads an image file (dropped, pasted or opened) and adds what its QR codes hold. */
export async function scanBytes(file: Blob, done: Done): Promise<void> {
  try {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    await handleFound(await api.scanImage(bytes), done, false);
  } catch (err) {
    toast(errorText(err));
  }
}

/**
 * What was found decides what happens: one new account is added at once; several codes, a
 * Google Authenticator export or a duplicate open a dialog to choose.
 */
export async function handleFound(found: Found[], done: Done, fromPaste: boolean): Promise<void> {
  const otp = found.filter((f) => f.kind !== "other");
  if (otp.length === 0) {
    toast(found.length ? t("add.not_otp") : t("add.no_qr"));
    return;
  }
  const simple =
    otp.length === 1 &&
    otp[0].kind === "otpauth" &&
    !otp[0].error &&
    (fromPaste || otp[0].accounts.every((a) => a.duplicate === "none"));
  if (simple && otp[0].handle) {
    try {
      const r = await api.addFound([otp[0].handle], []);
      reportAdded(r.added.length, r.skipped_duplicates);
      closeModal();
      await done();
    } catch (err) {
      toast(errorText(err));
    }
    return;
  }
  pickDialog(otp, done);
}

/** Captures the screens and adds what their QR codes hold. */
export async function scanScreen(done: Done): Promise<void> {
  try {
    await handleFound(await api.scanScreen(), done, false);
  } catch (err) {
    toast(errorText(err));
  }
}

/** A link pasted on the window: asked about like a scanned code (added at once when new). */
export async function pasteLink(text: string, done: Done): Promise<void> {
  try {
    await handleFound([await api.intakeLink(text)], done, true);
  } catch (err) {
    toast(errorText(err));
  }
}

/** Links opened from outside the app (a clicked otpauth:// link): always confirmed first. */
export function confirmLinks(found: Found[], done: Done): void {
  if (!found.length) return;
  pickDialog(found, done, {
    title: found.length > 1 ? t("add.links_title", { count: found.length }) : t("add.link_title"),
    intro: t("add.links_intro"),
    add: t("add.add"),
  });
}

interface PickText {
  title: string;
  intro: string | null;
  add: string;
}

function pickDialog(found: Found[], done: Done, text?: PickText): void {
  const boxes: { handle: string; box: HTMLInputElement }[] = [];
  const items = found.map((f, i) => {
    if (f.error || !f.handle) {
      return h("li", { class: "pick error" }, h("span", { text: f.error ?? t("add.not_otp") }));
    }
    const dup = f.accounts.some((a) => a.duplicate !== "none");
    // One choice in the dialog: "Add" is the choice, no checkbox.
    const alone = found.length === 1;
    const box = h("input", { type: "checkbox", id: `pick-${i}`, hidden: alone });
    box.checked = alone || !f.accounts.every((a) => a.duplicate === "same");
    boxes.push({ handle: f.handle, box });
    const name = (a: Found["accounts"][number]) => [
      h("strong", { text: a.issuer || a.label }),
      a.issuer ? ` ${a.label}` : "",
      a.duplicate === "same" ? h("em", { text: ` — ${t("add.dup_same")}` }) : null,
      a.duplicate === "conflict" ? h("em", { text: ` — ${t("add.dup_conflict")}` }) : null,
    ];
    // One account: its name is the choice. An export: the export is, with its accounts under it.
    const single = f.kind !== "migration" && f.accounts.length === 1;
    return h(
      "li",
      { class: `pick${dup ? " dup" : ""}` },
      h(
        "label",
        { for: `pick-${i}` },
        box,
        single
          ? h("span", {}, ...name(f.accounts[0]))
          : h("span", { class: "pick-title", text: t("add.ga_export", { count: f.accounts.length }) }),
      ),
      single ? null : h("ul", { class: "pick-accounts" }, ...f.accounts.map((a) => h("li", {}, ...name(a)))),
    );
  });
  const tags = h("input", { id: "pick-tags", placeholder: t("add.pick_tags") });
  const add = async () => {
    const chosen = boxes.filter((b) => b.box.checked).map((b) => b.handle);
    if (!chosen.length) return closeModal();
    try {
      const r = await api.addFound(chosen, tagsFrom(tags.value));
      closeModal();
      reportAdded(r.added.length, r.skipped_duplicates);
      await done();
    } catch (err) {
      toast(errorText(err));
    }
  };
  const words = text ?? {
    title: found.length > 1 ? t("add.found_codes", { count: found.length }) : t("add.pick_title"),
    intro: null,
    add: t("add.add_selected"),
  };
  const dlg = modal(
    words.title,
    h("div", {}, words.intro ? h("p", { class: "hint pick-intro", text: words.intro }) : null, h("ul", { class: "picks" }, ...items), tags),
    [button(t("dialog.cancel"), "btn", closeModal), button(words.add, "btn primary", add)],
  );
  // However the dialog closes (Add, Cancel, Escape, a lock), what was not added is forgotten in
  // Rust too (added codes are already gone there).
  const handles = boxes.map((b) => b.handle);
  dlg.addEventListener("close", () => void api.discardFound(handles).catch(() => {}), { once: true });
}

export function openAddDialog(done: Done, tab: "scan" | "link" | "manual" = "scan"): void {
  const linkInput = h("input", {
    id: "add-uri",
    placeholder: "otpauth://totp/…",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "add-uri-error",
  });
  const linkError = h("p", { class: "error-text", id: "add-uri-error", role: "alert" });
  const fileInput = h("input", { id: "add-file", type: "file", accept: "image/*", class: "file" });
  fileInput.addEventListener("change", async () => {
    const f = fileInput.files?.[0];
    if (f) await scanBytes(f, done);
  });

  const linkTab = h(
    "form",
    { class: "form", id: "add-link-form" },
    h("label", { class: "field", for: "add-uri" }, h("span", { text: t("add.link_label") }), linkInput),
    linkError,
  );
  const addLink = async () => {
    linkError.textContent = "";
    const uri = linkInput.value.trim();
    if (!uri) {
      linkError.textContent = t("add.link_empty");
      return;
    }
    try {
      const r = await api.addUri(uri, []);
      closeModal();
      reportAdded(r.added.length, r.skipped_duplicates);
      await done();
    } catch (err) {
      linkError.textContent = errorText(err);
    }
  };
  linkTab.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(e.submitter as HTMLButtonElement | null, addLink);
  });

  const sourceTab = h(
    "div",
    { class: "sources" },
    h(
      "label",
      { class: "btn source", for: "add-file" },
      h("span", { text: t("empty.image") }),
      fileInput,
    ),
    button(t("empty.scan"), "btn source", () => scanScreen(done)),
    h("p", { class: "hint", text: t("add.drop_hint") }),
  );

  const manual = manualForm(done);
  const tabs = h("div", { class: "tabs", role: "tablist" });
  // A form may not be a tabpanel: each sits in one.
  const linkPanel = h("div", {}, linkTab);
  const manualPanel = h("div", {}, manual);
  const panels: [string, string, HTMLElement][] = [
    ["scan", t("add.tab_scan"), sourceTab],
    ["link", t("add.tab_link"), linkPanel],
    ["manual", t("add.tab_manual"), manualPanel],
  ];
  // Each form's submit button sits in the dialog's action row, beside Cancel, shown with its tab.
  const submit = (form: string, text: string) => h("button", { type: "submit", class: "btn primary", form, text });
  const submits = new Map<HTMLElement, HTMLButtonElement>([
    [linkPanel, submit("add-link-form", t("add.submit_link"))],
    [manualPanel, submit("add-manual-form", t("add.submit_manual"))],
  ]);
  const showSubmit = (panel: HTMLElement) => submits.forEach((b, p) => (b.hidden = p !== panel));
  const body = h("div", { class: "add" }, tabs);
  panels.forEach(([id, name, panel], i) => {
    const tab = h("button", {
      type: "button",
      role: "tab",
      class: "tab",
      id: `tab-${id}`,
      "aria-selected": String(i === 0),
      text: name,
    });
    panel.setAttribute("role", "tabpanel");
    panel.hidden = i !== 0;
    tab.addEventListener("click", () => {
      tabs.querySelectorAll(".tab").forEach((el) => el.setAttribute("aria-selected", String(el === tab)));
      panels.forEach(([, , p]) => (p.hidden = p !== panel));
      showSubmit(panel);
      (panel.querySelector("input, button") as HTMLElement | null)?.focus();
    });
    tabs.append(tab);
    body.append(panel);
  });
  showSubmit(panels[0][2]);
  modal(t("add.title"), body, [button(t("dialog.cancel"), "btn", closeModal), ...submits.values()]);
  if (tab !== "scan") tabs.querySelector<HTMLButtonElement>(`#tab-${tab}`)?.click();
}

function manualForm(done: Done): HTMLElement {
  const input = (id: string, label: string, attrs: Record<string, string> = {}) => {
    const el = h("input", { id, autocomplete: "off", spellcheck: "false", ...attrs });
    const err = h("small", { class: "error-text", id: `${id}-error`, role: "alert" });
    el.setAttribute("aria-describedby", `${id}-error`);
    return { el, err, wrap: h("label", { class: "field", for: id }, h("span", { text: label }), el, err) };
  };
  const select = (id: string, label: string, options: (string | [string, string])[]) => {
    const el = h(
      "select",
      { id },
      ...options.map((o) => (typeof o === "string" ? [o, o] : o)).map(([value, text]) => h("option", { value, text })),
    );
    return { el, wrap: h("label", { class: "field", for: id }, h("span", { text: label }), el) };
  };
  const issuer = input("m-issuer", t("field.issuer"), { placeholder: t("add.issuer_ph") });
  const label = input("m-label", t("field.account"), { placeholder: t("add.account_ph") });
  const secret = input("m-secret", t("add.secret"), { placeholder: t("add.secret_ph") });
  const kind = select("m-kind", t("add.kind"), [
    ["totp", t("add.kind_totp")],
    ["hotp", t("add.kind_hotp")],
    ["steam", "Steam Guard"],
  ]);
  const algorithm = select("m-algorithm", t("add.algorithm"), ["SHA1", "SHA256", "SHA512"]);
  const digits = input("m-digits", t("add.digits"), { type: "number", min: "6", max: "10", value: "6" });
  const period = input("m-period", t("add.period"), { type: "number", min: "1", value: "30" });
  const counter = input("m-counter", t("add.counter"), { type: "number", min: "0", value: "0" });
  const tags = input("m-tags", t("field.tags"), { placeholder: t("add.tags_ph") });
  const preview = h("output", { id: "m-preview", class: "preview", "aria-live": "polite" });

  // The fields as typed; those hidden for the chosen kind are not sent. Rust checks them
  // (KeyUri::from_fields, the rules `twofold add --secret` follows): the form has none of its own.
  const form = (): ManualForm => {
    const steam = kind.el.value === "steam";
    return {
      secret: secret.el.value,
      issuer: issuer.el.value.trim(),
      label: label.el.value.trim(),
      kind: kind.el.value,
      algorithm: steam ? null : algorithm.el.value,
      digits: steam ? null : digits.el.value,
      period: kind.el.value === "hotp" ? null : period.el.value,
      counter: kind.el.value === "hotp" ? counter.el.value : null,
      tags: tagsFrom(tags.el.value),
    };
  };

  /** Which fields the chosen kind has. */
  const layout = () => {
    const hotp = kind.el.value === "hotp";
    const steam = kind.el.value === "steam";
    counter.wrap.hidden = !hotp;
    period.wrap.hidden = hotp;
    digits.wrap.hidden = steam;
    algorithm.wrap.hidden = steam;
  };

  const errs: Record<string, HTMLElement> = {
    secret: secret.err,
    name: label.err,
    digits: digits.err,
    period: period.err,
    counter: counter.err,
  };
  /** Rust's problems in the window's words, each beside its field (the preview line for one
   * that has none). */
  const show = (problems: FieldProblem[]) => {
    for (const e of Object.values(errs)) e.textContent = "";
    for (const p of problems) {
      const words: Record<string, string> = {
        secret: p.code === "empty_secret" ? t("add.err_secret") : t("add.err_base32"),
        name: t("add.err_name"),
        digits: t("add.err_digits"),
        period: t("add.err_period"),
        counter: t("add.err_counter"),
      };
      const at = p.field ? errs[p.field] : undefined;
      if (at && p.field) at.textContent = words[p.field];
      else {
        preview.textContent = p.message;
        preview.classList.add("bad");
      }
    }
  };

  let checks = 0;
  /** Asks Rust about the form as it is; false when it has a problem (shown). */
  const check = async (toKeep: boolean): Promise<boolean> => {
    const seq = ++checks;
    layout();
    const f = form();
    if (!toKeep && !f.secret.trim()) {
      // Nothing typed yet is not an error.
      show([]);
      preview.textContent = "";
      return false;
    }
    try {
      const r = await api.preview(f, toKeep);
      if (seq !== checks) return false;
      preview.classList.remove("bad");
      preview.textContent = r.code ? t("add.code_now", { code: groupCode(r.code) }) : "";
      show(r.problems);
      return r.problems.length === 0;
    } catch (err) {
      preview.textContent = errorText(err);
      preview.classList.add("bad");
      return false;
    }
  };

  const el = h(
    "form",
    { class: "form grid", id: "add-manual-form", novalidate: true },
    issuer.wrap,
    label.wrap,
    secret.wrap,
    kind.wrap,
    algorithm.wrap,
    digits.wrap,
    period.wrap,
    counter.wrap,
    tags.wrap,
    preview,
  );
  el.addEventListener("input", () => void check(false));
  el.addEventListener("change", () => void check(false));
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(e.submitter as HTMLButtonElement | null, submitManual);
  });
  const submitManual = async () => {
    if (!(await check(true))) return;
    try {
      const r = await api.addManual(form());
      closeModal();
      reportAdded(r.added.length, r.skipped_duplicates);
      await done();
    } catch (err) {
      preview.textContent = errorText(err);
      preview.classList.add("bad");
    }
  };
  layout();
  return el;
}
