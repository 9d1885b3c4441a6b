// The account list: what the vault holds, filtered and sorted, its tag chips, the banner of a
// vault that did not open, the first-run and empty-filter states, and the codes' tick.
import { api, errorText, type Account, type CodeView, type VaultStatus } from "./api";
import { byId, h } from "./dom";
import { hideLock, showLock } from "./lock";
import { buildRow, eagerRows, forgetRows, nowSecond, paint, placeholder, screenIds, stale, viewChanged } from "./rows";
import { addRow, groups, list, shownAccounts, state } from "./state";

import { toast } from "./toast";
import { logosAfterRefresh } from "./logos";
import { hooks } from "./hooks";
import { t } from "./i18n";

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
    await render();
    return;
  }
  // Every account, and the ids of those the list shows, in one round trip's time; then the
  // codes of the rows drawn at once (fetchAndDraw). Codes kept from before may be for an account since edited
  // or removed: none is kept across a refresh.
  const [accounts, shown] = await Promise.all([api.listAccounts(), listing()]);
  state.accounts = accounts;
  state.lastViews = new Map();
  await render(shown);
  // What each row's logo is, from Rust, once the rows are drawn.
  void logosAfterRefresh();
}
hooks.refresh = refresh;
hooks.tick = tick;

/** Keeps the codes just received: the rows count down from them, and a row built later (or
 *  drawn again by a search) paints from them. */
function received(views: CodeView[]): void {
  for (const v of views) state.lastViews.set(v.id, v);
}

/** The banner of a vault that did not open: what is wrong and what to do, the technical cause
 *  under "Details", "Try again", and the passphrase when the vault has one. */
export function showBanner(status: Pick<VaultStatus, "message" | "detail"> | null): void {
  byId("banner").hidden = !status;
  byId("banner-text").textContent = status?.message ?? t("banner.default");
  byId("banner-detail").textContent = status?.detail ?? "";
  byId("banner-details").hidden = !status?.detail;
  byId("banner-unlock").hidden = !(status && state.hasPassphrase);
  updateHeader(!!status);
}

/** The header offers only what can work: Lock needs a passphrase, and neither Lock nor Add
 *  works on a vault that did not open. */
function updateHeader(error: boolean): void {
  byId("lock-btn").hidden = !state.hasPassphrase;
  byId<HTMLButtonElement>("lock-btn").disabled = error;
  byId<HTMLButtonElement>("add").disabled = error;
}

export async function retryVault(): Promise<void> {
  const button = byId<HTMLButtonElement>("banner-retry");
  button.disabled = true;
  button.textContent = t("banner.trying");
  try {
    await refresh(await api.reopen());
    if (!state.vaultError) toast(t("toast.vault_opened"));
  } catch (err) {
    toast(errorText(err));
  } finally {
    button.disabled = false;
    button.textContent = t("banner.retry");
  }
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
  bar.append(chip(t("tags.all"), null), ...tags.map((tag) => chip(tag, tag)), groupToggle());
}

/** "No account matches": what filters the list and how to clear it. */
function renderNoMatch(): void {
  const q = state.query.trim();
  byId("no-match-text").textContent =
    q && state.tag
      ? t("nomatch.query_and_tag", { query: q, tag: state.tag })
      : q
        ? t("nomatch.query", { query: q })
        : t("nomatch.tag", { tag: state.tag ?? "" });
  byId("no-match-how").textContent = q ? t("nomatch.how_query") : t("nomatch.how_tag");
}

export function clearFilter(): void {
  state.tag = null;
  setQuery("");
}

/** What the search holds: the field, its clear button and the list follow it. */
export function setQuery(query: string): void {
  const search = byId<HTMLInputElement>("search");
  if (search.value !== query) search.value = query;
  state.query = query;
  byId("search-clear").hidden = query === "";
  render();
  void tick();
}

let renderSeq = 0;
let latest: Promise<void> = Promise.resolve();

/** What the list shows, from the vault: the search, the tag and the order (`Vault::listing`,
 *  the rule `twofold list --search --tag --sort` uses). */
const listing = (): Promise<string[]> => api.listing(state.query, state.tag, state.settings?.sort ?? "manual");

/** Asks the vault what the list shows (unless `shown` is that answer already), then draws it; a
 *  later call supersedes one still waiting for its answer. */
export function render(shown?: string[]): Promise<void> {
  latest = fetchAndDraw(++renderSeq, shown);
  return latest;
}

/** Settles when the latest render has drawn (what Enter in the search field copies from). */
export const rendered = (): Promise<void> => latest;

async function fetchAndDraw(seq: number, listed?: string[]): Promise<void> {
  let shown: Account[] = [];
  if (state.accounts.length > 0) {
    try {
      // The listing names the accounts `state.accounts` holds (one object for each, however
      // often the list is drawn); one the page does not hold yet waits for the next refresh.
      const ids = listed ?? (await listing());
      const held = new Map(state.accounts.map((a) => [a.id, a]));
      shown = ids.flatMap((id) => held.get(id) ?? []);
      // The rows built at once show their codes in the frame that draws them: ask Rust for
      // those not kept (all of them at start; few or none for a search). The rows built later
      // ask as they come on screen (tick). With 1,000 accounts, asking for every code at start
      // cost ~0.7 MB of the page's memory.
      const now = nowSecond();
      const ask = firstDrawn(shown, eagerRows())
        .filter((a) => {
          const v = state.lastViews.get(a.id);
          return !v || stale(v, now);
        })
        .map((a) => a.id);
      if (ask.length > 0) received(await api.codes(ask));
    } catch (err) {
      toast(errorText(err));
      return;
    }
  }
  if (seq !== renderSeq) return;
  state.shown = shown;
  draw();
}

function draw(): void {
  renderTags();
  const ul = list();
  state.rows.clear();
  ul.replaceChildren();
  const shown = shownAccounts();
  const none = state.accounts.length === 0;
  byId("empty").hidden = !none || state.vaultError;
  // Nothing to search or sort in a vault that did not open, nor in an empty one.
  byId("tools").hidden = state.vaultError || none;
  byId("no-match").hidden = none || shown.length > 0;
  if (!byId("no-match").hidden) renderNoMatch();
  forgetRows();
  const frag = document.createDocumentFragment();
  let built = 0;
  const eager = eagerRows();
  for (const [tag, accounts] of sections(shown)) {
    if (tag !== null) frag.append(groupHead(tag, accounts.length));
    if (tag !== null && state.collapsed.has(tag)) continue;
    for (const a of accounts) {
      if (built++ < eager) {
        const row = buildRow(a);
        addRow(row);
        frag.append(row.li);
      } else {
        frag.append(placeholder(a));
      }
    }
  }
  ul.append(frag);
  const now = nowSecond();
  for (const v of state.lastViews.values()) paint(v, now);
  viewChanged();
}

/** What the list draws, in order: one section of all the accounts shown, or (group by tag) a
 *  section per tag, headed by it. */
function sections(shown: Account[]): [string | null, Account[]][] {
  const grouped = !!state.settings?.group_by_tag && state.accounts.some((a) => a.tags.length > 0);
  return grouped ? groups(shown) : [[null, shown]];
}

/** The first `n` accounts the list draws as rows (a folded group draws none). */
function firstDrawn(shown: Account[], n: number): Account[] {
  const out: Account[] = [];
  for (const [tag, accounts] of sections(shown)) {
    if (tag !== null && state.collapsed.has(tag)) continue;
    for (const a of accounts) {
      if (out.length === n) return out;
      out.push(a);
    }
  }
  return out;
}

/** A group's heading (group by tag): its name and count, a button that folds it. */
function groupHead(tag: string, count: number): HTMLLIElement {
  const open = !state.collapsed.has(tag);
  const name = tag || t("group.no_tag");
  const b = h(
    "button",
    { type: "button", class: "group-toggle", "aria-expanded": String(open), "data-tag": tag },
    h("span", { class: "chevron", "aria-hidden": "true", text: open ? "▾" : "▸" }),
    ` ${name} `,
    h("span", { class: "count", text: `(${count})` }),
  );
  b.addEventListener("click", async () => {
    if (open) state.collapsed.add(tag);
    else state.collapsed.delete(tag);
    await render();
    list().querySelector<HTMLElement>(`.group-toggle[data-tag="${CSS.escape(tag)}"]`)?.focus();
  });
  return h("li", { class: "group-head" }, h("h2", {}, b));
}

/** "Group by tag": the list in collapsible sections, one per tag, instead of one list. */
function groupToggle(): HTMLButtonElement {
  const on = !!state.settings?.group_by_tag;
  const b = h("button", { class: "chip group", id: "group-toggle", type: "button", "aria-pressed": String(on), text: t("group.toggle") });
  b.addEventListener("click", async () => {
    if (!state.settings) return;
    state.settings = await api.saveSettings({ ...state.settings, group_by_tag: !on });
    await render();
    void tick();
    byId("group-toggle").focus();
  });
  return b;
}

/** Ids whose codes are being asked for: a slow answer is not asked for again the next second. */
const asking = new Set<string>();

/** Once a second (main.ts), and for `ids` when rows come on screen or take the focus: counts down
 *  the rows on screen (and the focused one) from the codes kept, on the window's clock, and asks
 *  Rust only for the rows whose period has rolled over or that have none kept (one call for all
 *  of them, so once a period, not once a second). Nothing while the window is hidden (it ticks
 *  again when shown). */
export async function tick(ids?: string[]): Promise<void> {
  if (state.locked || state.rows.size === 0 || document.visibilityState === "hidden") return;
  const now = nowSecond();
  const ask: string[] = [];
  for (const id of ids ?? screenIds()) {
    const v = state.lastViews.get(id);
    if (v) paint(v, now);
    if ((!v || stale(v, now)) && !asking.has(id)) ask.push(id);
  }
  if (ask.length === 0) return;
  for (const id of ask) asking.add(id);
  try {
    const views = await api.codes(ask);
    received(views);
    const at = nowSecond();
    for (const v of views) paint(v, at);
  } catch (err) {
    showBanner({ message: errorText(err), detail: null });
  } finally {
    for (const id of ask) asking.delete(id);
  }
}
