// #19 item 8, languages: the window follows the desktop locale (LANG=de_DE.UTF-8 gives German:
// the header, the first run, the Add and Import dialogs, Settings, plurals, the shell's own
// refusals, the tray menu), Settings' Language switches at once (the tray's too) and is
// remembered over a restart, "System"
// goes back to the desktop's; axe-core finds nothing in the German views, light and dark;
// the lock screen and its refusal in German; the last backup's date in the German form; German screenshots, light and dark (40-50 in
// docs/screenshots).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { axeViolations } from "./axe.mjs";
import { focusWindow, launch, screenshot } from "./driver.mjs";
import { freshVault, invoke, rows, twofold, waitFor } from "./helpers.mjs";
import { findTray, trayItems } from "./tray-menu.mjs";

const v = freshVault();
const GERMAN = { ...v.env, LANG: "de_DE.UTF-8" };
const colorScheme = (value) => execFileSync("gsettings", ["set", "org.gnome.desktop.interface", "color-scheme", value]);
after(() => colorScheme("default"));

const ONE = path.join(v.dir, "one.txt");
const TWO = path.join(v.dir, "two.txt");
writeFileSync(ONE, "otpauth://totp/Forgejo:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Forgejo\n");
writeFileSync(
  TWO,
  "otpauth://totp/Nextcloud:ada?secret=GEZDGNBVGY3TQOJQ&issuer=Nextcloud\n" +
    "otpauth://totp/Mastodon:ada@example.social?secret=MFRGGZDFMZTWQ2LK&issuer=Mastodon\n",
);

const text = (browser, sel) => browser.$(sel).getText();
const attr = (browser, sel, name) => browser.$(sel).getAttribute(name);
const lang = (browser) => browser.execute(() => document.documentElement.lang);
const toasts = (browser) => browser.execute(() => [...document.querySelectorAll("#toasts .toast")].map((t) => t.textContent));
const savedLanguage = () => JSON.parse(readFileSync(path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"), "utf8")).language;

async function start(env) {
  const app = await launch(env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
  return app;
}

async function openMenu(browser, item) {
  await browser.$("#menu-btn").click();
  await browser.$(`#${item}`).waitForDisplayed();
  await browser.$(`#${item}`).click();
  await browser.$("#modal[open]").waitForExist();
}

const closeDialog = async (browser) => {
  await browser.keys(["Escape"]);
  await waitFor(async () => !(await browser.$("#modal[open]").isExisting()), "the dialog closed");
};

/** Opens Import, chooses `file` and asks for the preview; returns the import button's text. */
async function previewImport(browser, file, want) {
  await openMenu(browser, "menu-import");
  assert.equal(await text(browser, "#modal-title"), "Konten importieren");
  assert.equal(await text(browser, "#import-go"), "Vorschau");
  await browser.$("#import-files").addValue(file);
  await browser.$("#import-go").click();
  return waitFor(async () => ((await text(browser, "#import-go")) === want ? want : null), want);
}

test("German UI with LANG=de_DE.UTF-8: header, first run, Add, Import with plurals, the shell's words", async () => {
  colorScheme("default");
  const { browser, close } = await start(GERMAN);
  try {
    assert.equal(await lang(browser), "de");
    // Hidden until it had its language, then shown.
    assert.equal(await browser.execute(() => getComputedStyle(document.body).visibility), "visible");
    // The header.
    assert.equal(await text(browser, "#add"), "+ Hinzufügen");
    assert.equal(await attr(browser, "#add", "title"), "Konto hinzufügen (Strg+N)");
    assert.equal(await attr(browser, "#menu-btn", "aria-label"), "Mehr: Import, Export, Einstellungen");
    // The first run.
    assert.equal(await text(browser, "#empty-title"), "Noch keine Konten");
    assert.equal(await text(browser, "#first-import"), "Aus einer anderen App importieren …");
    assert.equal(await text(browser, "#first-scan"), "Bildschirm scannen");
    await screenshot(browser, "40-de-first-run");

    // The Add dialog.
    await browser.$("#first-manual").click();
    await browser.$("#modal[open]").waitForExist();
    assert.equal(await text(browser, "#modal-title"), "Konto hinzufügen");
    assert.deepEqual(
      await browser.execute(() => [...document.querySelectorAll("#modal .tab")].map((t) => t.textContent)),
      ["Scannen", "Link", "Manuell"],
    );
    assert.equal(await browser.execute(() => document.querySelector("label[for='m-issuer'] span").textContent), "Dienst");
    await browser.$("#m-issuer").setValue("GitHub");
    await browser.$("#m-label").setValue("ada@example.com");
    await browser.$("#m-secret").setValue("JBSW Y3DP EHPK 3PXP");
    await waitFor(async () => (await text(browser, "#m-preview")).startsWith("Aktueller Code: "), "the preview in German");
    await screenshot(browser, "41-de-add-manual");
    await closeDialog(browser);

    // Import: one account, then two (the plural forms).
    assert.equal(await previewImport(browser, ONE, "1 Konto importieren"), "1 Konto importieren");
    assert.match(await text(browser, "#import-preview"), /one\.txt: .*, 1 Konto/);
    await closeDialog(browser);
    await previewImport(browser, TWO, "2 Konten importieren");
    assert.match(await text(browser, "#import-preview"), /two\.txt: .*, 2 Konten/);
    assert.match(await text(browser, "#import-preview"), /Neu \(2\)/);
    await screenshot(browser, "42-de-import-preview");
    await browser.$("#import-go").click();
    await waitFor(async () => (await toasts(browser)).includes("2 Konten importiert."), "the German plural in the toast");
    await waitFor(async () => (await rows(browser)).length === 2, "two rows");

    // Copying a code: the toast counts the seconds in German.
    await browser.$("#list .row").click();
    await waitFor(
      async () => (await toasts(browser)).includes("Code kopiert. Die Zwischenablage wird in 30 s geleert."),
      "the copy toast in German",
    );
    await screenshot(browser, "43-de-list");

    // A refusal worded by the shell (Rust) comes in German too.
    const refused = await invoke(browser, "lock");
    assert.match(refused.err ?? "", /^Lege zuerst eine Passphrase fest/);

    // The shortcuts sheet, once the messages above have gone.
    await waitFor(async () => (await toasts(browser)).length === 0, "no toast left", 15000);
    await openMenu(browser, "menu-shortcuts");
    assert.equal(await text(browser, "#modal-title"), "Tastenkürzel");
    assert.match(await text(browser, "#shortcuts"), /Strg\+N\s*Ein Konto hinzufügen/);
    await screenshot(browser, "44-de-shortcuts");
    await closeDialog(browser);
  } finally {
    await close();
  }
});

test("Settings: German from the desktop, English at once on Save, remembered; System goes back to German", async () => {
  const first = await start(GERMAN);
  try {
    const { browser } = first;
    await openMenu(browser, "menu-settings");
    assert.equal(await text(browser, "#modal-title"), "Einstellungen");
    assert.equal(await browser.$("#set-language").getValue(), "system");
    assert.equal(await browser.execute(() => document.querySelector("#set-language option[value='system']").textContent), "System (Deutsch)");
    assert.equal(await browser.execute(() => document.querySelector("label[for='set-language'] span").textContent), "Sprache");
    await screenshot(browser, "45-de-settings");
    await browser.$("#set-language").selectByAttribute("value", "en");
    await browser.$("//div[@id='modal-actions']/button[text()='Speichern']").click();
    // At once: the page, the list's own words and the message about the save.
    await waitFor(async () => (await lang(browser)) === "en", "English at once");
    assert.equal(await text(browser, "#add"), "+ Add");
    assert.equal(await attr(browser, "#menu-btn", "aria-label"), "More: import, export, settings");
    assert.equal(await attr(browser, "#search", "placeholder"), "Search (Ctrl+F)");
    await waitFor(async () => (await toasts(browser)).includes("Settings saved."), "the toast in English");
    assert.equal(savedLanguage(), "en");
    // The shell switched too.
    assert.match((await invoke(browser, "lock")).err ?? "", /^set a passphrase first/);
  } finally {
    await first.close();
  }

  // Remembered: the desktop still says German, the setting says English.
  const second = await start(GERMAN);
  try {
    const { browser } = second;
    assert.equal(await lang(browser), "en");
    assert.equal(await text(browser, "#add"), "+ Add");
    await openMenu(browser, "menu-settings");
    assert.equal(await browser.$("#set-language").getValue(), "en");
    assert.equal(await browser.execute(() => document.querySelector("#set-language option[value='system']").textContent), "System (Deutsch)");
    await browser.$("#set-language").selectByAttribute("value", "system");
    await browser.$("//div[@id='modal-actions']/button[text()='Save']").click();
    await waitFor(async () => (await lang(browser)) === "de", "German again at once");
    assert.equal(await text(browser, "#add"), "+ Hinzufügen");
    await waitFor(async () => (await toasts(browser)).includes("Einstellungen gespeichert."), "the toast in German");
    assert.equal(savedLanguage(), "system");
  } finally {
    await second.close();
  }
});

test("German, dark: the list, Add, Settings and the shortcuts", async () => {
  colorScheme("prefer-dark");
  const { browser, close } = await start(GERMAN);
  try {
    await waitFor(() => browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches), "dark");
    await waitFor(async () => (await rows(browser)).length === 2, "the rows");
    assert.equal(await lang(browser), "de");
    await screenshot(browser, "46-de-list-dark");
    await browser.$("#add").click();
    await browser.$("#modal[open]").waitForExist();
    await browser.$("#tab-manual").click();
    assert.equal(await text(browser, "#modal-title"), "Konto hinzufügen");
    await screenshot(browser, "47-de-add-manual-dark");
    await closeDialog(browser);
    await openMenu(browser, "menu-settings");
    assert.equal(await text(browser, "#modal-title"), "Einstellungen");
    await screenshot(browser, "48-de-settings-dark");
    await closeDialog(browser);
    await openMenu(browser, "menu-shortcuts");
    assert.equal(await text(browser, "#modal-title"), "Tastenkürzel");
    await screenshot(browser, "49-de-shortcuts-dark");
    await closeDialog(browser);
  } finally {
    await close();
    colorScheme("default");
  }
});

/** The German views (a11y.test.mjs runs the English ones): how to reach each, how to leave it. */
function germanViews(browser) {
  const menu = (item) => async () => {
    await browser.$("#menu-btn").click();
    await browser.$(`#${item}`).click();
  };
  const escape = () => browser.keys(["Escape"]);
  return [
    ["the list", async () => {}, async () => {}],
    ["a row's menu", () => browser.$(".row .row-menu").click(), escape],
    ["the app menu", () => browser.$("#menu-btn").click(), escape],
    ...["scan", "link", "manual"].map((tab) => [
      `the Add dialog, ${tab}`,
      async () => {
        await browser.$("#add").click();
        await browser.$(`#tab-${tab}`).click();
      },
      escape,
    ]),
    ["Import", menu("menu-import"), escape],
    ["Export", menu("menu-export"), escape],
    ["Settings", menu("menu-settings"), escape],
    ["the shortcuts", menu("menu-shortcuts"), escape],
    ["the server panel", () => browser.$("#server-btn").click(), () => browser.$("#srv-back").click()],
    ["an empty filter", () => browser.$("#search").setValue("nichts-passt"), () => browser.$("#no-match-clear").click()],
  ];
}

async function axeBothThemes(browser, views) {
  const found = [];
  for (const theme of ["default", "prefer-dark"]) {
    colorScheme(theme);
    const dark = theme !== "default";
    await waitFor(async () => (await browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches)) === dark, theme);
    for (const [name, open, close] of views) {
      await open();
      await browser.pause(150);
      for (const line of await axeViolations(browser)) found.push(`${theme}, ${name}: ${line}`);
      await close();
      await browser.pause(100);
    }
  }
  return found;
}

test("axe-core: no violation in the German views, light and dark", async () => {
  const found = [];
  const { browser, close } = await start(GERMAN);
  try {
    await waitFor(async () => (await rows(browser)).length === 2, "the rows");
    assert.equal(await lang(browser), "de");
    found.push(...(await axeBothThemes(browser, germanViews(browser))));
  } finally {
    await close();
  }
  const empty = freshVault();
  const first = await start({ ...empty.env, LANG: "de_DE.UTF-8" });
  try {
    await first.browser.$("#empty").waitForDisplayed({ timeout: 10000 });
    assert.equal(await text(first.browser, "#empty-title"), "Noch keine Konten");
    found.push(...(await axeBothThemes(first.browser, [["the first run", async () => {}, async () => {}]])));
  } finally {
    await first.close();
    colorScheme("default");
  }
  assert.deepEqual(found, []);
});

test("the lock screen in German, and the shell's refusal of a wrong passphrase", async () => {
  const locked = freshVault();
  const env = { ...locked.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Forgejo", "--label", "ada"], env);
  twofold(["vault", "passphrase", "set"], { ...env, TWOFOLD_NEW_PASSPHRASE: "correct horse battery" });
  const { browser, close } = await start({ ...env, LANG: "de_DE.UTF-8" });
  try {
    await browser.$("#lock").waitForDisplayed({ timeout: 10000 });
    assert.equal(await text(browser, "#lock-title"), "Twofold ist gesperrt");
    assert.equal(await text(browser, "#lock-message"), "Gib deine Passphrase ein, um Twofold zu entsperren.");
    assert.equal(await attr(browser, "#lock-passphrase", "placeholder"), "Passphrase");
    assert.equal(await text(browser, "#unlock-btn"), "Entsperren");
    await browser.$("#lock-passphrase").setValue("not the passphrase");
    await browser.$("#unlock-btn").click();
    await waitFor(async () => (await text(browser, "#lock-message")) === "Falsche Passphrase für diesen Tresor.", "the refusal in German");
    await screenshot(browser, "50-de-locked");
    await browser.$("#lock-passphrase").setValue("correct horse battery");
    await browser.$("#unlock-btn").click();
    await waitFor(async () => (await rows(browser)).length === 1, "unlocked");
    assert.equal(await text(browser, "#lock-btn"), "Sperren");
  } finally {
    await close();
  }
});

test("the tray menu speaks the window's language, and changes with it", async () => {
  const { browser, close } = await start(GERMAN);
  const labels = (tray) => trayItems(tray).map((i) => i.label);
  try {
    const german = ["Hefte Konten an, um ihre Codes hier zu sehen", "Twofold anzeigen", "Beenden"];
    const tray = await waitFor(() => findTray(), "the tray menu on the session bus");
    await waitFor(() => JSON.stringify(labels(tray)) === JSON.stringify(german), "the German tray menu");
    await openMenu(browser, "menu-settings");
    await browser.$("#set-language").selectByAttribute("value", "en");
    await browser.$("//div[@id='modal-actions']/button[text()='Speichern']").click();
    const english = ["Pin accounts to see their codes here", "Show Twofold", "Quit"];
    await waitFor(() => JSON.stringify(labels(findTray() ?? tray)) === JSON.stringify(english), "the tray menu in English");
    // Back to the desktop's language.
    await openMenu(browser, "menu-settings");
    await browser.$("#set-language").selectByAttribute("value", "system");
    await browser.$("//div[@id='modal-actions']/button[text()='Save']").click();
    await waitFor(() => JSON.stringify(labels(findTray() ?? tray)) === JSON.stringify(german), "German again");
  } finally {
    await close();
  }
});

test("dates in the German form: the last automatic backup in Settings", async () => {
  const fresh = freshVault();
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Forgejo", "--label", "ada"], fresh.env);
  const dir = path.join(fresh.dir, "backups");
  const { browser, close } = await start({ ...fresh.env, LANG: "de_DE.UTF-8" });
  try {
    await openMenu(browser, "menu-settings");
    await browser.$("#set-backup").click();
    await browser.$("#set-backup-dir").waitForDisplayed();
    await browser.$("#set-backup-dir").setValue(dir);
    await browser.$("#set-backup-password").setValue("backup pass 1");
    await browser.$("#set-backup-password2").setValue("backup pass 1");
    await browser.$("//div[@id='modal-actions']/button[text()='Speichern']").click();
    await waitFor(
      async () => (await toasts(browser)).includes("Einstellungen gespeichert; die erste Sicherung wird geschrieben."),
      "the toast in German",
    );
    const written = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".twofoldbackup")) : []);
    await waitFor(() => written().length === 1, "the first backup", 20000);
    await openMenu(browser, "menu-settings");
    // de-DE's medium date and short time (Intl in the page, for the chosen language).
    const today = new Intl.DateTimeFormat("de-DE", { dateStyle: "medium" }).format(new Date());
    const status = await waitFor(async () => {
      const t = await text(browser, "#backup-status");
      return t.startsWith("Letzte Sicherung: ") ? t : null;
    }, "the last backup in German");
    assert.match(status, /^Letzte Sicherung: \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} – \//);
    assert.ok(status.includes(today), `${status} names today as ${today}`);
    assert.ok(status.endsWith(written()[0]), status);
    await closeDialog(browser);
  } finally {
    await close();
  }
});
