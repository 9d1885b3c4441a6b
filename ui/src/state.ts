// The list's shared state: the accounts, the rows built for them, the filter and the settings.
import type { Account, CodeView, Settings } from "./api";
import { byId, type Ring } from "./dom";

export interface Row {
  li: HTMLLIElement;
  ring: Ring;
  code: HTMLElement;
  next: HTMLElement;
  account: Account;
}

export const state = {
  /** Every account, in the vault's order. */
  accounts: [] as Account[],
  /** The accounts the list shows: the search, tag and sort order applied by the vault
   * (`Vault::listing`, the same rule as `twofold list --search --tag --sort`). */
  shown: [] as Account[],
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
  /** The last codes received, current and next with the second the current one ends: the rows
   *  count down from them on the window's clock, and a re-render (search, filter) paints at once. */
  lastViews: new Map<string, CodeView>(),
};

export const list = () => byId<HTMLUListElement>("list");

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

/** The accounts the list shows, in its order (as the last render asked the vault for them). */
export const shownAccounts = (): Account[] => state.shown;

/** Manual order is the vault's own order; moving is offered only while the list shows it. */
export function manualOrder(): boolean {
  return (state.settings?.sort ?? "manual") === "manual";
}
