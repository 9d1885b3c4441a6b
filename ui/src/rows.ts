// One account's row: its names, code, countdown and menu; built lazily in long lists.
import { api, errorText, type Account, type CodeView } from "./api";
import { byId, groupCode, h, ring, setRing } from "./dom";
import { openEditDialog, showQr, showSecret } from "./dialogs";
import { hooks } from "./hooks";
import { closeMenu, showMenu } from "./menu";
import { moveBy, wireRowDrag } from "./order";
import { addRow, list, manualOrder, state, type Row } from "./state";
import { toast } from "./toast";
import { logoSlot } from "./logos";
import { t } from "./i18n";

/** A built row's height in CSS px (`.row.placeholder` in style.css), margins aside. */
const ROW_HEIGHT = 64;
/** The window's first height (tauri.conf.json): the least counted on, should the page be asked
 *  before its window has a size. */
const MIN_VIEW = 720;

/**
 * With hundreds of accounts, building every row at once costs the start and the memory of rows
 * nobody looks at. The rows within two screens of the top are built at once (what the view
 * builds around itself, below); each further account starts as a bare <li> of a row's height,
 * turned into its row when it comes within a screen of the view, or gets the focus. A list that
 * fits in two screens never sees a placeholder.
 */
export const eagerRows = (): number => Math.ceil((2 * Math.max(window.innerHeight, MIN_VIEW)) / ROW_HEIGHT);

/**
 * The built rows on screen: the tick counts down their codes only (and the focused row's), so a
 * long list costs the same each second as a short one. A row coming on screen is painted at once
 * (and its codes asked for if the ones kept have run out); one leaving it keeps what it shows
 * until it comes back.
 */
let onScreen = new Set<HTMLLIElement>();

/**
 * Which rows are on screen, and which placeholders are near enough to build, is worked out when
 * the view moves (a scroll, a resize, a new list), from the rows' places: no IntersectionObserver.
 * An observer on every placeholder made WebKit measure all 1,000 of them at each frame, the
 * once-a-second frame of the countdown included (a quarter of the idle CPU with 1,000 accounts).
 */
let viewQueued = false;

export function viewChanged(): void {
  if (viewQueued) return;
  viewQueued = true;
  requestAnimationFrame(() => {
    viewQueued = false;
    updateView();
  });
}

export function watchView(): void {
  window.addEventListener("scroll", viewChanged, { passive: true });
  window.addEventListener("resize", viewChanged, { passive: true });
}

function updateView(): void {
  const items = list().children;
  const h = window.innerHeight;
  // The list's items are in vertical order: the first within a screen above the view, by halves.
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].getBoundingClientRect().bottom <= -h) lo = mid + 1;
    else hi = mid;
  }
  // Read every place first, then build: a placeholder has a built row's height, so building one
  // moves nothing below it.
  const near: HTMLLIElement[] = [];
  const seen: boolean[] = [];
  for (let i = lo; i < items.length; i++) {
    const li = items[i] as HTMLLIElement;
    const r = li.getBoundingClientRect();
    if (r.top >= 2 * h) break;
    if (!li.classList.contains("row")) continue;
    near.push(li);
    seen.push(r.bottom > 0 && r.top < h);
  }
  const now = new Set<HTMLLIElement>();
  const came: string[] = [];
  near.forEach((li, i) => {
    const row = li.classList.contains("placeholder") ? materialize(li)?.li : li;
    if (!row || !seen[i]) return;
    now.add(row);
    if (!onScreen.has(row)) came.push(row.dataset.id ?? "");
  });
  onScreen = now;
  if (came.length > 0) void hooks.tick(came);
}

/** The ids of the rows on screen and of the focused row (its label carries its code). */
export function screenIds(): string[] {
  const ids = new Set<string>();
  for (const li of onScreen) if (li.isConnected) ids.add(li.dataset.id ?? "");
  const focused = document.activeElement as HTMLElement | null;
  if (focused?.classList.contains("row") && focused.dataset.id) ids.add(focused.dataset.id);
  return [...ids];
}

/** The list is emptied (a new render, the lock): no row is on screen any more. */
export function forgetRows(): void {
  onScreen = new Set();
}

/** One bare <li>, cloned for each placeholder: cheaper than building hundreds at start. */
const placeholderTemplate = h("li", { class: "row placeholder", tabindex: 0 });

export function placeholder(a: Account): HTMLLIElement {
  const li = placeholderTemplate.cloneNode() as HTMLLIElement;
  li.dataset.id = a.id;
  li.setAttribute("aria-label", rowLabel(a));
  return li;
}

/** A placeholder that gets the focus (arrow keys, Tab) is built and the focus moves to its row;
 *  a row that gets the focus says its code and the seconds left. */
export function wireRowFocus(): void {
  list().addEventListener("focusin", (e) => {
    const li = e.target as HTMLElement;
    if (li.classList.contains("placeholder")) materialize(li as HTMLLIElement)?.li.focus();
    else if (li.classList.contains("row")) void hooks.tick([li.dataset.id ?? ""]);
  });
}

function materialize(li: HTMLLIElement): Row | undefined {
  const id = li.dataset.id ?? "";
  const a = state.accounts.find((x) => x.id === id);
  if (!a || !li.isConnected) return undefined;
  const row = buildRow(a);
  addRow(row);
  li.replaceWith(row.li);
  const v = state.lastViews.get(a.id);
  if (v) paint(v);
  return row;
}

/** What a screen reader says for an account's row (built or not yet). */
function rowLabel(a: Account): string {
  return `${a.issuer} ${a.label}`.trim();
}

export function buildRow(a: Account): Row {
  const r = ring();
  const code = h("span", { class: "code", "aria-live": "off" });
  const next = h("span", { class: "next", title: t("row.next_code") });
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
    "aria-label": t("row.actions", { name: a.issuer || a.label }),
    "aria-haspopup": "menu",
    text: "⋯",
  });
  const side: Node =
    a.kind === "hotp"
      ? h("button", { class: "hotp-next", type: "button", "aria-label": t("row.next_code"), title: t("row.next_code"), text: "↻" })
      : r.el;
  const li = h(
    "li",
    {
      class: `row${a.pinned ? " pinned" : ""}`,
      tabindex: 0,
      "data-id": a.id,
      "aria-label": rowLabel(a),
    },
    logoSlot(a),
    name,
    h("div", { class: "codes" }, h("div", { class: "code-col" }, code, next), side),
    menuBtn,
  );
  if (a.pinned) li.prepend(h("span", { class: "pin", "aria-label": t("row.pinned"), text: "★" }));
  if (manualOrder()) wireRowDrag(li, a);
  li.addEventListener("click", (e) => {
    const target = e.target as HTMLElement;
    if (target.closest(".row-menu")) return openRowMenu(a, menuBtn);
    if (target.closest(".hotp-next")) return void nextHotp(a.id);
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
      // The next row, past a group's heading (group by tag).
      const step = (el: Element | null) => (e.key === "ArrowDown" ? el?.nextElementSibling : el?.previousElementSibling) ?? null;
      let sib = step(li) as HTMLElement | null;
      while (sib && !sib.classList.contains("row")) sib = step(sib) as HTMLElement | null;
      // Up from the first row goes back to the search field.
      if (!sib && e.key === "ArrowUp") byId("search").focus();
      sib?.focus();
    } else if (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10")) {
      e.preventDefault();
      openRowMenu(a, menuBtn);
    }
  });
  return { li, ring: r, code, next, account: a };
}

/** The Unix second now, on the window's clock (the same clock Rust's codes are computed on). */
export const nowSecond = (): number => Math.floor(Date.now() / 1000);

/** Whether the codes kept for a row have run out: its period has rolled over since (HOTP codes
 *  never do). */
export const stale = (v: CodeView, now = nowSecond()): boolean => v.ends_at !== 0 && v.ends_at <= now;

/** Paints an account's rows from the codes kept for it, counting down on the window's clock. */
export function paint(v: CodeView, now = nowSecond()): void {
  for (const row of state.rows.get(v.id) ?? []) paintRow(row, v, now);
}

function paintRow(row: Row, v: CodeView, now: number): void {
  if (row.account.kind === "hotp") {
    const shown = state.hotpCodes.get(v.id);
    const text = shown ? groupCode(shown) : "••• •••";
    if (row.code.textContent !== text) row.code.textContent = text;
    return;
  }
  let left = v.ends_at - now;
  let current = v.code;
  let next = v.next_code;
  if (left <= 0) {
    // The period rolled over and fresh codes are on their way (list.ts's tick): the next code is
    // the current one now. Kept codes older than that show nothing until the fresh ones come.
    current = left > -v.period ? next : "";
    next = "";
    left = current ? left + v.period : 0;
  }
  // Touch the DOM only where something changed: most ticks change just the ring.
  const code = current ? groupCode(current) : "••• •••";
  if (row.code.textContent !== code) row.code.textContent = code;
  setRing(row.ring, left, v.period);
  const warn = left <= 5;
  if (warn !== row.li.classList.contains("expiring")) row.li.classList.toggle("expiring", warn);
  const nextText = warn ? groupCode(next) : "";
  if (row.next.textContent !== nextText) row.next.textContent = nextText;
  // The focused row's name carries its code and the time left, for a screen reader.
  if (document.activeElement === row.li) {
    row.li.setAttribute("aria-label", t("row.focused", { name: rowLabel(row.account), code, count: left }));
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

export async function copy(id: string): Promise<void> {
  try {
    const seconds = await api.copyCode(id);
    toast(seconds > 0 ? t("toast.copied_clears", { count: seconds }) : t("toast.copied"));
  } catch (err) {
    toast(errorText(err));
  }
}

async function remove(a: Account): Promise<void> {
  try {
    await api.removeAccount(a.id);
    await hooks.refresh();
    toast(t("toast.deleted", { name: a.issuer || a.label }), {
      action: t("toast.undo"),
      onAction: async () => {
        await api.undoRemove();
        await hooks.refresh();
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
    item(t("row.copy"), () => copy(a.id)),
    item(a.pinned ? t("row.unpin") : t("row.pin"), async () => {
      await api.updateAccount(a.id, { pinned: !a.pinned });
      await hooks.refresh();
    }),
    ...(manualOrder()
      ? [item(t("row.move_up"), () => moveBy(a, -1)), item(t("row.move_down"), () => moveBy(a, 1))]
      : []),
    item(t("row.edit"), () => openEditDialog(a, hooks.refresh)),
    item(t("row.show_qr"), () => showQr(a)),
    item(t("row.reveal"), () => showSecret(a)),
    item(t("row.delete"), () => remove(a)),
  );
  showMenu(menu, anchor);
}
