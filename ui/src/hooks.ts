// What several modules call but one module owns, bound when the owner loads: the list's
// `refresh` is called by the lock screen, the rows and the drag-and-drop order, which the list
// itself imports. Calling it through here keeps the imports one-way (no module cycle).
import type { VaultStatus } from "./api";

export const hooks = {
  /** Re-reads the vault's state and accounts (`list.ts`); `known`: a status just returned. */
  refresh: (known?: VaultStatus): Promise<void> => {
    void known;
    return Promise.reject(new Error("the list is not loaded yet"));
  },
  /** Paints the rows `ids` names, just come on screen or focused, asking Rust for their codes
   *  if those kept have run out (`list.ts`'s `tick`). */
  tick: (ids?: string[]): Promise<void> => {
    void ids;
    return Promise.resolve();
  },
};
