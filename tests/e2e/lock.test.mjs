// Lock: with a passphrase slot the app starts locked, shows no name or code while locked,
// unlocks with the passphrase (a wrong one is refused), locks again on Ctrl+L, and locks
// itself after the idle time set in the settings (input holds it off).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, rows, sleep, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
const PASS = "correct horse battery staple";
let app;

before(async () => {
  const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
  twofold(
    ["add", "--uri", "otpauth://totp/Locked%20Bank:me@example.com?secret=JBSWY3DPEHPK3PXP"],
    env,
  );
  twofold(["vault", "passphrase", "set"], { ...env, TWOFOLD_NEW_PASSPHRASE: PASS });
  app = await launch(v.env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

async function domHasSecrets(browser) {
  const html = await browser.execute(() => document.documentElement.outerHTML);
  return html.includes("Locked Bank") || html.includes("me@example.com") || /\d{3} \d{3}/.test(html);
}

test("starts locked, with nothing in the DOM", async () => {
  const { browser } = app;
  assert.ok(await browser.$("#lock").isDisplayed());
  assert.equal(await domHasSecrets(browser), false);
  await screenshot(browser, "07-locked");
});

test("a wrong passphrase is refused; the right one unlocks", async () => {
  const { browser } = app;
  await browser.$("#lock-passphrase").setValue("nope");
  await browser.keys(["Enter"]);
  await waitFor(async () => /wrong passphrase/i.test(await browser.$("#lock-message").getText()), "refusal");
  assert.ok(await browser.$("#lock").isDisplayed());
  await browser.$("#lock-passphrase").setValue(PASS);
  await browser.keys(["Enter"]);
  const r = await waitFor(
    async () => (await rows(browser)).find((x) => x.issuer === "Locked Bank" && /^\d{6}$/.test(x.code)),
    "the account after unlocking",
  );
  assert.equal(r.label, "me@example.com");
});

test("Ctrl+L locks again and clears the DOM", async () => {
  const { browser } = app;
  await browser.$("#search").click();
  await browser.keys(["Control", "l"]);
  await waitFor(async () => browser.$("#lock").isDisplayed(), "the lock screen");
  assert.equal(await domHasSecrets(browser), false);
});

test("it locks itself after the idle time; input holds it off", async () => {
  await app.close();
  mkdirSync(v.env.TWOFOLD_CONFIG_DIR, { recursive: true });
  writeFileSync(
    path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"),
    JSON.stringify({ clipboard_clear_seconds: 30, idle_lock_seconds: 3, sort: "manual" }),
  );
  app = await launch(v.env);
  const { browser } = app;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#lock-passphrase").setValue(PASS);
  await browser.keys(["Enter"]);
  await waitFor(async () => (await rows(browser)).some((x) => x.issuer === "Locked Bank"), "unlocked");
  // Typing every second for 6 s, twice the idle time: still unlocked.
  await browser.$("#search").click();
  for (let i = 0; i < 6; i++) {
    await sleep(1000);
    await browser.keys(["Shift"]);
  }
  assert.equal(await browser.$("#lock").isDisplayed(), false, "input keeps it unlocked");
  // Then nothing (from the last key on): it locks after the idle time, within a tick or two,
  // and the DOM is cleared.
  const idleFrom = Date.now();
  await waitFor(async () => browser.$("#lock").isDisplayed(), "the idle lock", 8000);
  const waited = Date.now() - idleFrom;
  assert.ok(waited >= 2500, `locked after ${waited} ms of idleness, not before the 3 s`);
  assert.equal(await domHasSecrets(browser), false);
});
