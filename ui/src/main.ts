import { api, errorText, type Account, type CodeView, type Settings, type VaultStatus } from "./api";
import { byId, groupCode, h, ring, setRing } from "./dom";
import { listen } from "@tauri-apps/api/event";
import { confirmLinks, openAddDialog, pasteLink, scanBytes } from "./add";
import { toast } from "./toast";
import { closeModal, openEditDialog, showQr, showSecret } from "./dialogs";
import { wireServerPanel } from "./server";
import { openSettingsDialog } from "./settings";
import { openExportDialog, openImportDialog } from "./transfer";

interface Row {
  li: HTMLLIElement;
  ring: SVGSVGElement;
  code: HTMLElement;
  next: HTMLElement;
  account: Account;
}

const state = {
  accounts: [] as Account[],
  rows: new Map<string, Row>(),
  query: "",
  tag: null as string | null,
  settings: null as Settings | null,
  hasPassphrase: false,
  /** The vault could not be opened (the banner says why): not the same as an empty one. */
  vaultError: false,
  locked: false,
  lastInput: Date.now(),
  hotpCodes: new Map<string, string>(),
  /** The last codes received, so a re-render (search, filter) paints at once. */
  lastViews: new Map<string, CodeView>(),
};

const list = () => byId<HTMLUListElement>("list");

/** Re-reads the vault's state and accounts; `known`: a status a command just returned. */
export async function refresh(known?: VaultStatus): Promise<void> {
  const status = known ?? (await api.vaultStatus());
  state.hasPassphrase = status.has_passphrase;
  state.vaultError = status.state === "error";
  showBanner(state.vaultError ? status : null);
  if (status.state === "locked") {
    showLock(status.message);
    return;
  }
  hideLock();
  if (status.state !== "ready") {
    state.accounts = [];
    render();
    return;
  }
  // The accounts and their codes in one round trip's time, so the first rows show codes at once.
  const [accounts, views] = await Promise.all([api.listAccounts(), api.codes()]);
  state.accounts = accounts;
  received(views);
  render();
}

/** Keeps the codes just received (a row built later paints from them) and marks the tick. */
function received(views: CodeView[]): void {
  state.lastViews = new Map(views.map((v) => [v.id, v]));
  document.body.dataset.ticked = String(Date.now());
}

/** The banner of a vault that did not open: what is wrong and what to do, the technical cause
 *  under "Details", "Try again", and the passphrase when the vault has one. */
function showBanner(status: Pick<VaultStatus, "message" | "detail"> | null): void {
  byId("banner").hidden = !status;
  byId("banner-text").textContent = status?.message ?? "The vault could not be opened.";
  byId("banner-detail").textContent = status?.detail ?? "";
  byId("banner-details").hidden = !status?.detail;
  byId("banner-unlock").hidden = !(status && state.hasPassphrase);
}

async function retryVault(): Promise<void> {
  const button = byId<HTMLButtonElement>("banner-retry");
  button.disabled = true;
  button.textContent = "Trying…";
  try {
    await refresh(await api.reopen());
    if (!state.vaultError) toast("Vault opened.");
  } catch (err) {
    toast(errorText(err));
  } finally {
    button.disabled = false;
    button.textContent = "Try again";
  }
}

function matches(a: Account): boolean {
  if (state.tag && !a.tags.includes(state.tag)) return false;
  const q = state.query.trim().toLowerCase();
  if (!q) return true;
  return [a.issuer, a.label, ...a.tags, a.note].some((s) => s.toLowerCase().includes(q));
}

function sorted(accounts: Account[]): Account[] {
  const sort = state.settings?.sort ?? "manual";
  const byName = (a: Account, b: Account) =>
    (a.issuer || a.label).localeCompare(b.issuer || b.label, undefined, { sensitivity: "base" }) ||
    a.label.localeCompare(b.label);
  const out = [...accounts];
  if (sort === "name") out.sort(byName);
  if (sort === "recent") out.sort((a, b) => (b.last_used ?? 0) - (a.last_used ?? 0));
  // Pinned accounts come first, keeping the chosen order among them.
  return out.sort((a, b) => Number(b.pinned) - Number(a.pinned));
}

function renderTags(): void {
  const bar = byId("tags");
  const tags = [...new Set(state.accounts.flatMap((a) => a.tags))].sort();
  if (state.tag && !tags.includes(state.tag)) state.tag = null;
  bar.replaceChildren();
  bar.hidden = tags.length === 0;
  const chip = (label: string, tag: string | null) => {
    const b = h("button", {
      class: "chip",
      type: "button",
      "aria-pressed": String(state.tag === tag),
      text: label,
    });
    b.addEventListener("click", () => {
      state.tag = tag;
      render();
    });
    return b;
  };
  bar.append(chip("All", null), ...tags.map((t) => chip(t, t)));
}

function render(): void {
  renderTags();
  const ul = list();
  state.rows.clear();
  ul.replaceChildren();
  const shown = sorted(state.accounts).filter(matches);
  byId("empty").hidden = state.accounts.length > 0 || state.vaultError;
  // Nothing to search or sort in a vault that did not open.
  byId("tools").hidden = state.vaultError;
  byId("no-match").hidden = state.accounts.length === 0 || shown.length > 0;
  lazyRows.disconnect();
  const frag = document.createDocumentFragment();
  for (const [i, a] of shown.entries()) {
    if (i < EAGER_ROWS) {
      const row = buildRow(a);
      state.rows.set(a.id, row);
      frag.append(row.li);
    } else {
      frag.append(placeholder(a));
    }
  }
  ul.append(frag);
  for (const v of state.lastViews.values()) paint(v);
}

/**
 * With hundreds of accounts, building every row at once costs the start and the memory of rows
 * nobody looks at. The first EAGER_ROWS are built at once; each further account starts as a bare
 * <li> of a row's height, turned into its row when it comes within a screen of the view, or gets
 * the focus. Lists up to EAGER_ROWS (nearly everyone's) never see a placeholder.
 */
const EAGER_ROWS = 40;

const lazyRows = new IntersectionObserver(
  (entries) => {
    for (const e of entries) if (e.isIntersecting) materialize(e.target as HTMLLIElement);
  },
  { rootMargin: "100% 0px" },
);

/** One bare <li>, cloned for each placeholder: cheaper than building hundreds at start. */
const placeholderTemplate = h("li", { class: "row placeholder", tabindex: 0 });

function placeholder(a: Account): HTMLLIElement {
  const li = placeholderTemplate.cloneNode() as HTMLLIElement;
  li.dataset.id = a.id;
  li.setAttribute("aria-label", rowLabel(a));
  lazyRows.observe(li);
  return li;
}

/** A placeholder that gets the focus (arrow keys, Tab) is built and the focus moves to its row. */
function wirePlaceholderFocus(): void {
  list().addEventListener("focusin", (e) => {
    const li = e.target as HTMLElement;
    if (li.classList.contains("placeholder")) materialize(li as HTMLLIElement)?.li.focus();
  });
}

function materialize(li: HTMLLIElement): Row | undefined {
  lazyRows.unobserve(li);
  const id = li.dataset.id ?? "";
  const a = state.accounts.find((x) => x.id === id);
  if (!a || !li.isConnected) return undefined;
  const row = buildRow(a);
  state.rows.set(a.id, row);
  li.replaceWith(row.li);
  const v = state.lastViews.get(a.id);
  if (v) paint(v);
  return row;
}

/** What a screen reader says for an account's row (built or not yet). */
function rowLabel(a: Account): string {
  return `${a.issuer} ${a.label}`.trim();
}

function buildRow(a: Account): Row {
  const r = ring();
  const code = h("span", { class: "code", "aria-live": "off" });
  const next = h("span", { class: "next", title: "Next code" });
  const name = h(
    "div",
    { class: "names" },
    h("span", { class: "issuer", text: a.issuer || a.label }),
    a.issuer ? h("span", { class: "label", text: a.label }) : null,
    a.tags.length
      ? h("span", { class: "row-tags" }, ...a.tags.map((t) => h("span", { class: "tag", text: t })))
      : null,
  );
  const menuBtn = h("button", {
    class: "icon-btn row-menu",
    type: "button",
    "aria-label": `Actions for ${a.issuer || a.label}`,
    "aria-haspopup": "menu",
    text: "⋯",
  });
  const side: Node =
    a.kind === "hotp"
      ? h("button", { class: "hotp-next", type: "button", text: "Next code" })
      : r;
  const li = h(
    "li",
    {
      class: `row${a.pinned ? " pinned" : ""}`,
      tabindex: 0,
      "data-id": a.id,
      "aria-label": rowLabel(a),
    },
    side,
    name,
    h("div", { class: "codes" }, code, next),
    menuBtn,
  );
  if (a.pinned) li.prepend(h("span", { class: "pin", "aria-label": "Pinned", text: "★" }));
  if (manualOrder()) wireRowDrag(li, a);
  li.addEventListener("click", (e) => {
    const t = e.target as HTMLElement;
    if (t.closest(".row-menu")) return openRowMenu(a, menuBtn);
    if (t.closest(".hotp-next")) return void nextHotp(a.id);
    void copy(a.id);
  });
  li.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      void copy(a.id);
    } else if (e.key === "Delete") {
      e.preventDefault();
      void remove(a);
    } else if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      void moveBy(a, e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const sib = (e.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling) as
        | HTMLElement
        | null;
      sib?.focus();
    } else if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
      e.preventDefault();
      openRowMenu(a, menuBtn);
    }
  });
  return { li, ring: r, code, next, account: a };
}

/** Manual order is the vault's own order; moving is offered only while the list shows it. */
function manualOrder(): boolean {
  return (state.settings?.sort ?? "manual") === "manual";
}

const ROW_TYPE = "application/x-twofold-account";

/** Drag a row onto another to put it there (manual order only). */
function wireRowDrag(li: HTMLElement, a: Account): void {
  li.draggable = true;
  li.addEventListener("dragstart", (e) => {
    e.dataTransfer?.setData(ROW_TYPE, a.id);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    li.classList.add("drag-source");
  });
  li.addEventListener("dragend", () => li.classList.remove("drag-source"));
  li.addEventListener("dragover", (e) => {
    if (!e.dataTransfer?.types.includes(ROW_TYPE)) return;
    e.preventDefault();
    e.stopPropagation();
    li.classList.add("drop-target");
  });
  li.addEventListener("dragleave", () => li.classList.remove("drop-target"));
  li.addEventListener("drop", (e) => {
    const id = e.dataTransfer?.getData(ROW_TYPE);
    if (!id) return;
    e.preventDefault();
    e.stopPropagation();
    li.classList.remove("drop-target");
    if (id !== a.id) void moveTo(id, state.accounts.findIndex((x) => x.id === a.id));
  });
}

/** Moves an account one place up or down among the rows shown, keeping its focus. */
async function moveBy(a: Account, delta: number): Promise<void> {
  if (!manualOrder()) {
    toast("Choose \"Manual order\" to arrange accounts by hand.");
    return;
  }
  const shown = sorted(state.accounts).filter(matches);
  const neighbour = shown[shown.findIndex((x) => x.id === a.id) + delta];
  if (!neighbour || neighbour.pinned !== a.pinned) return;
  await moveTo(a.id, state.accounts.findIndex((x) => x.id === neighbour.id));
}

async function moveTo(id: string, toIndex: number): Promise<void> {
  if (toIndex < 0) return;
  try {
    await api.moveAccount(id, toIndex);
    await refresh();
    state.rows.get(id)?.li.focus();
  } catch (err) {
    toast(errorText(err));
  }
}

function paint(v: CodeView): void {
  const row = state.rows.get(v.id);
  if (!row) return;
  if (row.account.kind === "hotp") {
    const shown = state.hotpCodes.get(v.id);
    row.code.textContent = shown ? groupCode(shown) : "••• •••";
    return;
  }
  // Touch the DOM only where something changed: most ticks change just the ring.
  const code = groupCode(v.code);
  if (row.code.textContent !== code) row.code.textContent = code;
  setRing(row.ring, v.seconds_left, v.period);
  const warn = v.seconds_left <= 5;
  row.li.classList.toggle("expiring", warn);
  const next = warn ? groupCode(v.next_code) : "";
  if (row.next.textContent !== next) row.next.textContent = next;
}

async function tick(): Promise<void> {
  if (state.locked || state.rows.size === 0) return;
  try {
    const views = await api.codes();
    received(views);
    for (const v of views) paint(v);
  } catch (err) {
    showBanner({ message: errorText(err), detail: null });
  }
}

async function nextHotp(id: string): Promise<void> {
  try {
    const v = await api.nextHotp(id);
    state.hotpCodes.set(id, v.code);
    paint(v);
  } catch (err) {
    toast(errorText(err));
  }
}

async function copy(id: string): Promise<void> {
  try {
    const seconds = await api.copyCode(id);
    toast(seconds > 0 ? `Code copied. The clipboard clears in ${seconds} s.` : "Code copied.");
  } catch (err) {
    toast(errorText(err));
  }
}

async function remove(a: Account): Promise<void> {
  try {
    await api.removeAccount(a.id);
    await refresh();
    toast(`Deleted ${a.issuer || a.label}.`, {
      action: "Undo",
      onAction: async () => {
        await api.undoRemove();
        await refresh();
      },
      seconds: 10,
    });
  } catch (err) {
    toast(errorText(err));
  }
}

function openRowMenu(a: Account, anchor: HTMLElement): void {
  const menu = byId("row-menu");
  menu.replaceChildren();
  const item = (label: string, fn: () => void | Promise<void>) => {
    const b = h("button", { type: "button", role: "menuitem", text: label });
    b.addEventListener("click", () => {
      closeMenu();
      void fn();
    });
    return b;
  };
  menu.append(
    item("Copy code", () => copy(a.id)),
    item(a.pinned ? "Unpin" : "Pin to top", async () => {
      await api.updateAccount(a.id, { pinned: !a.pinned });
      await refresh();
    }),
    ...(manualOrder()
      ? [item("Move up", () => moveBy(a, -1)), item("Move down", () => moveBy(a, 1))]
      : []),
    item("Edit…", () => openEditDialog(a, refresh)),
    item("Show QR code…", () => showQr(a)),
    item("Reveal secret…", () => showSecret(a)),
    item("Delete", () => remove(a)),
  );
  showMenu(menu, anchor);
}

/** Opens a menu under its button: focus on the first item, arrows move, Escape goes back. */
function showMenu(menu: HTMLElement, anchor: HTMLElement): void {
  const r = anchor.getBoundingClientRect();
  menu.style.top = `${Math.min(r.bottom + 4, window.innerHeight - 240)}px`;
  menu.style.right = `${Math.max(8, window.innerWidth - r.right)}px`;
  menu.hidden = false;
  (menu.firstElementChild as HTMLElement | null)?.focus();
  menu.onkeydown = (e) => {
    const items = [...menu.querySelectorAll("button")];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      closeMenu();
      anchor.focus();
    } else if (e.key === "ArrowDown") items[(i + 1) % items.length].focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length].focus();
  };
}

function closeMenu(): void {
  byId("row-menu").hidden = true;
  byId("app-menu").hidden = true;
}

/** The header's ☰ menu: import, export, settings. */
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
  on("menu-settings", () => {
    if (!state.settings) return toast("The settings could not be read.");
    openSettingsDialog(state.settings, state.hasPassphrase, (s, hasPassphrase) => {
      state.settings = s;
      state.hasPassphrase = hasPassphrase;
    });
  });
}

function showLock(message: string | null): void {
  state.locked = true;
  // Locked: no name and no code stays in the DOM (or in the page's memory).
  state.accounts = [];
  state.lastViews.clear();
  state.hotpCodes.clear();
  state.rows.clear();
  lazyRows.disconnect();
  list().replaceChildren();
  byId("tags").replaceChildren();
  // An open dialog (a revealed secret, a code waiting to be added) would stay above the lock.
  closeModal();
  byId("modal-title").textContent = "";
  byId("modal-body").replaceChildren();
  byId("app").hidden = true;
  const lock = byId("lock");
  lock.hidden = false;
  byId("lock-message").textContent = message ?? "Enter your passphrase to unlock Twofold.";
  byId<HTMLInputElement>("lock-passphrase").focus();
}

function hideLock(): void {
  state.locked = false;
  byId("lock").hidden = true;
  byId("app").hidden = false;
}

async function lockNow(): Promise<void> {
  if (!state.hasPassphrase) {
    toast("Set a passphrase first (☰ → Settings) to lock Twofold.");
    return;
  }
  const status = await api.lock();
  showLock(status.message);
}

function wire(): void {
  const search = byId<HTMLInputElement>("search");
  search.addEventListener("input", () => {
    state.query = search.value;
    render();
    void tick();
  });
  byId("add").addEventListener("click", () => openAddDialog(refresh));
  byId("lock-btn").addEventListener("click", () => void lockNow());
  wireAppMenu();
  wirePlaceholderFocus();
  byId("sort").addEventListener("change", async (e) => {
    if (!state.settings) return;
    state.settings.sort = (e.target as HTMLSelectElement).value as Settings["sort"];
    state.settings = await api.saveSettings(state.settings);
    render();
    void tick();
  });
  byId("banner-unlock").addEventListener("click", () => showLock(null));
  byId("banner-retry").addEventListener("click", () => void retryVault());
  byId<HTMLFormElement>("lock-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("lock-passphrase");
    try {
      const status = await api.unlock(input.value);
      input.value = "";
      if (status.state === "ready") {
        await refresh(status);
        confirmLinks(await api.pendingLinks(), refresh);
      } else byId("lock-message").textContent = status.message ?? "Still locked.";
    } catch (err) {
      byId("lock-message").textContent = errorText(err);
      input.select();
    }
  });

  document.addEventListener("keydown", (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "f") {
      e.preventDefault();
      search.focus();
      search.select();
    } else if (mod && e.key.toLowerCase() === "l") {
      e.preventDefault();
      void lockNow();
    } else if (mod && e.key.toLowerCase() === "n") {
      e.preventDefault();
      openAddDialog(refresh);
    } else if (e.key === "Escape" && !byId("row-menu").hidden) {
      closeMenu();
    } else if (e.key === "Escape" && document.activeElement === search) {
      search.value = "";
      state.query = "";
      render();
      void tick();
    }
  });
  document.addEventListener("click", (e) => {
    const t = e.target as HTMLElement;
    const open = ["row-menu", "app-menu"].map(byId).filter((m) => !m.hidden);
    if (open.length && !open.some((m) => m.contains(t)) && !t.closest(".row-menu, #menu-btn")) {
      closeMenu();
    }
  });

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

  for (const ev of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    window.addEventListener(ev, () => (state.lastInput = Date.now()), { passive: true });
  }
}

function idleCheck(): void {
  const idle = state.settings?.idle_lock_seconds ?? 0;
  if (!state.locked && state.hasPassphrase && idle > 0 && Date.now() - state.lastInput > idle * 1000) {
    void lockNow();
  }
}

/** Ticks on the second boundary so every account with the same period changes together. */
function scheduleTicks(): void {
  const delay = 1000 - (Date.now() % 1000) + 5;
  setTimeout(async () => {
    await tick();
    idleCheck();
    scheduleTicks();
  }, delay);
}

async function start(): Promise<void> {
  // Independent calls go out together: each round trip to Rust is time before the first code.
  const [info, settings] = await Promise.all([api.appInfo(), api.settings().catch(() => null)]);
  byId("app-name").textContent = info.name;
  byId("app-version").textContent = `v${info.version}`;
  document.title = info.name;
  wire();
  wireServerPanel(refresh);
  state.settings = settings;
  if (state.settings) byId<HTMLSelectElement>("sort").value = state.settings.sort;
  await refresh();
  scheduleTicks();
  // otpauth:// links the app was opened with, now or later (a second start hands them over).
  const showLinks = async () => {
    if (!state.locked) confirmLinks(await api.pendingLinks(), refresh);
  };
  await listen("otpauth-links", () => void showLinks());
  // The automatic backup runs in the background: a failure must not go unnoticed.
  await listen<string>("backup-failed", (e) => toast(e.payload, { seconds: 10 }));
  await showLinks();
  document.body.dataset.ready = "true";
}

start().catch((err: unknown) => {
  document.body.dataset.error = errorText(err);
  showBanner({ message: errorText(err), detail: null });
  document.body.dataset.ready = "true";
});
