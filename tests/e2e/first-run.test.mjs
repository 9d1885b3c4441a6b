// #19 points 2 and 9: the first run guides (Import, Scan screen, Open image, Enter a key, where
// each app keeps its export; no search or sort with nothing to search), the empty filter says
// how to clear it, the header offers only what works, and the details seen in the screenshots.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, rows, twofold, waitFor } from "./helpers.mjs";

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

const shown = (sel) => browser.$(sel).isDisplayed();
const modalButtons = () =>
  browser.execute(() => [...document.querySelectorAll("#modal-actions button")].filter((b) => !b.hidden).map((b) => b.textContent));

test("the first run shows the ways in, and no search or sort", async () => {
  assert.ok(await shown("#empty"));
  for (const id of ["first-import", "first-scan", "first-image", "first-manual"]) {
    assert.ok(await shown(`#${id}`), `#${id} is shown`);
  }
  assert.equal(await shown("#tools"), false, "no search or sort with no accounts");
  assert.equal(await shown("#lock-btn"), false, "no Lock without a passphrase");
  const places = await browser.execute(() => [...document.querySelectorAll("#export-places li")].map((li) => li.textContent));
  for (const app of ["Aegis", "2FAS", "Ente Auth", "Google Authenticator", "Bitwarden", "Proton", "andOTP", "FreeOTP+", "Stratum"]) {
    assert.ok(places.some((p) => p.startsWith(app)), `a line on where ${app} keeps its export`);
  }
  await screenshot(browser, "20-first-run");

  await browser.$("#first-import").click();
  await browser.$("#import-form").waitForDisplayed({ timeout: 5000 });
  assert.equal(await browser.$("#import-files").getAttribute("class"), "file", "the file input sits under a button");
  assert.ok((await browser.$("#import-form .file-btn").getText()).includes("Choose files"));
  await browser.keys(["Escape"]);

  await browser.$("#first-manual").click();
  await browser.$("#m-secret").waitForDisplayed({ timeout: 5000 });
  assert.deepEqual(await modalButtons(), ["Cancel", "Add account"], "Cancel, as in the other dialogs");
  await browser.$("#m-issuer").setValue("Firstrun");
  await browser.$("#m-label").setValue("me@example.com");
  await browser.$("#m-secret").setValue("JBSWY3DPEHPK3PXP");
  await browser.$("#m-tags").setValue("work");
  await browser.$("button[form='add-manual-form']").click();
  await waitFor(async () => (await rows(browser)).length === 1, "the account's row");
  assert.equal(await shown("#empty"), false);
  assert.ok(await shown("#tools"), "search and sort once there is an account");
});

test("a filter that matches nothing says how to clear it", async () => {
  await browser.$("#search").setValue("zzz-nothing");
  await browser.$("#no-match").waitForDisplayed({ timeout: 5000 });
  assert.match(await browser.$("#no-match-text").getText(), /zzz-nothing/);
  assert.match(await browser.$("#no-match-how").getText(), /Esc/);
  await browser.$("#no-match-clear").click();
  await waitFor(async () => (await rows(browser)).length === 1, "the rows back");
  assert.equal(await browser.$("#search").getValue(), "");
  assert.equal(await shown("#no-match"), false);
});

test("the details: sizes, side-by-side pairs, the whole export path, the passphrase first", async () => {
  const sizes = await browser.execute(() => {
    const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
    return { tag: px(".row .tag"), next: px(".row .next") };
  });
  assert.ok(sizes.tag >= 12, `tag pills at ${sizes.tag} px`);
  assert.ok(sizes.next >= 14, `the next code at ${sizes.next} px`);

  await browser.$("#menu-btn").click();
  await browser.$("#menu-export").click();
  await browser.$("#export-form").waitForDisplayed({ timeout: 5000 });
  await waitFor(async () => (await browser.$("#export-path").getValue()).endsWith(".twofoldbackup"), "a proposed path");
  const exp = await browser.execute(() => {
    const p = document.getElementById("export-path");
    const a = document.getElementById("export-password").getBoundingClientRect();
    const b = document.getElementById("export-password2").getBoundingClientRect();
    return { cut: p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight, sameLine: a.top === b.top && a.left < b.left };
  });
  assert.equal(exp.cut, false, "the export path is shown whole");
  assert.ok(exp.sameLine, "the password pair side by side");
  await browser.keys(["Escape"]);

  await browser.$("#menu-btn").click();
  await browser.$("#menu-settings").click();
  await browser.$("#settings-form").waitForDisplayed({ timeout: 5000 });
  const set = await browser.execute(() => {
    const top = (id) => document.getElementById(id).getBoundingClientRect().top;
    return { pass: top("set-pass"), idle: top("set-idle"), height: document.getElementById("modal").getBoundingClientRect().height, win: window.innerHeight };
  });
  assert.ok(set.pass < set.idle, "the passphrase comes before the idle lock that depends on it");
  assert.ok(set.height <= set.win - 24, `Settings fits the window (${set.height} of ${set.win} px)`);
  await browser.keys(["Escape"]);
});

test("a single account from a link is added by its button, with no checkbox", async () => {
  await app.close();
  const link = "otpauth://totp/Linked:one@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Linked";
  app = await launch(v.env, [link]);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#modal").waitForDisplayed({ timeout: 5000 });
  const boxes = await browser.execute(() => [...document.querySelectorAll("#modal .picks input[type=checkbox]")].filter((b) => b.offsetParent).length);
  assert.equal(boxes, 0);
  await browser.$("//div[@id='modal-actions']/button[text()='Add']").click();
  await waitFor(async () => (await rows(browser)).length === 2, "the linked account");
});

test("under the vault-error banner, Add and Lock are disabled", async () => {
  await app.close();
  const broken = freshVault();
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "X", "--label", "y"], broken.env);
  // No keyring service where the app looks for one: the vault cannot be opened.
  app = await launch({ ...broken.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${broken.dir}/no-bus` });
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#banner").waitForDisplayed({ timeout: 5000 });
  assert.equal(await browser.$("#add").isEnabled(), false, "no Add on a vault that did not open");
  assert.equal(await browser.$("#lock-btn").isEnabled(), false, "no Lock either");
  assert.equal(await shown("#tools"), false);
});
