// Builds the offline logos from the simple-icons npm package (CC0, pinned in package-lock.json),
// run by `npm run build` before Vite:
//   ui/public/logos/<slug>.svg   one file per icon: the brand's path in its colour on a tile
//                                (white, or near-black where the colour has under 3:1 against
//                                white), fetched by an <img> only for the accounts that use it;
//   ui/public/logos/index.json   the name index, read by Rust (twofold_icons::SimpleIcons, through
//                                the app's embedded assets), which matches issuers and answers
//                                the picker's searches: [slug, title] per icon and [alias, slug]
//                                per other name, as simple-icons gives them.
// Both are generated (gitignored).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "node_modules/simple-icons");
const data = JSON.parse(readFileSync(join(pkg, "data/simple-icons.json"), "utf8"));
const icons = Array.isArray(data) ? data : data.icons;

function luminance(hex) {
  const c = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const DARK = "1b1f24";

const out = join(root, "ui/public/logos");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const list = [];
const aliases = [];
for (const icon of icons) {
  const svg = readFileSync(join(pkg, "icons", `${icon.slug}.svg`), "utf8");
  const d = /<path d="([^"]+)"/.exec(svg)?.[1];
  if (!d) continue;
  const tile = contrast(icon.hex, "ffffff") >= 3 ? "ffffff" : DARK;
  writeFileSync(
    join(out, `${icon.slug}.svg`),
    `<svg xmlns="http://www.w3.org/2000/svg" width="36" height="36" viewBox="-6 -6 36 36"><rect x="-6" y="-6" width="36" height="36" rx="8" fill="#${tile}"/><path fill="#${icon.hex}" d="${d}"/></svg>`,
  );
  list.push([icon.slug, icon.title]);
  const a = icon.aliases ?? {};
  for (const k of [...(a.aka ?? []), ...(a.dup ?? []).map((x) => x.title), ...Object.values(a.loc ?? {})]) {
    aliases.push([k, icon.slug]);
  }
}
writeFileSync(join(out, "index.json"), JSON.stringify({ icons: list, aliases }));
console.log(`logos: ${list.length} icons, ${aliases.length} other names`);
