// Account logos: an offline Simple Icons logo matched by issuer (or by the domain of the otpauth
// `image` parameter, an issuer such as "github.com", or the label's e-mail), an imported Aegis
// icon pack's icon (matched before Simple Icons), the icon the user picked, or a coloured
// initial. Rust decides which (`logo_choices`, twofold_icons' rules, from the name index that
// scripts/gen-logos.mjs writes beside ui/public/logos/<slug>.svg) and answers the picker's
// searches; the page only draws: an <img> of the logo shown, fetched for the rows that show it.
import { invoke } from "@tauri-apps/api/core";
import type { Account } from "./api";
import { h } from "./dom";
import { state } from "./state";

/** What each account's row shows, by id, as Rust answered: "si:<slug>", "pack:<uuid>/<file>" or
 *  "initial". A row built before the answer shows a blank tile, filled in then. */
const chosen = new Map<string, string>();
/** Imported icons as data: URLs, fetched once each. */
const packImages = new Map<string, Promise<string>>();

type Asked = Pick<Account, "issuer" | "label" | "image_host" | "icon">;
const ask = (accounts: Asked[]) =>
  invoke<string[]>("logo_choices", {
    accounts: accounts.map(({ issuer, label, image_host, icon }) => ({ issuer, label, image_host, icon })),
  });

/** What a row shows (see `chosen`), or "" until Rust has answered; a logo or the initial the
 *  user picked at once (a picked imported icon waits for Rust, which knows if its pack is still
 *  there). */
export function resolve(a: Account): string {
  if (a.icon === "initial" || a.icon.startsWith("si:")) return a.icon;
  return chosen.get(a.id) ?? "";
}

/** The logo an account gets with no pick of its own ("Automatic" in the picker). */
export async function automatic(a: Account): Promise<string> {
  const [choice] = await ask([{ ...a, icon: "" }]);
  return choice ?? "initial";
}

// Initials' backgrounds: each has at least 4.5:1 against the white letter.
const PALETTE = ["#c62828", "#ad1457", "#6a1b9a", "#4527a0", "#283593", "#1565c0", "#0277bd", "#00695c", "#2e7d32", "#8d4e00", "#bf360c", "#4e342e", "#37474f"];

/** A stable colour for a name (FNV-1a of its letters and digits, lower case). */
export function initialColour(name: string): string {
  let x = 0x811c9dc5;
  for (const c of name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "") || name) x = Math.imul(x ^ c.codePointAt(0)!, 0x01000193) >>> 0;
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

/** Every built row's logo again (the answers or the packs changed, an icon was picked). */
export function repaintLogos(): void {
  for (const rows of state.rows.values()) {
    for (const row of rows) {
      const el = row.li.querySelector<HTMLElement>(".logo-slot");
      if (el) drawLogo(el, resolve(row.account), row.account);
    }
  }
}

let asking: Promise<void> | null = null;

/** Asks Rust what every account shows, then fills the rows: after every refresh of the list (at
 *  start, new accounts, an icon picked) and after a pack is imported. */
export function logosAfterRefresh(): Promise<void> {
  const accounts = state.accounts;
  const run = async () => {
    const choices = await ask(accounts);
    chosen.clear();
    accounts.forEach((a, n) => chosen.set(a.id, choices[n] ?? "initial"));
    repaintLogos();
  };
  // One question at a time, the latest list last.
  asking = (asking ?? Promise.resolve()).then(run, run).catch(() => undefined);
  return asking;
}

/** After a pack was imported: the matches anew, and its images fetched afresh. */
export async function reloadPacks(): Promise<void> {
  packImages.clear();
  await logosAfterRefresh();
}

export function importPack(bytes: number[]): Promise<string> {
  return invoke<string>("import_icon_pack", { bytes });
}

export function setIcon(id: string, icon: string): Promise<Account> {
  return invoke<Account>("update_account", { id, patch: { icon } });
}

/** What the picker lists for a search: imported icons first, then Simple Icons, at most `max`. */
export function searchIcons(query: string, max: number): Promise<{ choice: string; title: string }[]> {
  return invoke("icon_search", { query, max });
}

/** A logo's name for people: the brand's title, the pack icon's name. */
export function titleOf(choice: string): Promise<string> {
  return invoke<string>("icon_title", { choice });
}
