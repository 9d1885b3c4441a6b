// Account logos: an offline Simple Icons logo matched by issuer (or by the domain of the otpauth
// `image` parameter, an issuer such as "github.com", or the label's e-mail), an imported Aegis
// icon pack's icon (asked of Rust, matched before Simple Icons), the icon the user picked, or a
// coloured initial. scripts/gen-logos.mjs builds ui/public/logos/<slug>.svg (fetched by an <img>
// only for the logos shown) and the name index (ui/src/generated/logos.json), loaded once after
// the first paint as a chunk of its own: a row built before it shows a blank tile, filled in then.
import { invoke } from "@tauri-apps/api/core";
import type { Account } from "./api";
import { h } from "./dom";
import { state } from "./state";

type Index = { icons: [slug: string, title: string][]; keys: Record<string, string> };
/** What scripts/gen-logos.mjs writes: the icons and their other names (aliases), as given. */
type Generated = { icons: [slug: string, title: string][]; aliases: [name: string, slug: string][] };

/** The name index: an icon's title and slug, normalised, name it; an alias only where no icon
 *  is called so. */
function keyed(g: Generated): Index {
  const keys: Record<string, string> = {};
  for (const [slug, title] of g.icons) for (const k of [title, slug]) keys[normalise(k)] ??= slug;
  for (const [name, slug] of g.aliases) keys[normalise(name)] ??= slug;
  delete keys[""];
  return { icons: g.icons, keys };
}

export interface PackIcon {
  choice: string;
  name: string;
  issuer: string[];
}
export interface PackIndex {
  uuid: string;
  name: string;
  icons: PackIcon[];
}

let index: Index | null = null;
let packs: PackIndex[] = [];
/** Issuer → the imported icon Rust matched for it ("" for none). */
const packMatch = new Map<string, string>();
/** Imported icons as data: URLs, fetched once each. */
const packImages = new Map<string, Promise<string>>();

/** Lower case, accents dropped, legal suffixes and everything but letters and digits removed:
 *  how issuers, titles, slugs and aliases are compared (the index is keyed by it at load). */
export function normalise(s: string): string {
  return s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\b(inc|llc|ltd|corp|gmbh|co)\b\.?/g, "")
    .replace(/[^\p{L}\p{N}]/gu, "");
}

/** The names a host may be known by: "accounts.google.com" → google; "bbc.co.uk" → bbc. */
function hostNames(host: string): string[] {
  const labels = host.toLowerCase().replace(/^www\./, "").split(".").filter(Boolean);
  if (labels.length < 2) return [];
  labels.pop();
  const second = ["co", "com", "org", "net", "ac", "gov"];
  if (labels.length > 1 && second.includes(labels[labels.length - 1])) labels.pop();
  return [labels[labels.length - 1], labels.join("")];
}

const looksLikeHost = (s: string) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(s.trim());

/** The Simple Icons slug for an account's issuer, image host or e-mail domain, if any. */
export function matchSlug(a: Pick<Account, "issuer" | "label" | "image_host">): string | null {
  if (!index) return null;
  const keys = index.keys;
  const tries: string[] = [];
  if (a.issuer) tries.push(normalise(a.issuer));
  if (a.image_host) tries.push(...hostNames(a.image_host));
  if (looksLikeHost(a.issuer)) tries.push(...hostNames(a.issuer));
  const mail = /@([a-z0-9.-]+\.[a-z]{2,})$/i.exec(a.label.trim());
  if (!a.issuer && mail) tries.push(...hostNames(mail[1]));
  for (const k of tries) if (k && Object.prototype.hasOwnProperty.call(keys, k)) return keys[k];
  return null;
}

/** What a row shows: "si:<slug>", "pack:<uuid>/<file>", "initial", or "" while the index loads. */
export function resolve(a: Account): string {
  if (a.icon === "initial" || a.icon.startsWith("si:")) return a.icon;
  if (a.icon.startsWith("pack:") && packs.some((p) => a.icon.startsWith(`pack:${p.uuid}/`))) return a.icon;
  if (!index) return "";
  const pack = packMatch.get(a.issuer);
  if (pack) return pack;
  const slug = matchSlug(a);
  return slug ? `si:${slug}` : "initial";
}

// Initials' backgrounds: each has at least 4.5:1 against the white letter.
const PALETTE = ["#c62828", "#ad1457", "#6a1b9a", "#4527a0", "#283593", "#1565c0", "#0277bd", "#00695c", "#2e7d32", "#8d4e00", "#bf360c", "#4e342e", "#37474f"];

/** A stable colour for a name (FNV-1a of its normalised form). */
export function initialColour(name: string): string {
  let x = 0x811c9dc5;
  for (const c of normalise(name) || name) x = Math.imul(x ^ c.codePointAt(0)!, 0x01000193) >>> 0;
  return PALETTE[x % PALETTE.length];
}

export function initialOf(a: Pick<Account, "issuer" | "label">): string {
  const m = /[\p{L}\p{N}]/u.exec(a.issuer || a.label);
  return m ? m[0].toLocaleUpperCase() : "?";
}

function packImage(choice: string): Promise<string> {
  let p = packImages.get(choice);
  if (!p) {
    p = invoke<string>("icon_pack_image", { choice });
    packImages.set(choice, p);
  }
  return p;
}

/** An <img> of a logo or an imported icon, or the initial, for `choice` (see `resolve`). */
export function drawLogo(el: HTMLElement, choice: string, a: Pick<Account, "issuer" | "label">): void {
  if (el.dataset.logo === choice) return;
  el.dataset.logo = choice;
  el.classList.toggle("initial", choice === "initial");
  el.style.removeProperty("background");
  delete el.dataset.slug;
  if (choice.startsWith("si:")) {
    const slug = choice.slice(3);
    el.dataset.slug = slug;
    const img = h("img", { src: `logos/${slug}.svg`, alt: "", decoding: "async", draggable: "false" });
    // A slug this build does not have (a vault from a newer one): the initial.
    img.addEventListener("error", () => drawLogo(el, "initial", a), { once: true });
    el.replaceChildren(img);
  } else if (choice.startsWith("pack:")) {
    const img = h("img", { alt: "", decoding: "async", draggable: "false" });
    el.replaceChildren(img);
    packImage(choice).then(
      (src) => el.dataset.logo === choice && img.setAttribute("src", src),
      () => drawLogo(el, "initial", a),
    );
  } else if (choice === "initial") {
    el.style.background = initialColour(a.issuer || a.label);
    el.textContent = initialOf(a);
  } else {
    el.replaceChildren();
  }
}

/** A row's logo: a blank tile until the index has loaded. */
export function logoSlot(a: Account): HTMLElement {
  const el = h("span", { class: "logo-slot", "aria-hidden": "true" });
  drawLogo(el, resolve(a), a);
  return el;
}

/** Every built row's logo again (the index or the packs changed, an icon was picked). */
export function repaintLogos(): void {
  for (const rows of state.rows.values()) {
    for (const row of rows) {
      const el = row.li.querySelector<HTMLElement>(".logo-slot");
      if (el) drawLogo(el, resolve(row.account), row.account);
    }
  }
}

/** Asks Rust which imported icon fits each issuer not asked about yet. */
async function matchPacks(accounts: Account[]): Promise<void> {
  if (!packs.length) return;
  const issuers = [...new Set(accounts.map((a) => a.issuer))].filter((i) => i && !packMatch.has(i));
  if (!issuers.length) return;
  const found = await invoke<string[]>("icon_pack_matches", { issuers });
  issuers.forEach((i, n) => packMatch.set(i, found[n] ?? ""));
}

let loading: Promise<void> | null = null;

/** Loads the index and the imported packs once (after the first paint), then fills the rows. */
export function loadLogos(): Promise<void> {
  loading ??= (async () => {
    const [mod, list] = await Promise.all([
      import("./generated/logos.json"),
      invoke<PackIndex[]>("icon_packs").catch(() => [] as PackIndex[]),
    ]);
    packs = list;
    await matchPacks(state.accounts).catch(() => undefined);
    index = keyed((mod.default ?? mod) as unknown as Generated);
    repaintLogos();
  })();
  return loading;
}

/** After the list was refreshed: new issuers matched against the packs. */
export async function logosAfterRefresh(): Promise<void> {
  if (!index) return;
  await matchPacks(state.accounts).catch(() => undefined);
  repaintLogos();
}

/** Reads the imported packs again (after an import) and matches every issuer anew. */
export async function reloadPacks(): Promise<void> {
  packs = await invoke<PackIndex[]>("icon_packs");
  packMatch.clear();
  packImages.clear();
  await matchPacks(state.accounts);
  repaintLogos();
}

export function importPack(bytes: number[]): Promise<string> {
  return invoke<string>("import_icon_pack", { bytes });
}

export function setIcon(id: string, icon: string): Promise<Account> {
  return invoke<Account>("update_account", { id, patch: { icon } });
}

/** What the picker lists for a search: imported icons first, then Simple Icons, at most `max`. */
export function searchIcons(query: string, max: number): { choice: string; title: string }[] {
  const q = normalise(query);
  const out: { choice: string; title: string }[] = [];
  for (const p of packs) {
    for (const i of p.icons) {
      if (out.length >= max) return out;
      if (!q || normalise(i.name).includes(q) || i.issuer.some((n) => normalise(n).includes(q))) {
        out.push({ choice: i.choice, title: `${i.issuer[0] ?? i.name} (${p.name})` });
      }
    }
  }
  if (!index) return out;
  // Names that start with the query first, then those holding it.
  const starts: [string, string][] = [];
  const holds: [string, string][] = [];
  for (const [slug, title] of index.icons) {
    const n = normalise(title);
    if (!q || n.startsWith(q) || slug.startsWith(q)) starts.push([slug, title]);
    else if (n.includes(q)) holds.push([slug, title]);
    if (starts.length >= max) break;
  }
  for (const [slug, title] of [...starts, ...holds]) {
    if (out.length >= max) break;
    out.push({ choice: `si:${slug}`, title });
  }
  return out;
}

/** A logo's name for people: the brand's title, the pack icon's name. */
export function titleOf(choice: string): string {
  if (choice.startsWith("si:")) {
    const slug = choice.slice(3);
    return index?.icons.find(([s]) => s === slug)?.[1] ?? slug;
  }
  for (const p of packs) for (const i of p.icons) if (i.choice === choice) return i.issuer[0] ?? i.name;
  return choice;
}
