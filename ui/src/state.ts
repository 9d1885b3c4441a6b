// The list's shared state: the accounts, the rows built for them, the filter and the settings.
import type { Account, CodeView, Settings } from "./api";
import { byId } from "./dom";

export interface Row {
  li: HTMLLIElement;
  ring: SVGSVGElement;
  code: HTMLElement;
  next: HTMLElement;
  account: Account;
}

export const state = {
  accounts: [] as Account[],
  /** The rows built, by account (an account with several tags has a row in each group). */
  rows: new Map<string, Row[]>(),
  /** Groups folded away (group by tag), by tag; "" is the group of accounts with no tag. */
  collapsed: new Set<string>(),
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

export const list = () => byId<HTMLUListElement>("list");

export function matches(a: Account): boolean {
  if (state.tag && !a.tags.includes(state.tag)) return false;
  const q = state.query.trim().toLowerCase();
  if (!q) return true;
  return [a.issuer, a.label, ...a.tags, a.note].some((s) => s.toLowerCase().includes(q));
}

export function sorted(accounts: Account[]): Account[] {
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

export function addRow(row: Row): void {
  const rows = state.rows.get(row.account.id);
  if (rows) rows.push(row);
  else state.rows.set(row.account.id, [row]);
}

/** Grouped by tag: each tag's accounts (an account in each of its tags), then those with none. */
export function groups(accounts: Account[]): [string, Account[]][] {
  const tags = [...new Set(accounts.flatMap((a) => a.tags))].sort((a, b) => a.localeCompare(b));
  const out: [string, Account[]][] = tags.map((t) => [t, accounts.filter((a) => a.tags.includes(t))]);
  const none = accounts.filter((a) => a.tags.length === 0);
  if (none.length) out.push(["", none]);
  return out;
}

/** The accounts the list shows, in its order. */
export const shownAccounts = (): Account[] => sorted(state.accounts).filter(matches);

/** Manual order is the vault's own order; moving is offered only while the list shows it. */
export function manualOrder(): boolean {
  return (state.settings?.sort ?? "manual") === "manual";
}
