// The passphrase from the window (Settings), not only from the CLI: without one, Ctrl+L says
// where to set it; set (at least 8 characters, typed twice), it opens the vault for the CLI
// too and Ctrl+L locks; changed, only with the current one; removed, only with the current
// one, and the keyring stays the way in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, rows, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
const FIRST = "correct horse battery";
const SECOND = "staple of the vault";
let app;
let browser;

before(async () => {
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Pass Co", "--label", "me@example.com"], env);
  app = await launch(env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

const slots = () => JSON.parse(twofold(["vault", "info", "--json"], env)).slots.map((s) => s.type).sort();
const opensWith = (passphrase) => {
  try {
    return twofold(["list"], { ...env, TWOFOLD_PASSPHRASE: passphrase }).includes("me@example.com");
  } catch {
    return false;
  }
};
const error = () => browser.$("#settings-error").getText();

async function settings() {
  await browser.$("#menu-btn").click();
  await browser.$("//div[@id='app-menu']/button[starts-with(text(),'Settings')]").click();
  await browser.$("#settings-form").waitForDisplayed({ timeout: 5000 });
}
const save = () => browser.$("//div[@id='modal-actions']/button[text()='Save']").click();

/** Ctrl+L with no passphrase: a toast says where to set one, and nothing locks. */
async function cannotLock() {
  await browser.$("#search").click();
  await browser.execute(() => document.getElementById("toasts").replaceChildren());
  await browser.keys(["Control", "l"]);
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("Set a passphrase first"), "the toast");
  assert.equal(await browser.$("#lock").isDisplayed(), false);
}

test("without a passphrase, Ctrl+L says where to set one", async () => {
  await rowsShown();
  await cannotLock();
});

async function rowsShown() {
  await waitFor(async () => (await rows(browser)).some((r) => r.issuer === "Pass Co"), "the account");
}

test("set in Settings: too short and mismatched are refused; then it opens the vault and Ctrl+L locks", async () => {
  await settings();
  await browser.$("#set-pass").click();
  assert.equal(await browser.$("#set-pass-current").isDisplayed(), false, "no current passphrase to ask for");
  await browser.$("#set-pass-new").setValue("short");
  await browser.$("#set-pass-again").setValue("short");
  await save();
  await waitFor(async () => /at least 8/.test(await error()), "too short");
  await browser.$("#set-pass-new").setValue(FIRST);
  await browser.$("#set-pass-again").setValue(`${FIRST}!`);
  await save();
  await waitFor(async () => /differ/.test(await error()), "mismatch");
  assert.deepEqual(slots(), ["keyring"], "nothing set yet");
  await browser.$("#set-pass-again").setValue(FIRST);
  await screenshot(browser, "18-passphrase");
  await save();
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("The passphrase is set"), "the toast");
  assert.deepEqual(slots(), ["keyring", "passphrase"]);
  assert.ok(opensWith(FIRST), "the passphrase opens the vault for the CLI");
  await browser.$("#search").click();
  await browser.keys(["Control", "l"]);
  await browser.$("#lock").waitForDisplayed({ timeout: 5000 });
  await browser.$("#lock-passphrase").setValue(FIRST);
  await browser.keys(["Enter"]);
  await rowsShown();
});

test("changed only with the current passphrase", async () => {
  await settings();
  assert.equal(await browser.$("#set-pass").isSelected(), true);
  await browser.$("#set-pass-current").setValue("not the passphrase");
  await browser.$("#set-pass-new").setValue(SECOND);
  await browser.$("#set-pass-again").setValue(SECOND);
  await save();
  await waitFor(async () => /current passphrase is wrong/.test(await error()), "refused");
  assert.ok(opensWith(FIRST) && !opensWith(SECOND), "unchanged");
  await browser.$("#set-pass-current").setValue(FIRST);
  await save();
  await waitFor(async () => !(await browser.$("#modal").isDisplayed()), "saved");
  assert.ok(opensWith(SECOND) && !opensWith(FIRST), "the new passphrase, and only it");
});

test("removed only with the current passphrase; the keyring stays the way in", async () => {
  await settings();
  await browser.$("#set-pass").click();
  assert.equal(await browser.$("#set-pass-new").isDisplayed(), false);
  await save();
  await waitFor(async () => /current passphrase to remove/.test(await error()), "asked for");
  await browser.$("#set-pass-current").setValue(SECOND);
  await save();
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("The passphrase is removed"), "the toast");
  assert.deepEqual(slots(), ["keyring"]);
  assert.ok(twofold(["list"], env).includes("me@example.com"), "the keyring still opens it");
  await cannotLock();
});
