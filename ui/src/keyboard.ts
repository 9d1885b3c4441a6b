// Keyboard-first: typing anywhere in the list searches, Enter in the search copies the top match
// and ↓ moves into the results; Ctrl+F, Ctrl+N, Ctrl+L; the shortcuts sheet (Ctrl+?); zoom
// (Ctrl+= / Ctrl+− / Ctrl+0), remembered in the settings.
import { api } from "./api";
import { openAddDialog } from "./add";
import { button, closeModal, modal } from "./dialogs";
import { byId, h } from "./dom";
import { clearFilter, refresh, rendered, setQuery } from "./list";
import { lockNow } from "./lock";
import { closeMenu, menuOpen } from "./menu";
import { copy } from "./rows";
import { list, shownAccounts, state } from "./state";
import { t } from "./i18n";

/** The shortcuts sheet: each row's keys and action, as catalog keys. */
export const SHORTCUTS: [string, string][] = [
  ["keys.type", "keys.type_action"],
  ["keys.enter_search", "keys.enter_search_action"],
  ["keys.arrows", "keys.arrows_action"],
  ["keys.enter_row", "keys.enter_row_action"],
  ["keys.alt_arrows", "keys.alt_arrows_action"],
  ["keys.menu", "keys.menu_action"],
  ["keys.delete", "keys.delete_action"],
  ["keys.ctrl_f", "keys.ctrl_f_action"],
  ["keys.esc", "keys.esc_action"],
  ["keys.ctrl_n", "keys.ctrl_n_action"],
  ["keys.ctrl_v", "keys.ctrl_v_action"],
  ["keys.ctrl_l", "keys.ctrl_l_action"],
  ["keys.zoom", "keys.zoom_action"],
  ["keys.help", "keys.help_action"],
];

export function openShortcuts(): void {
  const table = h(
    "table",
    { class: "shortcuts", id: "shortcuts" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("keys.keys") }), h("th", { scope: "col", text: t("keys.action") }))),
    h(
      "tbody",
      {},
      ...SHORTCUTS.map(([keys, what]) => h("tr", {}, h("td", {}, h("kbd", { text: t(keys) })), h("td", { text: t(what) }))),
    ),
  );
  modal(t("keys.title"), table, [button(t("dialog.done"), "btn primary", closeModal)]);
}

const ZOOM_MIN = 50;
const ZOOM_MAX = 200;

export function applyZoom(percent: number): void {
  document.documentElement.style.zoom = percent === 100 ? "" : String(percent / 100);
  document.body.dataset.zoom = String(percent);
}

async function zoom(step: number | null): Promise<void> {
  if (!state.settings) return;
  const now = state.settings.zoom_percent ?? 100;
  const next = step === null ? 100 : Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, now + step));
  applyZoom(next);
  state.settings = await api.saveSettings({ ...state.settings, zoom_percent: next });
}

const dialogOpen = () => byId<HTMLDialogElement>("modal").open;

/** A key that types a character, with no Ctrl, Alt or Super. */
const typing = (e: KeyboardEvent) => e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== " ";

export function wireKeyboard(): void {
  const search = byId<HTMLInputElement>("search");
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      // The list may still be asking the vault for what was just typed.
      void rendered().then(() => {
        const top = shownAccounts()[0];
        if (top) void copy(top.id);
      });
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      (list().firstElementChild as HTMLElement | null)?.focus();
    }
  });
  byId("no-match-clear").addEventListener("click", () => {
    clearFilter();
    search.focus();
  });

  document.addEventListener("keydown", (e) => {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && (e.key === "?" || (e.shiftKey && e.key === "/"))) {
      e.preventDefault();
      openShortcuts();
    } else if (mod && (e.key === "=" || e.key === "+")) {
      e.preventDefault();
      void zoom(10);
    } else if (mod && (e.key === "-" || e.key === "_")) {
      e.preventDefault();
      void zoom(-10);
    } else if (mod && e.key === "0") {
      e.preventDefault();
      void zoom(null);
    } else if (mod && key === "f") {
      e.preventDefault();
      search.focus();
      search.select();
    } else if (mod && key === "l") {
      e.preventDefault();
      void lockNow();
    } else if (mod && key === "n") {
      e.preventDefault();
      if (!byId<HTMLButtonElement>("add").disabled) openAddDialog(refresh);
    } else if (e.key === "Escape" && menuOpen()) {
      closeMenu();
    } else if (e.key === "Escape" && document.activeElement === search) {
      setQuery("");
    } else if (typing(e) && startsSearch(e.target as HTMLElement)) {
      // Typing in the list starts a search with what was typed.
      e.preventDefault();
      search.focus();
      search.value += e.key;
      search.dispatchEvent(new Event("input"));
    }
  });
}

/** Typing starts a search from the list, not from a field, a dialog, a menu or the lock. */
function startsSearch(target: HTMLElement): boolean {
  if (state.locked || dialogOpen() || menuOpen() || byId("tools").hidden || byId("main").closest("[hidden]")) return false;
  return !target.closest("input, textarea, select, [contenteditable], #server-panel");
}
