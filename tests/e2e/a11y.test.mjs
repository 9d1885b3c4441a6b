// #19 point 7: axe-core finds no violation in any view of the app, light and dark (the desktop's
// colour scheme through the portal, as theme.test.mjs): the list, a row's menu, the app menu, the
// Add dialog's three tabs, Import, Export, Settings, the Edit dialog's icon picker, Import icon
// pack, the shortcuts, the server panel, an empty filter, the first run, and the lock screen.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { focusWindow, launch, screenshot } from "./driver.mjs";
import { axeViolations } from "./axe.mjs";
import { contrast, freshVault, gradientColours, rows, twofold, waitFor } from "./helpers.mjs";

const colorScheme = (value) => execFileSync("gsettings", ["set", "org.gnome.desktop.interface", "color-scheme", value]);
const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;
let browser;

before(async () => {
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "GitHub", "--label", "dev@example.com", "--tag", "work"], env);
  twofold(["add", "--secret", "GEZDGNBVGY3TQOJQ", "--issuer", "Bank", "--label", "me", "--kind", "hotp", "--counter", "0"], env);
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
});

after(async () => {
  colorScheme("default");
  await app?.close();
});

/** Each view: how to reach it, and how to leave it. */
const views = [
  ["the list", async () => {}, async () => {}],
  ["a row's menu", () => browser.$(".row .row-menu").click(), () => browser.keys(["Escape"])],
  ["the app menu", () => browser.$("#menu-btn").click(), () => browser.keys(["Escape"])],
  ...["scan", "link", "manual"].map((tab) => [
    `the Add dialog, ${tab}`,
    async () => {
      await browser.$("#add").click();
      await browser.$(`#tab-${tab}`).click();
    },
    () => browser.keys(["Escape"]),
  ]),
  ["Import", async () => { await browser.$("#menu-btn").click(); await browser.$("#menu-import").click(); }, () => browser.keys(["Escape"])],
  ["Export", async () => { await browser.$("#menu-btn").click(); await browser.$("#menu-export").click(); }, () => browser.keys(["Escape"])],
  ["Settings", async () => { await browser.$("#menu-btn").click(); await browser.$("#menu-settings").click(); }, () => browser.keys(["Escape"])],
  ["the Edit dialog's icon picker", async () => {
    await browser.$(".row .row-menu").click();
    await browser.$("//div[@id='row-menu']/button[text()='Edit…']").click();
    await browser.$(".icon-choice[data-choice='initial']").waitForDisplayed({ timeout: 5000 });
  }, () => browser.keys(["Escape"])],
  ["Import icon pack", async () => { await browser.$("#menu-btn").click(); await browser.$("#menu-icon-pack").click(); }, () => browser.keys(["Escape"])],
  ["the shortcuts", async () => { await browser.$("#menu-btn").click(); await browser.$("#menu-shortcuts").click(); }, () => browser.keys(["Escape"])],
  ["the server panel", () => browser.$("#server-btn").click(), () => browser.$("#srv-back").click()],
  ["grouped by tag", () => browser.$("#group-toggle").click(), () => browser.$("#group-toggle").click()],
  ["an empty filter", () => browser.$("#search").setValue("nothing-matches"), () => browser.$("#no-match-clear").click()],
];

/** Dark screenshots for docs/screenshots (the light ones come from the other tests). */
const DARK_SHOTS = { "the list": "25-list-dark", "the Add dialog, manual": "26-add-manual-dark", Settings: "27-settings-dark", "grouped by tag": "28-group-by-tag-dark", "the Edit dialog's icon picker": "32-icon-picker-dark" };

async function checkAll(theme) {
  const found = [];
  for (const [name, open, close] of views) {
    await open();
    await browser.pause(150);
    if (theme === "dark" && DARK_SHOTS[name]) await screenshot(browser, DARK_SHOTS[name]);
    for (const line of await axeViolations(browser)) found.push(`${theme}, ${name}: ${line}`);
    await close();
    await browser.pause(100);
  }
  return found;
}

test("axe-core: no violation in any view, light and dark", async () => {
  await waitFor(async () => (await rows(browser)).length === 2, "the rows");
  const found = [];
  colorScheme("default");
  await waitFor(async () => !(await browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches)), "light");
  found.push(...(await checkAll("light")));
  colorScheme("prefer-dark");
  await waitFor(() => browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches), "dark");
  found.push(...(await checkAll("dark")));
  assert.deepEqual(found, []);
});

/** Contrast of controls (WCAG 1.4.11, which axe-core does not check): a field's border and the
 *  countdown's track against what is behind them, at least 3:1. */
const controlContrast = async () => {
  const c = await browser.execute(() => {
    const row = document.querySelector(".row:not(.placeholder)");
    return {
      border: getComputedStyle(document.getElementById("search")).borderTopColor,
      page: getComputedStyle(document.documentElement).backgroundColor,
      ring: getComputedStyle(row.querySelector(".ring")).backgroundImage,
      row: getComputedStyle(row).backgroundColor,
    };
  });
  // The ring's track is its conic gradient's last colour, as computed.
  return { field: contrast(c.border, c.page), track: contrast(gradientColours(c.ring).at(-1), c.row) };
};

test("controls' borders and the countdown's track stand out 3:1, light and dark", async () => {
  for (const theme of ["default", "prefer-dark"]) {
    colorScheme(theme);
    await waitFor(async () => (await browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches)) === (theme !== "default"), theme);
    const c = await controlContrast();
    assert.ok(c.field >= 3, `${theme}: a field's border ${c.field.toFixed(2)}:1`);
    assert.ok(c.track >= 3, `${theme}: the ring's track ${c.track.toFixed(2)}:1`);
  }
});

/** axe-core in both themes on the page as it is; `what` names it in the findings. */
async function bothThemes(what) {
  const found = [];
  for (const theme of ["default", "prefer-dark"]) {
    colorScheme(theme);
    await waitFor(async () => (await browser.execute(() => window.matchMedia("(prefers-color-scheme: dark)").matches)) === (theme !== "default"), theme);
    for (const line of await axeViolations(browser)) found.push(`${theme}, ${what}: ${line}`);
  }
  return found;
}

test("axe-core: the first run and the lock screen, light and dark", async () => {
  await app.close();
  const empty = freshVault();
  app = await launch(empty.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#empty").waitForDisplayed({ timeout: 10000 });
  const found = await bothThemes("the first run");
  await screenshot(browser, "21-first-run-dark");
  await app.close();
  const locked = freshVault();
  const lockedEnv = { ...locked.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Locked", "--label", "l"], lockedEnv);
  twofold(["vault", "passphrase", "set"], { ...lockedEnv, TWOFOLD_NEW_PASSPHRASE: "correct horse battery" });
  app = await launch(locked.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#lock").waitForDisplayed({ timeout: 10000 });
  found.push(...(await bothThemes("the lock screen")));
  assert.deepEqual(found, []);
});
