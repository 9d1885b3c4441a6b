// Manual order: drag a row onto another, or Alt+↑/↓, to move an account in the vault's order.
import { api, errorText, type Account } from "./api";
import { hooks } from "./hooks";
import { manualOrder, shownAccounts, state } from "./state";
import { toast } from "./toast";

export const ROW_TYPE = "application/x-twofold-account";

/** Drag a row onto another to put it there (manual order only). */
export function wireRowDrag(li: HTMLElement, a: Account): void {
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
export async function moveBy(a: Account, delta: number): Promise<void> {
  if (!manualOrder()) {
    toast("Choose \"Manual order\" to arrange accounts by hand.");
    return;
  }
  const shown = shownAccounts();
  const neighbour = shown[shown.findIndex((x) => x.id === a.id) + delta];
  if (!neighbour || neighbour.pinned !== a.pinned) return;
  await moveTo(a.id, state.accounts.findIndex((x) => x.id === neighbour.id));
}

async function moveTo(id: string, toIndex: number): Promise<void> {
  if (toIndex < 0) return;
  try {
    await api.moveAccount(id, toIndex);
    await hooks.refresh();
    state.rows.get(id)?.[0]?.li.focus();
  } catch (err) {
    toast(errorText(err));
  }
}
