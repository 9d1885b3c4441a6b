import { byId, h } from "./dom";

interface ToastOptions {
  action?: string;
  onAction?: () => void | Promise<void>;
  seconds?: number;
}

const MAX_SHOWN = 3;
const timers = new WeakMap<HTMLElement, ReturnType<typeof setTimeout>>();

/**
 * A short message at the bottom of the window, read out by screen readers. The area is a manual
 * popover, shown again on each message: it sits in the top layer above an open dialog and its
 * backdrop. A message already shown is not repeated: it stays, and its time starts again.
 */
export function toast(message: string, opts: ToastOptions = {}): void {
  const area = byId("toasts");
  const seconds = (opts.seconds ?? 4) * 1000;
  const same = [...area.querySelectorAll<HTMLElement>(".toast")].find(
    (t) => t.dataset.message === message && !opts.action,
  );
  const el = same ?? h("div", { class: "toast", role: "status", "data-message": message }, h("span", { text: message }));
  if (!same && opts.action && opts.onAction) {
    const b = h("button", { type: "button", class: "toast-action", text: opts.action });
    b.addEventListener("click", async () => {
      remove(el);
      await opts.onAction?.();
    });
    el.append(b);
  }
  if (!same) area.append(el);
  // At most three at once: the oldest gives way (a burst of messages must not cover a dialog).
  while (area.childElementCount > MAX_SHOWN) remove(area.firstElementChild as HTMLElement);
  clearTimeout(timers.get(el));
  timers.set(el, setTimeout(() => remove(el), seconds));
  raise(area);
}

function remove(el: HTMLElement): void {
  const area = el.parentElement;
  el.remove();
  if (area && !area.childElementCount && area.matches(":popover-open")) area.hidePopover();
}

/** Puts the toasts above whatever is in the top layer now (a dialog opened after them). */
export function raise(area: HTMLElement = byId("toasts")): void {
  if (typeof area.showPopover !== "function" || !area.childElementCount) return;
  if (area.matches(":popover-open")) area.hidePopover();
  area.showPopover();
}
