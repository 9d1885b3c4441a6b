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
  /** The seconds left and the period last set (the ring's `--secs` and `--period`); -1 and 0
   *  before the first tick. */
  left: number;
  period: number;
}

/** The last seconds of a period, drawn in the warning colour. */
const warning = (left: number): boolean => left >= 0 && left <= 5;

/** A countdown ring: a conic gradient whose first colour covers the fraction of the period left
 *  (clockwise from the top), under a disc that holds the seconds (both circles painted by a
 *  radial gradient, not clipped: style.css). Plain CSS, no SVG: a tick sets
 *  one custom property and WebKit repaints the 36 px box, where an SVG arc's new dash array made
 *  it lay the shape out again (docs/desktop-bench.md has the figures).
 *
 *  The seconds in the disc are a CSS counter (`.ring-secs::before`) read from the same `--secs`,
 *  not text the tick writes: they are drawn only in the last seconds and on the row under the
 *  pointer or the focus, and writing a number each second into every ring's hidden text cost a
 *  third of the idle CPU (0.5% of a core of 1.5%). */
export function ring(): Ring {
  const el = h("span", { class: "ring", "aria-hidden": "true" }, h("span", { class: "ring-text" }, h("span", { class: "ring-secs" })));
  return { el, left: -1, period: 0 };
}

/** One tick of a ring: only what changed is written (the seconds; the period and the colour
 *  when they change). */
export function setRing(r: Ring, left: number, period: number): void {
  if (r.period !== period) {
    r.period = period;
    r.el.style.setProperty("--period", String(period));
  }
  if (r.left === left) return;
  const warn = warning(left);
  if (warn !== warning(r.left)) r.el.classList.toggle("warn", warn);
  r.left = left;
  r.el.style.setProperty("--secs", String(left));
}
