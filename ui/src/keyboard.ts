// Keyboard-first: typing anywhere in the list searches, Enter in the search copies the top match
// and ↓ moves into the results; Ctrl+F, Ctrl+N, Ctrl+L; the shortcuts sheet (Ctrl+?); zoom
// (Ctrl+= / Ctrl+− / Ctrl+0), remembered in the settings.
import { api } from "./api";
import { openAddDialog } from "./add";
import { button, closeModal, modal } from "./dialogs";
import { byId, h } from "./dom";
import { clearFilter, refresh, render, tick } from "./list";
import { lockNow } from "./lock";
import { closeMenu, menuOpen } from "./menu";
import { copy } from "./rows";
import { list, shownAccounts, state } from "./state";

export const SHORTCUTS: [string, string][] = [
  ["Type anywhere", "Search the accounts"],
  ["Enter in the search", "Copy the top match's code"],
  ["↓ / ↑", "Move through the results"],
  ["Enter on an account", "Copy its code"],
  ["Alt+↑ / Alt+↓", "Move an account (manual order)"],
  ["Menu key, Shift+F10", "An account's actions"],
  ["Delete", "Delete an account (with Undo)"],
  ["Ctrl+F", "Search"],
  ["Esc", "Clear the search, close a dialog or a menu"],
  ["Ctrl+N", "Add an account"],
  ["Ctrl+V", "Add from a copied QR image or otpauth:// link"],
  ["Ctrl+L", "Lock (with a passphrase)"],
  ["Ctrl+= / Ctrl+− / Ctrl+0", "Zoom in, out, back to 100 %"],
  ["Ctrl+?", "This list"],
];

export function openShortcuts(): void {
  const table = h(
    "table",
    { class: "shortcuts", id: "shortcuts" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Keys" }), h("th", { scope: "col", text: "Action" }))),
    h(
      "tbody",
      {},
      ...SHORTCUTS.map(([k, what]) => h("tr", {}, h("td", {}, h("kbd", { text: k })), h("td", { text: what }))),
    ),
  );
  modal("Keyboard shortcuts", table, [button("Done", "btn primary", closeModal)]);
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
      const top = shownAccounts()[0];
      if (top) void copy(top.id);
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
      search.value = "";
      state.query = "";
      render();
      void tick();
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
