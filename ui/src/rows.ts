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

/**
 * With hundreds of accounts, building every row at once costs the start and the memory of rows
 * nobody looks at. The first EAGER_ROWS are built at once; each further account starts as a bare
 * <li> of a row's height, turned into its row when it comes within a screen of the view, or gets
 * the focus. Lists up to EAGER_ROWS (nearly everyone's) never see a placeholder.
 */
export const EAGER_ROWS = 40;

export const lazyRows = new IntersectionObserver(
  (entries) => {
    for (const e of entries) if (e.isIntersecting) materialize(e.target as HTMLLIElement);
  },
  { rootMargin: "100% 0px" },
);

/**
 * The built rows on screen: the tick asks Rust for their codes only (and the focused row's), so
 * a long list costs the same each second as a short one. A row coming on screen gets its codes
 * at once; one leaving it keeps what it shows until it comes back.
 */
const onScreen = new Set<HTMLLIElement>();

export const screenRows = new IntersectionObserver((entries) => {
  const came: string[] = [];
  for (const e of entries) {
    const li = e.target as HTMLLIElement;
    if (!e.isIntersecting) onScreen.delete(li);
    else if (!onScreen.has(li)) {
      onScreen.add(li);
      came.push(li.dataset.id ?? "");
    }
  }
  if (came.length > 0) void hooks.tick(came);
});

/** The ids of the rows on screen and of the focused row (its label carries its code). */
export function screenIds(): string[] {
  const ids = new Set<string>();
  for (const li of onScreen) {
    if (li.isConnected) ids.add(li.dataset.id ?? "");
    else onScreen.delete(li);
  }
  const focused = document.activeElement as HTMLElement | null;
  if (focused?.classList.contains("row") && focused.dataset.id) ids.add(focused.dataset.id);
  return [...ids];
}

/** The list is emptied (a new render, the lock): no row is on screen any more. */
export function forgetRows(): void {
  lazyRows.disconnect();
  screenRows.disconnect();
  onScreen.clear();
}

/** One bare <li>, cloned for each placeholder: cheaper than building hundreds at start. */
const placeholderTemplate = h("li", { class: "row placeholder", tabindex: 0 });

export function placeholder(a: Account): HTMLLIElement {
  const li = placeholderTemplate.cloneNode() as HTMLLIElement;
  li.dataset.id = a.id;
  li.setAttribute("aria-label", rowLabel(a));
  lazyRows.observe(li);
  return li;
}

/** A placeholder that gets the focus (arrow keys, Tab) is built and the focus moves to its row;
 *  a row that gets the focus says its code and the seconds left. */
export function wireRowFocus(): void {
  list().addEventListener("focusin", (e) => {
    const li = e.target as HTMLElement;
    if (li.classList.contains("placeholder")) materialize(li as HTMLLIElement)?.li.focus();
    else if (li.classList.contains("row")) {
      const v = state.lastViews.get(li.dataset.id ?? "");
      if (v) paint(v);
    }
  });
}

function materialize(li: HTMLLIElement): Row | undefined {
  lazyRows.unobserve(li);
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
      : r;
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
  screenRows.observe(li);
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

export function paint(v: CodeView): void {
  for (const row of state.rows.get(v.id) ?? []) paintRow(row, v);
}

function paintRow(row: Row, v: CodeView): void {
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
  // The focused row's name carries its code and the time left, for a screen reader.
  if (document.activeElement === row.li) {
    row.li.setAttribute("aria-label", t("row.focused", { name: rowLabel(row.account), code, count: v.seconds_left }));
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
