// What a scan or a link finds stays in Rust: the page gets an opaque handle and the names
// (issuer, account, kind, duplicates), adds by handle, and never sees the URI or its secret
// (issue #15, item 7). Checked where the page would see it: each command's answer, called
// through the web view's IPC exactly as the page calls it, and the DOM of the dialogs. A lock
// forgets what was waiting.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { appBinary, launch, root } from "./driver.mjs";
import { freshVault, invoke, rows, sleep, twofold, waitFor } from "./helpers.mjs";

const PASS = "intake test passphrase";
const OPENED_SECRET = "KRSXG5CTMVRXEZLU";
const OPENED = `otpauth://totp/Opened%20Co:ann@example.com?secret=${OPENED_SECRET}&issuer=Opened%20Co`;
const LINKED_SECRET = "MFRGGZDFMZTWQ2LK";
const LINKED = `otpauth://totp/Linked%20Co:bob@example.com?secret=${LINKED_SECRET}&issuer=Linked%20Co`;
const PASTED_SECRET = "ONSWG4TFOQYTEMZU";
const PASTED = `otpauth://totp/Pasted%20Co:cy@example.com?secret=${PASTED_SECRET}&issuer=Pasted%20Co`;
const IMAGE = path.join(root, "tests", "e2e", "fixtures", "qr-clean.png");
const IMAGE_SECRET = "GOR3LKJTJR2FWWDNC4FGJLQZ2QHAHUOAUZNF6OP33KPTNYGY2NMR";
const IMAGE_URI = `otpauth://totp/Hetzner%3AJane%20Doe?secret=${IMAGE_SECRET}&digits=6&algorithm=SHA256&issuer=Hetzner`;
const SECRETS = [OPENED_SECRET, LINKED_SECRET, PASTED_SECRET, IMAGE_SECRET];

const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;
let browser;

before(async () => {
  twofold(["add", "--uri", "otpauth://totp/Existing:me@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Existing"], env);
  twofold(["vault", "passphrase", "set"], { ...env, TWOFOLD_NEW_PASSPHRASE: PASS });
  // Opened with a link, as the desktop entry does for a clicked otpauth:// link: it starts locked.
  app = await launch(v.env, [OPENED]);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

/** Fails if `what` (an answer, the DOM) holds a secret, or a URI that carries one. */
function assertNoSecret(what, where) {
  const text = typeof what === "string" ? what : JSON.stringify(what);
  for (const s of SECRETS) assert.ok(!text.toUpperCase().includes(s), `${where} holds a secret: ${text.slice(0, 400)}`);
  assert.ok(!/secret=/i.test(text), `${where} holds a URI: ${text.slice(0, 400)}`);
}

function assertFound(found, issuer, label) {
  assert.equal(found.accounts.length, 1, JSON.stringify(found));
  assert.equal(found.accounts[0].issuer, issuer);
  assert.equal(found.accounts[0].label, label);
  assert.match(found.handle, /^[0-9a-f]{32}$/, "an opaque handle to add it by");
}

async function unlock() {
  await browser.$("#lock-passphrase").setValue(PASS);
  await browser.keys(["Enter"]);
  await waitFor(async () => (await rows(browser)).some((r) => r.issuer === "Existing"), "unlocked");
}

/** The account `issuer` is in the vault with the secret of `uri`: their codes agree. */
function assertSameSecret(issuer, uri) {
  const a = JSON.parse(twofold(["list", "--json"], env)).find((x) => x.issuer === issuer);
  assert.ok(a, `${issuer} in the vault`);
  const at = String(Math.floor(Date.now() / 1000));
  assert.equal(twofold(["code", a.id, "--at", at], env), twofold(["code", "--uri", uri, "--at", at]));
}

const domHTML = () => browser.execute(() => document.documentElement.outerHTML);

test("a link the app was opened with reaches the page as names and a handle", async () => {
  const r = await invoke(browser, "pending_links");
  assert.ok(r.ok, r.err);
  assertNoSecret(r.ok, "pending_links' answer");
  assert.equal(r.ok.length, 1);
  assertFound(r.ok[0], "Opened Co", "ann@example.com");
  await unlock();
  const added = await invoke(browser, "add_found", { handles: [r.ok[0].handle], tags: [] });
  assert.ok(added.ok, added.err);
  assertNoSecret(added.ok, "add_found's answer");
  assert.equal(added.ok.added.length, 1);
  assertSameSecret("Opened Co", OPENED);
  // Added, the handle is spent.
  const again = await invoke(browser, "add_found", { handles: [r.ok[0].handle], tags: [] });
  assert.match(again.err ?? "", /no longer waiting/);
});

test("an image's QR code reaches the page as names and a handle, and is added by it", async () => {
  const bytes = [...readFileSync(IMAGE)];
  const r = await invoke(browser, "scan_image", { bytes });
  assert.ok(r.ok, r.err);
  assertNoSecret(r.ok, "scan_image's answer");
  assert.equal(r.ok.length, 1);
  assertFound(r.ok[0], "Hetzner", "Jane Doe");
  assert.equal(r.ok[0].accounts[0].duplicate, "none");
  const added = await invoke(browser, "add_found", { handles: [r.ok[0].handle], tags: ["scanned"] });
  assert.ok(added.ok, added.err);
  assertSameSecret("Hetzner", IMAGE_URI);
  // Scanned again: named as the account Twofold has, still without its secret.
  const dup = await invoke(browser, "scan_image", { bytes });
  assertNoSecret(dup.ok, "scan_image's answer");
  assert.equal(dup.ok[0].accounts[0].duplicate, "same");
});

test("Scan screen: names and a handle", async () => {
  const viewer = spawn("display", ["-geometry", "+690+40", "-title", "qr-viewer", IMAGE], { stdio: "ignore" });
  try {
    await sleep(1500);
    const r = await invoke(browser, "scan_screen");
    assert.ok(r.ok, r.err);
    assertNoSecret(r.ok, "scan_screen's answer");
    assert.ok(r.ok.some((f) => f.accounts.some((a) => a.issuer === "Hetzner")), JSON.stringify(r.ok));
  } finally {
    viewer.kill();
  }
});

test("a link opened while the app runs: the dialog names it, the page holds no secret", async () => {
  const p = spawn(appBinary, [LINKED], { env: { ...process.env, ...v.env }, stdio: "ignore" });
  await new Promise((resolve) => p.once("exit", resolve));
  await browser.$("#modal[open]").waitForExist({ timeout: 10000 });
  await waitFor(async () => (await browser.$("#modal-body").getText()).includes("Linked Co"), "the dialog");
  assertNoSecret(await domHTML(), "the DOM");
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await waitFor(async () => (await rows(browser)).some((r) => r.issuer === "Linked Co"), "the linked account");
  assertSameSecret("Linked Co", LINKED);
});

test("a pasted link: the answer names it and does not repeat its secret", async () => {
  const r = await invoke(browser, "intake_link", { uri: PASTED });
  assert.ok(r.ok, r.err);
  assertNoSecret(r.ok, "intake_link's answer");
  assertFound(r.ok, "Pasted Co", "cy@example.com");
  const added = await invoke(browser, "add_found", { handles: [r.ok.handle], tags: [] });
  assert.ok(added.ok, added.err);
  assertSameSecret("Pasted Co", PASTED);
});

test("a lock forgets what was waiting to be added", async () => {
  const r = await invoke(browser, "intake_link", { uri: PASTED.replace(/Pasted/g, "Waiting") });
  assert.ok(r.ok?.handle, r.err);
  await browser.$("#search").click();
  await browser.keys(["Control", "l"]);
  await waitFor(async () => browser.$("#lock").isDisplayed(), "the lock screen");
  await unlock();
  const added = await invoke(browser, "add_found", { handles: [r.ok.handle], tags: [] });
  assert.match(added.err ?? "", /no longer waiting/);
  assert.ok(!JSON.parse(twofold(["list", "--json"], env)).some((a) => a.issuer === "Waiting Co"));
});
