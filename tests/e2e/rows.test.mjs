// What each row of the code list does, as #6 lists it: HOTP rows have a "Next code" button and
// no ring; in its last 5 seconds a TOTP row turns to the warning colour and shows the next code;
// Enter on a focused row copies; pin to top and the three sort orders; "Show QR code" and
// "Reveal secret" each ask first, and what they show is the account's own secret (the QR code
// on the screen scans back to it).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { clipboard, freshVault, gradientColours, rows, sleep, twofold, waitFor } from "./helpers.mjs";

// RFC 4226, appendix D: the secret "12345678901234567890" and its first HOTP values.
const RFC4226_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC4226 = ["755224", "287082", "359152"];
const FAST = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ"; // a 10-second TOTP account
const BRAVO = "JBSWY3DPEHPK3PXP";

const v = freshVault();
let app;
let browser;

before(async () => {
  mkdirSync(v.env.TWOFOLD_CONFIG_DIR, { recursive: true });
  writeFileSync(
    path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"),
    JSON.stringify({ clipboard_clear_seconds: 30, idle_lock_seconds: 0, sort: "manual" }),
  );
  twofold(["add", "--secret", RFC4226_SECRET, "--kind", "hotp", "--counter", "0", "--issuer", "Charlie HOTP", "--label", "rfc"], v.env);
  twofold(["add", "--secret", FAST, "--period", "10", "--issuer", "Alpha Fast", "--label", "ten@example.com"], v.env);
  twofold(["add", "--secret", BRAVO, "--issuer", "Bravo", "--label", "bravo@example.com"], v.env);
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

const order = async () => (await rows(browser)).map((r) => r.issuer);
const rowOf = async (issuer) =>
  waitFor(async () => (await rows(browser)).find((r) => r.issuer === issuer), `a row for ${issuer}`);
const sel = (id) => `[data-id="${id}"]`;

async function menu(issuer, item) {
  const r = await rowOf(issuer);
  await browser.$(`${sel(r.id)} .row-menu`).click();
  await browser.$(`//div[@id='row-menu']/button[text()='${item}']`).click();
}

test("a HOTP row has a Next code button instead of a ring; each press shows the next RFC 4226 code", async () => {
  const r = await rowOf("Charlie HOTP");
  assert.equal(await browser.$(`${sel(r.id)} .ring`).isExisting(), false, "no countdown ring");
  assert.equal(r.code, "••••••", "no code until asked for");
  const next = browser.$(`${sel(r.id)} .hotp-next`);
  for (const expected of RFC4226.slice(0, 2)) {
    await next.click();
    await waitFor(async () => (await rowOf("Charlie HOTP")).code === expected, `HOTP code ${expected}`);
  }
  const stored = JSON.parse(twofold(["list", "--json"], v.env)).find((a) => a.issuer === "Charlie HOTP");
  assert.equal(stored.counter, 2, "the counter moved on in the vault, once per press");
});

test("in its last 5 seconds a row turns to the warning colour and shows the next code", async () => {
  const r = await rowOf("Alpha Fast");
  const li = browser.$(sel(r.id));
  const colours = async () => {
    const c = await browser.execute((s) => {
      const el = document.querySelector(s);
      return {
        ring: getComputedStyle(el.querySelector(".ring")).backgroundImage,
        code: getComputedStyle(el.querySelector(".code")).color,
        // The seconds are drawn in the last five, and on a row under the pointer or the focus.
        secsDrawn: getComputedStyle(el.querySelector(".ring-secs")).display !== "none",
        pointed: el.matches(":hover, :focus-visible"),
      };
    }, sel(r.id));
    // The arc is the first colour of the ring's conic gradient (under the disc's radial one).
    return { ...c, bar: gradientColours(c.ring.slice(c.ring.indexOf("conic-gradient")))[0] };
  };
  await waitFor(async () => {
    const x = await rowOf("Alpha Fast");
    return x.left >= 7 && !(await li.getAttribute("class")).includes("expiring");
  }, "the calm part of the period", 15000);
  const calm = await colours();
  assert.equal(calm.secsDrawn, calm.pointed, "calm: the seconds drawn only on the row pointed at");
  assert.equal(await browser.$(`${sel(r.id)} .next`).getText(), "", "no next code yet");
  // Row state, next code and clock read together, with a second to spare before the step ends.
  const seen = await waitFor(
    () =>
      browser.execute((s) => {
        const el = document.querySelector(s);
        const left = Number(getComputedStyle(el.querySelector(".ring")).getPropertyValue("--secs"));
        const next = el.querySelector(".next").textContent.replace(/\s/g, "");
        const expiring = el.classList.contains("expiring");
        return expiring && left >= 2 && left <= 5 ? { left, next, now: Date.now() } : null;
      }, sel(r.id)),
    "the last 5 seconds",
    15000,
  );
  const warn = await colours();
  assert.notEqual(warn.bar, calm.bar, "the ring changes colour");
  assert.notEqual(warn.code, calm.code, "the code changes colour");
  assert.ok(warn.secsDrawn, "the last seconds are drawn in the ring");
  const at = Math.floor(seen.now / 1000) + 10;
  assert.equal(seen.next, twofold(["code", "--secret", FAST, "--period", "10", "--at", String(at)]));
  await screenshot(browser, "14-expiring");
});

test("Enter on the focused row copies its code", async () => {
  const r = await waitFor(async () => {
    const x = await rowOf("Bravo");
    return x.left >= 4 ? x : null;
  }, "a code with time left", 35000);
  await browser.execute((s) => document.querySelector(s).focus(), sel(r.id));
  await browser.keys(["Enter"]);
  const copied = await waitFor(() => (clipboard().trim() === r.code ? r.code : null), "the code on the clipboard");
  assert.equal(copied, twofold(["code", "--secret", BRAVO, "--at", String(Math.floor(Date.now() / 1000))]));
});

test("sort by name, pin to top, and recent use", async () => {
  await browser.$("#sort").selectByAttribute("value", "name");
  await waitFor(async () => (await order()).join() === "Alpha Fast,Bravo,Charlie HOTP", "name order");
  await menu("Charlie HOTP", "Pin to top");
  await waitFor(async () => (await order())[0] === "Charlie HOTP", "the pinned account first");
  assert.equal(await browser.$(`${sel((await rowOf("Charlie HOTP")).id)} .pin`).isExisting(), true, "a pin mark");
  const listed = JSON.parse(twofold(["list", "--json"], v.env));
  assert.ok(listed.length === 3);
  // Recently used: Bravo was copied in the previous test, Alpha never; pinned still first.
  await browser.$("#sort").selectByAttribute("value", "recent");
  await waitFor(async () => (await order()).join() === "Charlie HOTP,Bravo,Alpha Fast", "recent order");
  await menu("Charlie HOTP", "Unpin");
  await waitFor(async () => (await order())[0] !== "Charlie HOTP", "unpinned");
  await browser.$("#sort").selectByAttribute("value", "manual");
});

/** A row-menu item behind a confirmation: Cancel shows nothing (`shown` absent), then it is
 *  chosen again and confirmed with `ok`. */
async function askedFirst(issuer, item, ok, shown, what) {
  await menu(issuer, item);
  await browser.$("//div[@id='modal-actions']/button[text()='Cancel']").click();
  await sleep(300);
  assert.equal(await browser.$(shown).isExisting(), false, `cancelled: ${what}`);
  await menu(issuer, item);
  await browser.$(`//div[@id='modal-actions']/button[text()='${ok}']`).click();
}

test("Show QR code asks first; the code on the screen scans back to the account", async () => {
  await askedFirst("Bravo", "Show QR code…", "Show", "img.qr", "no QR code");
  await browser.$("img.qr").waitForDisplayed({ timeout: 5000 });
  const shot = await screenshot(browser, "15-show-qr");
  const payloads = twofold(["scan", shot]).split("\n");
  assert.equal(payloads.length, 1, `one QR code on the screen: ${payloads}`);
  const uri = new URL(payloads[0]);
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.searchParams.get("secret"), BRAVO);
  assert.equal(uri.searchParams.get("issuer"), "Bravo");
  await browser.$("//div[@id='modal-actions']/button[text()='Done']").click();
});

test("Reveal secret asks first, then shows the secret grouped for reading", async () => {
  await askedFirst("Alpha Fast", "Reveal secret…", "Reveal", "#revealed-secret", "nothing shown");
  const text = await browser.$("#revealed-secret").getText();
  assert.match(text, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  assert.equal(text.replace(/\s/g, ""), FAST);
  await browser.$("//div[@id='modal-actions']/button[text()='Done']").click();
});
