import { byId, h } from "./dom";

interface ToastOptions {
  action?: string;
  onAction?: () => void | Promise<void>;
  seconds?: number;
}

/** A short message at the bottom of the window, read out by screen readers. */
export function toast(message: string, opts: ToastOptions = {}): void {
  const area = byId("toasts");
  const el = h("div", { class: "toast", role: "status" }, h("span", { text: message }));
  if (opts.action && opts.onAction) {
    const b = h("button", { type: "button", class: "toast-action", text: opts.action });
    b.addEventListener("click", async () => {
      el.remove();
      await opts.onAction?.();
    });
    el.append(b);
  }
  area.append(el);
  setTimeout(() => el.remove(), (opts.seconds ?? 4) * 1000);
}
