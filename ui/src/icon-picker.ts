// The icon picker of the Edit dialog (Automatic, Initial, or any logo or imported icon, found by
// a search) and the ☰ menu's "Import icon pack…" (an Aegis pack's ZIP, read and kept by Rust).
import type { Account } from "./api";
import { errorText } from "./api";
import { button, closeModal, modal } from "./modal";
import { h } from "./dom";
import { t } from "./i18n";
import { automatic, drawLogo, importPack, reloadPacks, searchIcons, titleOf } from "./logos";
import { toast } from "./toast";

/** Results shown at once: enough to pick from, few enough to stay light. */
const SHOWN = 24;

export interface Picker {
  el: HTMLElement;
  /** The choice to save: "" automatic, "initial", "si:<slug>", "pack:<uuid>/<file>". */
  value: () => string;
}

export function iconPicker(a: Account): Picker {
  let chosen = a.icon;
  const search = h("input", {
    id: "icon-search",
    type: "search",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: t("logos.search_ph"),
    "aria-label": t("logos.search_label"),
    "aria-controls": "icon-results",
  });
  search.value = a.issuer;
  const results = h("div", { id: "icon-results", class: "icon-grid", role: "radiogroup", "aria-label": t("logos.choices") });
  const status = h("p", { class: "hint", role: "status", id: "icon-status" });

  const option = (choice: string, title: string, logoFor: string): HTMLElement => {
    const input = h("input", { type: "radio", name: "icon-choice", value: choice, class: "visually-hidden" });
    input.checked = choice === chosen;
    input.addEventListener("change", () => (chosen = choice));
    const tile = h("span", { class: "logo-slot", "aria-hidden": "true" });
    drawLogo(tile, logoFor, a);
    return h("label", { class: "icon-choice", "data-choice": choice, title }, input, tile, h("span", { class: "icon-name", text: title }));
  };

  // Rust answers the searches (twofold_icons); a later search supersedes one still out.
  let seq = 0;
  const auto = automatic(a).catch(() => "initial");
  const show = async () => {
    const mine = ++seq;
    const [found, autoChoice, chosenTitle] = await Promise.all([
      searchIcons(search.value, SHOWN).catch(() => []),
      auto,
      chosen && chosen !== "initial" ? titleOf(chosen).catch(() => chosen) : Promise.resolve(""),
    ]);
    if (mine !== seq) return;
    const items = [
      option("", t("logos.automatic"), autoChoice),
      option("initial", t("logos.initial"), "initial"),
    ];
    // The current pick stays in view whatever the search.
    if (chosen && chosen !== "initial" && !found.some((f) => f.choice === chosen)) {
      items.push(option(chosen, chosenTitle, chosen));
    }
    for (const f of found) items.push(option(f.choice, f.title, f.choice));
    results.replaceChildren(...items);
    status.textContent = found.length ? "" : t("logos.no_results");
  };
  search.addEventListener("input", () => void show());
  // Enter in the search must not submit the Edit form.
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") e.preventDefault();
  });
  void show();

  const el = h(
    "fieldset",
    { class: "icon-picker", id: "icon-picker" },
    h("legend", { text: t("logos.icon") }),
    search,
    results,
    status,
  );
  return { el, value: () => chosen };
}

/** ☰ → Import icon pack…: an Aegis icon pack's ZIP (github.com/aegis-icons/aegis-icons). */
export function openIconPackImport(): void {
  const file = h("input", { id: "icon-pack-file", type: "file", accept: ".zip,application/zip" });
  const body = h(
    "div",
    { class: "form" },
    h("p", { class: "hint", text: t("logos.import_hint") }),
    h("label", { class: "field", for: "icon-pack-file" }, h("span", { text: t("logos.pack_file") }), file),
  );
  const run = async () => {
    const f = file.files?.[0];
    if (!f) return toast(t("logos.choose_file"));
    try {
      const name = await importPack([...new Uint8Array(await f.arrayBuffer())]);
      await reloadPacks();
      closeModal();
      toast(t("logos.imported", { name }));
    } catch (err) {
      toast(errorText(err));
    }
  };
  const go = button(t("logos.import"), "btn primary", run);
  go.id = "icon-pack-import";
  modal(t("logos.import_title"), body, [button(t("dialog.cancel"), "btn", closeModal), go]);
  file.focus();
}
