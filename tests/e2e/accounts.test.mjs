// The code list end to end: add by pasted link, by image file and by hand (with validation),
// codes equal `twofold code`, the countdown moves, copy puts the code on the X clipboard, marked
// to be kept out of clipboard history, and clears it, search, tags, edit, delete and undo.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, root, screenshot } from "./driver.mjs";
import { clipboard, freshVault, rows, setClipboard, sleep, twofold, waitFor } from "./helpers.mjs";

const ACME = "otpauth://totp/ACME%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co";
const IMAGE = path.join(root, "tests", "e2e", "fixtures", "qr-clean.png");
const IMAGE_URI =
  "otpauth://totp/Hetzner%3AJane%20Doe?secret=GOR3LKJTJR2FWWDNC4FGJLQZ2QHAHUOAUZNF6OP33KPTNYGY2NMR&digits=6&algorithm=SHA256&issuer=Hetzner";

let app;
let browser;
const v = freshVault();

before(async () => {
  mkdirSync(v.env.TWOFOLD_CONFIG_DIR, { recursive: true });
  // A short clipboard delay so the test can watch it clear.
  writeFileSync(
    path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"),
    JSON.stringify({ clipboard_clear_seconds: 3, idle_lock_seconds: 0, sort: "manual" }),
  );
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

async function rowFor(issuer) {
  return waitFor(async () => (await rows(browser)).find((r) => r.issuer === issuer), `a row for ${issuer}`);
}

/** The code a row shows, read when at least 3 s are left so the CLI sees the same step. */
async function stableCode(issuer) {
  for (;;) {
    const r = await rowFor(issuer);
    if (r.code && !r.code.includes("•") && (Number.isNaN(r.left) || r.left >= 3)) return r;
    await sleep(500);
  }
}

test("empty state first", async () => {
  assert.ok(await browser.$("#empty").isDisplayed());
  assert.deepEqual(await rows(browser), []);
});

test("paste an otpauth link with Ctrl+V", async () => {
  setClipboard(ACME);
  await sleep(300);
  await browser.$("#main").click();
  await browser.keys(["Control", "v"]);
  const r = await rowFor("ACME Co");
  assert.equal(r.label, "alice@example.com");
  assert.ok(!(await browser.$("#empty").isDisplayed()));
});

test("the shown code is the code twofold computes, and the countdown moves", async () => {
  const r = await stableCode("ACME Co");
  const now = Math.floor(Date.now() / 1000);
  assert.equal(r.code, twofold(["code", "--uri", ACME, "--at", String(now)]));
  assert.match(r.code, /^\d{6}$/);
  const shown = await browser.execute(
    (id) => document.querySelector(`[data-id="${id}"] .code`).textContent,
    r.id,
  );
  assert.match(shown, /^\d{3} \d{3}$/, "codes are grouped for reading");
  const first = r.left;
  await sleep(2200);
  const later = (await rowFor("ACME Co")).left;
  assert.notEqual(later, first, "the countdown changes");
  // The vault the app wrote is the one the CLI reads.
  const listed = JSON.parse(twofold(["list", "--json"], v.env));
  assert.equal(listed.length, 1);
  assert.equal(listed[0].issuer, "ACME Co");
  await screenshot(browser, "02-list");
});

test("add from an image file", async () => {
  await browser.$("#add").click();
  await browser.$("#tab-scan").click();
  await browser.$("#add-file").addValue(IMAGE);
  const r = await rowFor("Hetzner");
  assert.equal(r.label, "Jane Doe");
  const good = await stableCode("Hetzner");
  assert.equal(
    good.code,
    twofold(["code", "--uri", IMAGE_URI, "--at", String(Math.floor(Date.now() / 1000))]),
  );
});

test("add by hand, with live validation", async () => {
  await browser.$("#add").click();
  await browser.$("#tab-manual").click();
  await browser.$("#m-issuer").setValue("Manual Inc");
  await browser.$("#m-label").setValue("qa@example.com");
  await browser.$("#m-secret").setValue("ABC1 DEF8");
  await waitFor(async () => (await browser.$("#m-secret-error").getText()).includes("Base32"), "base32 error");
  await browser.$("#m-digits").setValue("4");
  await waitFor(async () => (await browser.$("#m-digits-error").getText()).includes("6 and 10"), "digits error");
  await screenshot(browser, "03-manual-validation");
  await browser.$("#m-secret").setValue("GEZDGNBVGY3TQOJQ");
  await browser.$("#m-digits").setValue("8");
  await waitFor(async () => /Code now: \d{4} \d{4}/.test(await browser.$("#m-preview").getText()), "preview");
  await browser.$("#m-tags").setValue("qa:staging");
  await browser.$("button[type='submit'][form='add-manual-form']").click();
  const r = await stableCode("Manual Inc");
  assert.match(r.code, /^\d{8}$/);
  assert.deepEqual(r.tags, ["qa:staging"]);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(
    r.code,
    twofold(["code", "--secret", "GEZDGNBVGY3TQOJQ", "--digits", "8", "--at", String(now)]),
  );
});

test("click copies the code; the clipboard clears after the delay", async () => {
  const r = await stableCode("ACME Co");
  await browser.$(`[data-id="${r.id}"] .names`).click();
  // The clipboard may still hold what an earlier test pasted: wait for a code.
  const copied = await waitFor(() => {
    const c = clipboard().trim();
    return /^\d{6}$/.test(c) ? c : null;
  }, "the clipboard to hold the code");
  const now = Math.floor(Date.now() / 1000);
  assert.equal(copied, twofold(["code", "--uri", ACME, "--at", String(now)]));
  // Marked for clipboard managers to keep out of their history (KDE's hint, which Klipper and
  // most Linux clipboard managers honour).
  const xclip = (...a) => execFileSync("xclip", ["-o", "-selection", "clipboard", ...a], { encoding: "utf8", timeout: 3000 });
  assert.ok(xclip("-t", "TARGETS").split("\n").includes("x-kde-passwordManagerHint"), "the sensitive mark is offered");
  assert.equal(xclip("-t", "x-kde-passwordManagerHint"), "secret");
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("clears in 3 s"), "toast");
  await waitFor(() => clipboard().trim() === "", "the clipboard to be cleared", 8000);
});

test("search and tag filter", async () => {
  await browser.keys(["Control", "f"]);
  await browser.$("#search").setValue("hetz");
  await waitFor(async () => (await rows(browser)).length === 1, "one match");
  assert.equal((await rows(browser))[0].issuer, "Hetzner");
  // A tag's text, in another case: the window shows what the vault's rule gives the CLI.
  await browser.$("#search").setValue("STAGING");
  await waitFor(async () => (await rows(browser)).length === 1, "one match on a tag");
  const cli = JSON.parse(twofold(["list", "--json", "--search", "STAGING"], v.env));
  assert.deepEqual((await rows(browser)).map((r) => r.id), cli.map((a) => a.id));
  assert.equal(cli[0].issuer, "Manual Inc");
  await browser.$("#search").clearValue();
  await browser.$("#search").addValue(" ");
  await browser.keys(["Backspace"]);
  await waitFor(async () => (await rows(browser)).length === 3, "all rows back");
  const chip = await browser.$("//nav[@id='tags']//button[text()='qa:staging']");
  await chip.click();
  await waitFor(async () => (await rows(browser)).length === 1, "tag filter");
  assert.equal((await rows(browser))[0].issuer, "Manual Inc");
  await screenshot(browser, "04-tag-filter");
  await browser.$("//nav[@id='tags']//button[text()='All']").click();
  await waitFor(async () => (await rows(browser)).length === 3, "all rows");
});

test("edit issuer, label and tags", async () => {
  const r = await rowFor("Hetzner");
  await browser.$(`[data-id="${r.id}"] .row-menu`).click();
  await browser.$("//div[@id='row-menu']/button[text()='Edit…']").click();
  await browser.$("#edit-issuer").setValue("Hetzner Cloud");
  await browser.$("#edit-tags").setValue("personal, work");
  await browser.$("//div[@id='modal-actions']/button[text()='Save']").click();
  const edited = await rowFor("Hetzner Cloud");
  assert.deepEqual(edited.tags, ["personal", "work"]);
  const listed = JSON.parse(twofold(["list", "--json"], v.env));
  assert.ok(listed.some((a) => a.issuer === "Hetzner Cloud" && a.tags.includes("work")));
});

test("delete, then undo", async () => {
  const r = await rowFor("ACME Co");
  await browser.execute((id) => document.querySelector(`[data-id="${id}"]`).focus(), r.id);
  await browser.keys(["Delete"]);
  await waitFor(async () => !(await rows(browser)).some((x) => x.issuer === "ACME Co"), "row removed");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, 2);
  await browser.$("//button[@class='toast-action' and text()='Undo']").click();
  await rowFor("ACME Co");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, 3);
});

test("add by typing a link in the Add dialog; a bad one is refused with a reason", async () => {
  await browser.$("#add").click();
  await browser.$("#tab-link").click();
  const submit = browser.$("button[type='submit'][form='add-link-form']");
  assert.ok(await submit.isDisplayed(), "the Link tab's Add button is in the action row");
  assert.equal(await browser.$("button[type='submit'][form='add-manual-form']").isDisplayed(), false);
  await browser.$("#add-uri").setValue("otpauth://totp/Typed:bob@example.com?secret=NOT-BASE32!&issuer=Typed");
  await submit.click();
  await waitFor(async () => /base32/i.test(await browser.$("#add-uri-error").getText()), "the link's error");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, 3, "nothing added");
  await browser.$("#add-uri").setValue("otpauth://totp/Typed:bob@example.com?secret=KRSXG5CTMVRXEZLU&issuer=Typed");
  await browser.keys(["Enter"]);
  const r = await stableCode("Typed");
  assert.equal(r.label, "bob@example.com");
  assert.equal(await browser.$("#modal").isDisplayed(), false, "the dialog closed");
});
