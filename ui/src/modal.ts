// The one modal <dialog> of the page: open it with a title, a body and buttons, close it, and
// a dialog button that shows its action is running (used by every dialog, the icon picker too).
import { busy } from "./busy";
import { byId, h } from "./dom";
import { raise } from "./toast";

/** Opens a modal <dialog> with the given content; resolves when it closes. */
export function modal(title: string, body: Node, actions: HTMLElement[]): HTMLDialogElement {
  const dlg = byId<HTMLDialogElement>("modal");
  byId("modal-title").textContent = title;
  byId("modal-body").replaceChildren(body);
  byId("modal-actions").replaceChildren(...actions);
  if (!dlg.open) dlg.showModal();
  // A message shown before the dialog opened stays readable above it.
  raise();
  return dlg;
}

export function closeModal(): void {
  const dlg = byId<HTMLDialogElement>("modal");
  if (dlg.open) dlg.close();
}

/** A dialog's button; while what it does runs, it is disabled and then shows a spinner. */
export function button(label: string, cls: string, fn: () => void | Promise<void>): HTMLButtonElement {
  const b = h("button", { type: "button", class: cls, text: label });
  b.addEventListener("click", () => void busy(b, async () => fn()));
  return b;
}
