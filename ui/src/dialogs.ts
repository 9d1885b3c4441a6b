import { api, errorText, type Account } from "./api";
import { byId, h } from "./dom";
import { toast } from "./toast";
import { t } from "./i18n";
import { iconPicker } from "./icon-picker";
import { button, closeModal, modal } from "./modal";

// The one modal <dialog> is ui/src/modal.ts; re-exported for the dialogs' many callers.
export { button, closeModal, modal };

export function confirmDialog(title: string, text: string, ok: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = modal(title, h("p", { text }), [
      button(t("dialog.cancel"), "btn", () => {
        closeModal();
        resolve(false);
      }),
      button(ok, "btn primary", () => {
        closeModal();
        resolve(true);
      }),
    ]);
    dlg.addEventListener("cancel", () => resolve(false), { once: true });
  });
}

export function openEditDialog(a: Account, done: () => Promise<void>): void {
  const field = (id: string, label: string, value: string, hint?: string) =>
    h(
      "label",
      { class: "field", for: id },
      h("span", { text: label }),
      h("input", { id, value, autocomplete: "off", spellcheck: "false" }),
      hint ? h("small", { text: hint }) : null,
    );
  const note = h("textarea", { id: "edit-note", rows: 3 });
  note.value = a.note;
  const form = h(
    "form",
    { class: "form", id: "edit-form" },
    field("edit-issuer", t("field.issuer"), a.issuer),
    field("edit-label", t("field.account"), a.label),
    field("edit-tags", t("field.tags"), a.tags.join(", "), t("edit.tags_hint")),
    h("label", { class: "field", for: "edit-note" }, h("span", { text: t("edit.note") }), note),
  );
  const picker = iconPicker(a);
  form.append(picker.el);
  const save = async () => {
    const val = (id: string) => (byId<HTMLInputElement>(id).value ?? "").trim();
    try {
      await api.updateAccount(a.id, {
        issuer: val("edit-issuer"),
        label: val("edit-label"),
        tags: val("edit-tags")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        note: note.value,
        icon: picker.value(),
      });
      closeModal();
      await done();
      toast(t("edit.saved"));
    } catch (err) {
      toast(errorText(err));
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void save();
  });
  modal(t("edit.title"), form, [button(t("dialog.cancel"), "btn", closeModal), button(t("dialog.save"), "btn primary", save)]);
  byId<HTMLInputElement>("edit-issuer").focus();
}

export async function showQr(a: Account): Promise<void> {
  const ok = await confirmDialog(
    t("qr.confirm_title"),
    t("qr.confirm_text", { name: a.issuer || a.label }),
    t("qr.show"),
  );
  if (!ok) return;
  try {
    const svg = await api.accountQr(a.id);
    const img = h("img", {
      class: "qr",
      alt: t("qr.alt", { name: `${a.issuer} ${a.label}`.trim() }),
      src: `data:image/svg+xml;base64,${btoa(svg)}`,
    });
    const caption = h(
      "figcaption",
      {},
      a.issuer && a.label ? h("strong", { text: a.label }) : null,
      h("span", { text: t("qr.caption") }),
    );
    modal(`${a.issuer || a.label}`, h("figure", { class: "qr-figure" }, img, caption), [
      button(t("dialog.done"), "btn primary", closeModal),
    ]);
  } catch (err) {
    toast(errorText(err));
  }
}

export async function showSecret(a: Account): Promise<void> {
  const ok = await confirmDialog(
    t("secret.confirm_title"),
    t("secret.confirm_text"),
    t("secret.reveal"),
  );
  if (!ok) return;
  try {
    const secret = await api.revealSecret(a.id);
    const grouped = secret.replace(/(.{4})/g, "$1 ").trim();
    modal(`${a.issuer || a.label}`, h("p", { class: "secret", id: "revealed-secret", text: grouped }), [
      button(t("dialog.done"), "btn primary", closeModal),
    ]);
  } catch (err) {
    toast(errorText(err));
  }
}
