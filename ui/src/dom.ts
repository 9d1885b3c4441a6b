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

const SVG_NS = "http://www.w3.org/2000/svg";

/** A countdown ring and what its tick changes, kept so a tick touches only those. */
export interface Ring {
  el: HTMLElement;
  bar: SVGCircleElement;
  /** The seconds left: a text node in a fixed-size box (`.ring`'s containment), so a new number
   *  lays out nothing outside the box. */
  text: Text;
  warn: boolean;
}

/** A countdown ring: a circle whose stroke shows the fraction of the period left, the seconds in
 *  its middle. */
export function ring(): Ring {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 36 36");
  const track = document.createElementNS(SVG_NS, "circle");
  track.setAttribute("class", "ring-track");
  const bar = document.createElementNS(SVG_NS, "circle");
  bar.setAttribute("class", "ring-bar");
  for (const c of [track, bar]) {
    c.setAttribute("cx", "18");
    c.setAttribute("cy", "18");
    c.setAttribute("r", "15.9155");
    svg.append(c);
  }
  // The arc starts at the top (an SVG transform on the circle: no CSS transform, no layer).
  bar.setAttribute("transform", "rotate(-90 18 18)");
  const text = document.createTextNode("");
  const el = h("span", { class: "ring", "aria-hidden": "true" }, svg, h("span", { class: "ring-text" }, text));
  return { el, bar, text, warn: false };
}

/** One tick of a ring: only what changed is written (the seconds, the arc; the colour twice a
 *  period). */
export function setRing(r: Ring, left: number, period: number): void {
  const secs = String(left);
  if (r.text.data === secs) return;
  r.text.data = secs;
  const pct = Math.max(0, Math.min(100, (left / period) * 100));
  r.bar.setAttribute("stroke-dasharray", `${pct.toFixed(2)} 100`);
  const warn = left <= 5;
  if (warn !== r.warn) {
    r.warn = warn;
    r.el.classList.toggle("warn", warn);
  }
}
