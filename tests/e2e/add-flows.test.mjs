// Adding from an image that holds more than one account, as #6 asks: several codes found ->
// pick which to add; a Google Authenticator export (otpauth-migration://) -> its accounts
// previewed and imported together; a code already in Twofold -> said so, and not added twice.
// The images are from the QR corpus (crates/scan/tests/corpus), opened through "Open image…".
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, root, screenshot } from "./driver.mjs";
import { freshVault, rows, twofold, waitFor } from "./helpers.mjs";

const corpus = (name) => path.join(root, "crates", "scan", "tests", "corpus", "images", name);
const TWO_CODES = corpus("0122_multi.gif"); // OVHcloud john.doe+2fa@example.com, Łódź City alice@example.com
const MIGRATION = corpus("0005_clean.bmp"); // a Google Authenticator export of 3 accounts

const v = freshVault();
let app;
let browser;

before(async () => {
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

const listed = () => JSON.parse(twofold(["list", "--json"], v.env));
const modalText = () => browser.$("#modal").getText();

async function openImage(file) {
  await browser.$("#add").click();
  await browser.$("#tab-scan").click();
  await browser.$("#add-file").addValue(file);
  await browser.$(".picks").waitForDisplayed({ timeout: 10000 });
}

/** The pick dialog's entries: their checkbox and text. */
const picks = () =>
  browser.execute(() =>
    [...document.querySelectorAll(".picks > li")].map((li) => ({
      checked: li.querySelector("input")?.checked ?? null,
      id: li.querySelector("input")?.id ?? null,
      text: li.textContent,
    })),
  );

test("an image with two codes: both offered, only the one picked is added", async () => {
  await openImage(TWO_CODES);
  assert.equal(await browser.$("#modal-title").getText(), "Found 2 codes");
  const found = await picks();
  assert.equal(found.length, 2);
  assert.ok(found.every((p) => p.checked), "both picked to start with");
  const lodz = found.find((p) => p.text.includes("Łódź City"));
  assert.ok(found.some((p) => p.text.includes("OVHcloud") && p.text.includes("john.doe+2fa@example.com")));
  await browser.$(`#${lodz.id}`).click();
  await browser.$("//div[@id='modal-actions']/button[text()='Add selected']").click();
  await waitFor(async () => (await rows(browser)).some((r) => r.issuer === "OVHcloud"), "the picked account");
  const accounts = listed();
  assert.deepEqual(
    accounts.map((a) => [a.issuer, a.label, a.digits, a.period, a.algorithm]),
    [["OVHcloud", "john.doe+2fa@example.com", 8, 60, "SHA256"]],
  );
});

test("the same image again: the account already added is named and left unpicked", async () => {
  await openImage(TWO_CODES);
  const found = await picks();
  const ovh = found.find((p) => p.text.includes("OVHcloud"));
  assert.match(ovh.text, /already in Twofold/);
  assert.equal(ovh.checked, false, "a duplicate is not picked");
  assert.equal(found.find((p) => p.text.includes("Łódź City")).checked, true);
  await screenshot(browser, "16-pick");
  await browser.$("//div[@id='modal-actions']/button[text()='Add selected']").click();
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("Added 1 account."), "the toast");
  assert.deepEqual(listed().map((a) => a.issuer).sort(), ["OVHcloud", "Łódź City"], "nothing added twice");
});

test("a Google Authenticator export: its accounts previewed, then imported together with a tag", async () => {
  await openImage(MIGRATION);
  const text = await modalText();
  assert.match(text, /Google Authenticator export \(3 accounts\)/);
  for (const name of ["Jira Cloud", "alice@example.com", "Kraken", "zoë@example.com", "Discord", "ユーザー太郎"]) {
    assert.ok(text.includes(name), `${name} in the preview`);
  }
  await browser.$("#pick-tags").setValue("qa:migrated");
  await screenshot(browser, "17-migration");
  await browser.$("//div[@id='modal-actions']/button[text()='Add selected']").click();
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("Added 3 accounts."), "the toast");
  const migrated = listed().filter((a) => a.tags.includes("qa:migrated"));
  assert.deepEqual(
    migrated.map((a) => `${a.issuer}/${a.label}/${a.digits}`).sort(),
    ["Discord/ユーザー太郎/6", "Jira Cloud/alice@example.com/6", "Kraken/zoë@example.com/8"],
  );
  // The window's codes for them are the codes twofold computes.
  const kraken = await waitFor(async () => {
    const r = (await rows(browser)).find((x) => x.issuer === "Kraken");
    return r && r.left >= 3 ? r : null;
  }, "Kraken's row with time left", 35000);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(kraken.code, twofold(["code", migrated.find((a) => a.issuer === "Kraken").id, "--at", String(now)], v.env));
});
