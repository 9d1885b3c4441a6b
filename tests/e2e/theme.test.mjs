// Light and dark, as the desktop says: the user's choice reaches the app the way GNOME and KDE
// publish it, through the real xdg-desktop-portal (with its GTK backend reading the GNOME
// setting from dconf) as org.freedesktop.appearance color-scheme: at start, and live when the
// user changes it. The page's colours follow (prefers-color-scheme).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
twofold(["add", "--uri", "otpauth://totp/Nightly:night@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Nightly"], v.env);

function colorScheme(value) {
  execFileSync("gsettings", ["set", "org.gnome.desktop.interface", "color-scheme", value]);
}

/** The portal's answer, so a failure says whether the desktop side or the app is wrong. */
function portalScheme() {
  return execFileSync(
    "gdbus",
    ["call", "--session", "--timeout", "20", "--dest", "org.freedesktop.portal.Desktop",
      "--object-path", "/org/freedesktop/portal/desktop",
      "--method", "org.freedesktop.portal.Settings.Read", "org.freedesktop.appearance", "color-scheme"],
    { encoding: "utf8" },
  ).trim();
}

async function page(browser) {
  return browser.execute(() => ({
    dark: window.matchMedia("(prefers-color-scheme: dark)").matches,
    background: window.getComputedStyle(document.documentElement).backgroundColor,
  }));
}

after(() => colorScheme("default"));

test("the app starts dark when the desktop prefers dark, and follows a change live", async () => {
  colorScheme("prefer-dark");
  assert.equal(portalScheme(), "(<<uint32 1>>,)", "the portal reports the dark preference");
  const { browser, close } = await launch(v.env);
  try {
    await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
    await waitFor(async () => (await page(browser)).dark, "the dark scheme at start");
    assert.equal((await page(browser)).background, "rgb(20, 22, 27)");
    await browser.$(".row .code").waitForExist({ timeout: 10000 });
    await screenshot(browser, "08-dark");

    colorScheme("prefer-light");
    await waitFor(async () => !(await page(browser)).dark, "the light scheme after the change");
    assert.equal((await page(browser)).background, "rgb(245, 246, 250)");

    colorScheme("prefer-dark");
    await waitFor(async () => (await page(browser)).dark, "the dark scheme again");
  } finally {
    await close();
  }
});
