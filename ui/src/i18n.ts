// The window's words: every string goes through a message catalog (i18next, with plural rules
// from Intl.PluralRules); numbers and dates through Intl for the chosen locale. Catalogs are
// ui/src/locales/*.json, bundled; tests/i18n.test.mjs checks that every key used here exists in
// every catalog with the same placeholders. The language follows the desktop locale (read by
// the shell, not navigator.language, which WebKitGTK does not take from LANG) unless Settings
// names one.
//
//   import { t } from "./i18n";
//   t("toast.copied")                       "Code copied"
//   t("list.count", { count: 2 })           "2 accounts" / "2 Konten"
//   <button data-i18n="header.add">         text set at start and on a language change
//   <input data-i18n-attr="placeholder:search.placeholder;aria-label:search.label">
import i18next from "i18next";
import de from "./locales/de.json";
import en from "./locales/en.json";

/** The languages with a complete catalog. */
export const LANGUAGES = ["en", "de"] as const;
export type Lang = (typeof LANGUAGES)[number];
/** The setting: "system" follows the desktop locale. */
export type LanguageSetting = "system" | Lang;

let lang: Lang = "en";
/** The full locale for Intl (de-DE, en-GB, …): the desktop's when it speaks the language. */
let locale = "en";
let systemLocale = "en";
const listeners: (() => void)[] = [];

void i18next.init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: "en",
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** A message in the current language; `vars` fill {{placeholders}}, `count` picks the plural. */
export function t(key: string, vars?: Record<string, unknown>): string {
  return i18next.t(key, vars ?? {}) as string;
}

/** Whether the catalog has a message (for words from the shell that may have one). */
export function hasKey(key: string): boolean {
  return i18next.exists(key);
}

/** The language of a locale such as "de_DE.UTF-8", "de-AT" or "C"; English when unknown. */
export function languageOf(tag: string | null | undefined): Lang {
  const base = (tag ?? "").toLowerCase().split(/[-_.@]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Lang) : "en";
}

/** "de_DE.UTF-8" → "de-DE" (a BCP 47 tag Intl takes), or null when it is not one. */
function bcp47(tag: string): string | null {
  const clean = tag.split(/[.@]/)[0].replace(/_/g, "-");
  try {
    return Intl.getCanonicalLocales(clean)[0] ?? null;
  } catch {
    return null;
  }
}

/** The desktop's locale, as the shell read it (LANG, LC_ALL, LC_MESSAGES or the OS's own). */
export function setSystemLocale(tag: string | null | undefined): void {
  systemLocale = (tag && bcp47(tag)) || "en";
}

/** Switches the language ("system": the desktop's) and translates what is on screen. */
export function setLanguage(setting: LanguageSetting | string | null | undefined): void {
  const wanted = !setting || setting === "system" ? languageOf(systemLocale) : languageOf(setting);
  lang = wanted;
  locale = languageOf(systemLocale) === wanted ? systemLocale : wanted;
  void i18next.changeLanguage(wanted);
  document.documentElement.lang = wanted;
  // Until the first language is set the page stays hidden (style.css): no English flash for
  // a German desktop while the shell answers.
  document.documentElement.dataset.lang = wanted;
  translateDom(document);
  for (const fn of listeners) fn();
}

/** The desktop's language, as far as the window speaks it. */
export function systemLanguage(): Lang {
  return languageOf(systemLocale);
}

/** The current language ("en", "de"). */
export function currentLanguage(): Lang {
  return lang;
}

/** Runs `fn` after every language change (views that draw their own words redraw). */
export function onLanguageChange(fn: () => void): void {
  listeners.push(fn);
}

/** Sets the texts and attributes marked data-i18n / data-i18n-attr under `root`. */
export function translateDom(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const vars = el.dataset.i18nVars ? (JSON.parse(el.dataset.i18nVars) as Record<string, unknown>) : undefined;
    el.textContent = t(el.dataset.i18n as string, vars);
  }
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n-attr]")) {
    for (const pair of (el.dataset.i18nAttr as string).split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/** Sets an element's text from the catalog and marks it, so a language change translates it again. */
export function setText(el: HTMLElement, key: string, vars?: Record<string, unknown>): void {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
}

/** A number for the current locale: 1,234 / 1.234. */
export function fmtNumber(n: number): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** A date and time for the current locale (seconds since 1970). */
export function fmtDateTime(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(unixSeconds * 1000),
  );
}

/** A time of day for the current locale (seconds since 1970). */
export function fmtTime(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: "medium" }).format(new Date(unixSeconds * 1000));
}

/** A date for the current locale (seconds since 1970). */
export function fmtDate(unixSeconds: number): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(unixSeconds * 1000));
}
