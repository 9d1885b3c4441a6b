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

/** A countdown ring: a circle whose stroke shows the fraction of the period left. */
export function ring(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 36 36");
  svg.setAttribute("class", "ring");
  svg.setAttribute("aria-hidden", "true");
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
  const text = document.createElementNS(SVG_NS, "text");
  text.setAttribute("x", "18");
  text.setAttribute("y", "22.5");
  text.setAttribute("class", "ring-text");
  svg.append(text);
  return svg;
}

export function setRing(svg: SVGSVGElement, left: number, period: number): void {
  const bar = svg.querySelector(".ring-bar") as SVGCircleElement;
  const text = svg.querySelector(".ring-text") as SVGTextElement;
  const pct = Math.max(0, Math.min(100, (left / period) * 100));
  bar.setAttribute("stroke-dasharray", `${pct.toFixed(2)} 100`);
  text.textContent = String(left);
  svg.classList.toggle("warn", left <= 5);
}
