import { api, errorText, type Found, type ManualForm } from "./api";
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

const BASE32 = /^[A-Za-z2-7\s=-]+$/;

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

  // The fields hidden for the chosen kind are not sent: Rust (KeyUri::from_fields) applies the
  // kind's rules.
  const form = (): ManualForm => {
    const steam = kind.el.value === "steam";
    return {
      secret: secret.el.value,
      issuer: issuer.el.value.trim(),
      label: label.el.value.trim(),
      kind: kind.el.value,
      algorithm: steam ? null : algorithm.el.value,
      digits: steam ? null : Number(digits.el.value),
      period: Number(period.el.value),
      counter: kind.el.value === "hotp" ? Number(counter.el.value) : null,
      tags: tagsFrom(tags.el.value),
    };
  };

  /** Live validation of what can be checked here; Rust has the last word. */
  const validate = (): boolean => {
    const f = form();
    let ok = true;
    const set = (e: HTMLElement, msg: string) => {
      e.textContent = msg;
      if (msg) ok = false;
    };
    set(
      secret.err,
      !f.secret.trim()
        ? ""
        : BASE32.test(f.secret)
          ? ""
          : t("add.err_base32"),
    );
    set(label.err, "");
    set(
      digits.err,
      f.digits === null || (Number.isInteger(f.digits) && f.digits >= 6 && f.digits <= 10)
        ? ""
        : t("add.err_digits"),
    );
    set(period.err, f.period !== null && Number.isInteger(f.period) && f.period >= 1 ? "" : t("add.err_period"));
    set(counter.err, f.counter === null || (Number.isInteger(f.counter) && f.counter >= 0) ? "" : t("add.err_counter"));
    const hotp = f.kind === "hotp";
    const steam = f.kind === "steam";
    counter.wrap.hidden = !hotp;
    period.wrap.hidden = hotp;
    digits.wrap.hidden = steam;
    algorithm.wrap.hidden = steam;
    return ok && f.secret.trim() !== "";
  };

  const refreshPreview = async () => {
    if (!validate()) {
      preview.textContent = "";
      return;
    }
    try {
      preview.textContent = t("add.code_now", { code: groupCode(await api.preview(form())) });
      preview.classList.remove("bad");
    } catch (err) {
      preview.textContent = errorText(err);
      preview.classList.add("bad");
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
  el.addEventListener("input", () => void refreshPreview());
  el.addEventListener("change", () => void refreshPreview());
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    void busy(e.submitter as HTMLButtonElement | null, submitManual);
  });
  const submitManual = async () => {
    const f = form();
    if (!f.label && !f.issuer) label.err.textContent = t("add.err_name");
    if (!f.secret.trim()) secret.err.textContent = t("add.err_secret");
    if (!validate() || (!f.label && !f.issuer)) return;
    try {
      const r = await api.addManual(f);
      closeModal();
      reportAdded(r.added.length, r.skipped_duplicates);
      await done();
    } catch (err) {
      preview.textContent = errorText(err);
      preview.classList.add("bad");
    }
  };
  validate();
  return el;
}
