// Tiny DOM helpers: build elements without innerHTML (no injection from account names).

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** A labelled form control with an optional hint under it. */
export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h("label", { class: "field", for: id }, h("span", { text: label }), control, hint ? h("small", { text: hint }) : null);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el as T;
}

/** Groups a code for reading: 123 456, 1234 5678, 12345 (Steam stays whole). */
export function groupCode(code: string): string {
  if (code.length < 6 || !/^\d+$/.test(code)) return code;
  const half = Math.ceil(code.length / 2);
  return `${code.slice(0, half)} ${code.slice(half)}`;
}

/** A countdown ring and what its tick changes, kept so a tick touches only those. */
export interface Ring {
  el: HTMLElement;
  /** The seconds left, in the ring's inner disc (a box of fixed size, `.ring`'s containment, so
   *  a new number lays out nothing outside it). Shown in the last seconds and on the row under
   *  the pointer or the keyboard focus; elsewhere it is kept up to date but not drawn. */
  text: Text;
  warn: boolean;
}

/** A countdown ring: a conic gradient whose first colour covers the fraction of the period left
 *  (clockwise from the top), under a disc that holds the seconds. Plain CSS, no SVG: a tick sets
 *  one custom property and WebKit repaints the 36 px box, where an SVG arc's new dash array made
 *  it lay the shape out again (docs/desktop-bench.md has the figures). */
export function ring(): Ring {
  const text = document.createTextNode("");
  const el = h(
    "span",
    { class: "ring", "aria-hidden": "true" },
    h("span", { class: "ring-text" }, h("span", { class: "ring-secs" }, text)),
  );
  return { el, text, warn: false };
}

/** One tick of a ring: only what changed is written (the seconds, the arc; the colour twice a
 *  period). */
export function setRing(r: Ring, left: number, period: number): void {
  const secs = String(left);
  if (r.text.data === secs) return;
  r.text.data = secs;
  const pct = Math.max(0, Math.min(100, (left / period) * 100));
  r.el.style.setProperty("--left", `${pct.toFixed(2)}%`);
  const warn = left <= 5;
  if (warn !== r.warn) {
    r.warn = warn;
    r.el.classList.toggle("warn", warn);
  }
}
