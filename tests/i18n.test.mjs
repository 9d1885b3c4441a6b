// The window's message catalogs (ui/src/locales/*.json) against each other and against the code:
// every key used in ui/src (t("…"), setText(el, "…"), any "section.key" literal), in src-tauri
// (tr("shell.…")) and in ui/index.html (data-i18n, data-i18n-attr) is in every catalog; every catalog has the same keys
// with the same {{placeholders}}; each plural has every form its language needs
// (Intl.PluralRules); no key is left unused; no text in index.html is left unmarked.
// Run: node --test tests/i18n.test.mjs (scripts/test.sh runs it with the front end's lint).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const localesDir = join(root, "ui/src/locales");
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

const catalogs = Object.fromEntries(
  readdirSync(localesDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => [f.replace(/\.json$/, ""), flatten(JSON.parse(readFileSync(join(localesDir, f), "utf8")))]),
);
const langs = Object.keys(catalogs);
const placeholders = (s) => [...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();
/** A key as the code names it: plural forms share one name. */
const baseOf = (key) => key.replace(PLURAL, "");

function sources(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name), ext) : ext.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The keys the code and the page use, each with where it is used. */
function usedKeys() {
  const sections = new Set(Object.keys(catalogs.en).map((k) => k.split(".")[0]));
  const used = new Map();
  const add = (key, where) => used.set(key, [...(used.get(key) ?? []), where]);
  const dynamic = [];
  // The window's code, and the shell's (src-tauri: its "shell.*" words, crate::i18n::tr).
  for (const file of [...sources(join(root, "ui/src"), /\.ts$/), ...sources(join(root, "src-tauri/src"), /\.rs$/)]) {
    // Comments name keys as examples, Rust's unit tests name made-up ones: only code counts.
    const text = readFileSync(file, "utf8")
      .split("#[cfg(test)]")[0]
      .split("\n")
      .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
      .join("\n");
    const rel = file.slice(root.length);
    for (const m of text.matchAll(/\b(?:t|setText\([^,]+,)\s*\(?\s*`([^`]*)`/g)) {
      if (m[1].includes("${")) dynamic.push(`${rel}: ${m[0]}`);
    }
    // A key a call names counts whatever its section (a new section must reach every catalog).
    for (const m of text.matchAll(/(?:\bt\(|\btr\(|\btr_in\([^,()]+,|\bsetText\([^,()]+,)\s*["']([^"'$]+)["']/g)) {
      add(m[1], rel);
    }
    for (const m of text.matchAll(/["'`]([a-z][a-z0-9_]*\.[a-z0-9_]+)["'`]/g)) {
      const section = m[1].split(".")[0];
      // The shell speaks only its own section; its other dotted strings are file names.
      if (rel.endsWith(".rs") ? section === "shell" : sections.has(section)) add(m[1], rel);
    }
  }
  const html = readFileSync(join(root, "ui/index.html"), "utf8");
  for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) add(m[1], "ui/index.html");
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    for (const pair of m[1].split(";")) add(pair.split(":")[1].trim(), "ui/index.html");
  }
  return { used, dynamic };
}

test("there is an English and a German catalog", () => {
  assert.deepEqual(langs.sort(), ["de", "en"]);
});

test("every catalog has the same keys", () => {
  for (const a of langs) {
    for (const b of langs) {
      const missing = Object.keys(catalogs[a]).filter((k) => !(k in catalogs[b]));
      assert.deepEqual(missing, [], `in ${a}.json but not in ${b}.json`);
    }
  }
});

test("every message has the same placeholders in every catalog, and none is empty", () => {
  for (const key of Object.keys(catalogs.en)) {
    const want = placeholders(catalogs.en[key]);
    for (const lang of langs) {
      const msg = catalogs[lang][key];
      assert.equal(typeof msg, "string", `${lang}: ${key} is not a string`);
      assert.notEqual(msg.trim(), "", `${lang}: ${key} is empty`);
      assert.deepEqual(placeholders(msg), want, `${lang}: ${key} has other placeholders than en`);
    }
  }
});

test("every plural has the forms its language needs", () => {
  for (const lang of langs) {
    const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    const families = new Set(Object.keys(catalogs[lang]).filter((k) => PLURAL.test(k)).map(baseOf));
    for (const base of families) {
      for (const form of needed) {
        assert.ok(`${base}_${form}` in catalogs[lang], `${lang}: ${base}_${form} missing`);
      }
      for (const k of Object.keys(catalogs[lang]).filter((k) => baseOf(k) === base && k !== base)) {
        assert.ok(placeholders(catalogs[lang][k]).includes("count"), `${lang}: ${k} does not say {{count}}`);
      }
    }
  }
});

test("every key the code and the page use is in every catalog", () => {
  const { used, dynamic } = usedKeys();
  assert.deepEqual(dynamic, [], "a key built at run time cannot be checked: name it whole");
  assert.ok(used.size > 100, `only ${used.size} keys found: is the scan broken?`);
  for (const lang of langs) {
    const have = new Set(Object.keys(catalogs[lang]).map(baseOf));
    const missing = [...used].filter(([k]) => !have.has(k)).map(([k, w]) => `${k} (${[...new Set(w)].join(", ")})`);
    assert.deepEqual(missing, [], `used but not in ${lang}.json`);
  }
});

test("no catalog key is unused", () => {
  const { used } = usedKeys();
  const unused = [...new Set(Object.keys(catalogs.en).map(baseOf))].filter((k) => !used.has(k));
  assert.deepEqual(unused, [], "in the catalogs but used nowhere");
});

test("every text in index.html is marked for translation", () => {
  const html = readFileSync(join(root, "ui/index.html"), "utf8").replace(/<script[\s\S]*?<\/script>/g, "");
  // Names, not words: the app's name, other apps' names, the server's profile names, symbols.
  const names = /^(Twofold|☰|Aegis|2FAS|Ente Auth|Google Authenticator|Bitwarden|Proton Authenticator|andOTP|FreeOTP\+|Stratum \/ Authenticator Pro|django-[\w-]+)$/;
  const unmarked = [];
  for (const m of html.matchAll(/<([a-z0-9]+)([^>]*)>([^<]+)</g)) {
    const [, tag, attrs, text] = m;
    const words = text.trim();
    if (!/\p{L}/u.test(words) || tag === "title" || names.test(words)) continue;
    if (!/data-i18n="/.test(attrs)) unmarked.push(`<${tag}${attrs}>${words}`);
  }
  assert.deepEqual(unmarked, []);
  for (const m of html.matchAll(/\s(aria-label|placeholder|title|alt)="([^"]*)"/g)) {
    const at = html.lastIndexOf("<", m.index);
    const tagText = html.slice(at, html.indexOf(">", m.index));
    if (/^[\w.+-]+@[\w.-]+$/.test(m[2])) continue; // an example address, the same in every language
    assert.match(tagText, new RegExp(`data-i18n-attr="[^"]*${m[1]}:`), `${m[1]}="${m[2]}" is not translated`);
  }
});
