import { api, errorText, type Settings } from "./api";
import { byId } from "./dom";
import { listenToRust } from "./events";
import { confirmLinks, openAddDialog, pasteLink, scanBytes, scanScreen } from "./add";
import { toast } from "./toast";
import { wireServerPanel } from "./server";
import { openSettingsDialog } from "./settings";
import { openExportDialog, openImportDialog } from "./transfer";
import { busy } from "./busy";
import { applyZoom, openShortcuts, wireKeyboard } from "./keyboard";
import { refresh, render, retryVault, setQuery, showBanner, tick } from "./list";
import { idleCheck, lockNow, showLock, wireLockForm } from "./lock";
import { closeMenu, showMenu, wireMenuDismiss } from "./menu";
import { ROW_TYPE } from "./order";
import { watchView, wireRowFocus } from "./rows";
import { state } from "./state";
import { closeNote, wireWindow } from "./window";
import { openIconPackImport } from "./icon-picker";
import { onLanguageChange, setLanguage, setSystemLocale, t } from "./i18n";

/** The header's ☰ menu: import, export, settings, the shortcuts. */
function wireAppMenu(): void {
  const btn = byId("menu-btn");
  const menu = byId("app-menu");
  btn.addEventListener("click", (e) => {
    e.stopPropagation();
    if (!menu.hidden) return closeMenu();
    showMenu(menu, btn);
  });
  const on = (id: string, fn: () => void) =>
    byId(id).addEventListener("click", () => {
      closeMenu();
      fn();
    });
  on("menu-import", () => openImportDialog(refresh));
  on("menu-export", () => openExportDialog());
  on("menu-icon-pack", openIconPackImport);
  on("menu-shortcuts", openShortcuts);
  on("menu-settings", () => {
    if (!state.settings) return toast(t("toast.settings_unreadable"));
    openSettingsDialog(state.settings, state.hasPassphrase, (s, hasPassphrase) => {
      state.settings = s;
      state.hasPassphrase = hasPassphrase;
      byId("lock-btn").hidden = !hasPassphrase;
    });
  });
}

/** The first run: the ways in, each one button away. */
function wireEmptyState(): void {
  byId("first-import").addEventListener("click", () => openImportDialog(refresh));
  const scan = byId<HTMLButtonElement>("first-scan");
  scan.addEventListener("click", () => void busy(scan, () => scanScreen(refresh)));
  const file = byId<HTMLInputElement>("first-file");
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    file.value = "";
    if (f) await scanBytes(f, refresh);
  });
  byId("first-manual").addEventListener("click", () => openAddDialog(refresh, "manual"));
}

function wire(): void {
  const search = byId<HTMLInputElement>("search");
  search.addEventListener("input", () => setQuery(search.value));
  byId("search-clear").addEventListener("click", () => {
    setQuery("");
    search.focus();
  });
  byId("add").addEventListener("click", () => openAddDialog(refresh));
  byId("lock-btn").addEventListener("click", () => void lockNow());
  wireAppMenu();
  wireMenuDismiss();
  wireRowFocus();
  watchView();
  wireEmptyState();
  wireKeyboard();
  wireLockForm();
  byId("sort").addEventListener("change", async (e) => {
    if (!state.settings) return;
    state.settings.sort = (e.target as HTMLSelectElement).value as Settings["sort"];
    state.settings = await api.saveSettings(state.settings);
    render();
    void tick();
  });
  byId("banner-unlock").addEventListener("click", () => showLock(null));
  byId("banner-retry").addEventListener("click", () => void retryVault());

  // Paste: an image is scanned for QR codes, an otpauth link is added.
  document.addEventListener("paste", async (e) => {
    if (state.locked) return;
    const target = e.target as HTMLElement;
    if (target.closest("input, textarea")) return;
    const data = e.clipboardData;
    if (!data) return;
    const file = [...data.files].find((f) => f.type.startsWith("image/"));
    if (file) {
      e.preventDefault();
      await scanBytes(file, refresh);
      return;
    }
    const text = data.getData("text/plain").trim();
    if (/^otpauth(-migration)?:\/\//i.test(text)) {
      e.preventDefault();
      await pasteLink(text, refresh);
    }
  });

  // Drop an image anywhere on the window.
  window.addEventListener("dragover", (e) => {
    if (e.dataTransfer?.types.includes(ROW_TYPE)) return;
    e.preventDefault();
    document.body.classList.add("dragging");
  });
  window.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  window.addEventListener("drop", async (e) => {
    if (e.dataTransfer?.types.includes(ROW_TYPE)) return;
    e.preventDefault();
    document.body.classList.remove("dragging");
    const file = [...(e.dataTransfer?.files ?? [])][0];
    if (file && !state.locked) await scanBytes(file, refresh);
  });

  // A hidden window does not tick (list.ts): shown again, it shows current codes at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void tick();
  });

  for (const ev of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    window.addEventListener(ev, () => (state.lastInput = Date.now()), { passive: true });
  }
}

/** One timer for every row: ticks on the second boundary so every account with the same period
 *  changes together (list.ts's tick counts down locally; Rust is asked once a period). */
function scheduleTicks(): void {
  const delay = 1000 - (Date.now() % 1000) + 5;
  setTimeout(() => {
    void tick();
    idleCheck();
    scheduleTicks();
  }, delay);
}

async function start(): Promise<void> {
  // Independent calls go out together: each round trip to Rust is time before the first code.
  // The vault's status goes first and is awaited last: Rust answers it (once the vault has
  // opened) while the page sets itself up, and the list is asked for right after.
  const status = api.vaultStatus();
  status.catch(() => undefined); // its failure is start's, when awaited below
  const [info, settings] = await Promise.all([api.appInfo(), api.settings().catch(() => null)]);
  // The language first: everything drawn below is drawn in it.
  setSystemLocale(info.locale);
  setLanguage(settings?.language);
  onLanguageChange(() => {
    if (!state.locked) render();
  });
  byId("app-name").textContent = info.name;
  byId("app-version").textContent = t("header.version_text", { version: info.version });
  document.title = info.name;
  wire();
  wireServerPanel(refresh);
  state.settings = settings;
  if (state.settings) {
    byId<HTMLSelectElement>("sort").value = state.settings.sort;
    applyZoom(state.settings.zoom_percent);
  }
  await refresh(await status);
  scheduleTicks();
  // otpauth:// links the app was opened with, now or later (a second start hands them over).
  const showLinks = async () => {
    if (!state.locked) confirmLinks(await api.pendingLinks(), refresh);
  };
  wireWindow();
  await listenToRust({
    "otpauth-links": () => void showLinks(),
    // The automatic backup runs in the background: a failure must not go unnoticed.
    "backup-failed": (e) => toast(e.payload, { seconds: 10 }),
    "close-to-tray-note": closeNote,
  });
  await showLinks();
  document.body.dataset.ready = "true";
}

start().catch((err: unknown) => {
  // The page shows once it has a language (style.css): English, if start failed before one.
  if (!document.documentElement.dataset.lang) setLanguage(null);
  document.body.dataset.error = errorText(err);
  showBanner({ message: errorText(err), detail: null });
  document.body.dataset.ready = "true";
});
