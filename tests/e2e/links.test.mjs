// otpauth:// links: the desktop entry hands a clicked link to the app as an argument. A second
// start while the app runs hands the link to the running instance (single instance) and exits;
// the running app asks before adding. A link the app is started with is asked about at start.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, test } from "node:test";
import { appBinary, launch, screenshot } from "./driver.mjs";
import { freshVault, rows, twofold, waitFor } from "./helpers.mjs";

const LINK = "otpauth://totp/Linked%20Co:bob@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Linked%20Co";

let app;
after(async () => {
  await app?.close();
});

function secondStart(env, ...args) {
  return new Promise((resolve, reject) => {
    const p = spawn(appBinary, args, { env: { ...process.env, ...env }, stdio: "ignore" });
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error("the second start did not exit: it opened a window of its own"));
    }, 15000);
    p.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test("a link opened while the app runs goes to the running app, which asks before adding", async () => {
  const v = freshVault();
  app = await launch(v.env);
  const browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  assert.equal(await secondStart(v.env, LINK), 0, "the second start exits at once");
  await browser.$("#modal[open]").waitForExist({ timeout: 10000 });
  const body = await browser.execute(() => document.querySelector("#modal-body").textContent);
  assert.match(body, /Linked Co/);
  assert.match(body, /A link opened outside Twofold asks to add this/, "the dialog says where the account comes from");
  assert.equal(await browser.$("#modal-title").getText(), "Add this account from a link?");
  assert.deepEqual(await rows(browser), [], "nothing is added before the user says so");
  await screenshot(browser, "13-link-confirm");
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  const r = await waitFor(async () => (await rows(browser)).find((x) => x.issuer === "Linked Co"), "the linked account");
  assert.equal(r.label, "bob@example.com");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, 1);
  await app.close();
  app = null;
});

test("a link the app is started with is asked about at start", async () => {
  const v = freshVault();
  app = await launch(v.env, [LINK]);
  const browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  await browser.$("#modal[open]").waitForExist({ timeout: 10000 });
  const body = await browser.execute(() => document.querySelector("#modal-body").textContent);
  assert.match(body, /Linked Co/);
  assert.deepEqual(await rows(browser), [], "nothing is added before the user says so");
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await waitFor(async () => (await rows(browser)).find((x) => x.issuer === "Linked Co"), "the linked account");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, 1);
});
