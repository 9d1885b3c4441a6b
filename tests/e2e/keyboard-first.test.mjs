// #19 points 3 and 5: typing anywhere in the list searches, Enter copies the top match, ↓ moves
// into the results; the shortcuts sheet (Ctrl+? and the ☰ menu); zoom (Ctrl+= / Ctrl+− /
// Ctrl+0) remembered over a restart; toasts above dialogs and never twice; a busy Unlock.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { focusWindow, launch, screenshot } from "./driver.mjs";
import { clipboard, freshVault, rows, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
let app;
let browser;

async function start(env = v.env) {
  app = await launch(env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
}

before(async () => {
  for (const [issuer, secret] of [["Alpha", "JBSWY3DPEHPK3PXP"], ["Beta", "GEZDGNBVGY3TQOJQ"], ["Gamma", "MFRGGZDFMZTWQ2LK"]]) {
    twofold(["add", "--secret", secret, "--issuer", issuer, "--label", `${issuer.toLowerCase()}@example.com`], v.env);
  }
  await start();
});

after(async () => {
  await app?.close();
});

const active = () => browser.execute(() => ({ id: document.activeElement.id, row: document.activeElement.dataset?.id ?? null, label: document.activeElement.getAttribute("aria-label") }));

test("typing in the list searches; Enter copies the top match; ↓ moves into the results", async () => {
  await waitFor(async () => (await rows(browser)).length === 3, "three rows");
  await browser.$("#main").click();
  await browser.keys(["g", "a", "m"]);
  await waitFor(async () => (await browser.$("#search").getValue()) === "gam", "the typed text in the search");
  assert.equal((await active()).id, "search");
  const shown = await waitFor(async () => {
    const r = await rows(browser);
    return r.length === 1 && /^\d{6}$/.test(r[0].code) && r;
  }, "only Gamma, with its code");
  assert.equal(shown[0].issuer, "Gamma");
  await browser.keys(["Enter"]);
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("Code copied"), "the copy toast");
  const now = (await rows(browser))[0].code;
  assert.ok([shown[0].code, now].includes(clipboard().trim()), "Gamma's code is on the clipboard");

  await browser.keys(["ArrowDown"]);
  const row = await active();
  assert.equal(row.row, shown[0].id, "↓ moves to the first result");
  await waitFor(async () => /code \d{3} \d{3}, \d+ seconds left/.test((await active()).label ?? ""), "the focused row names its code and seconds");
  await browser.keys(["ArrowUp"]);
  assert.equal((await active()).id, "search", "↑ from the first row goes back to the search");
  await browser.keys(["Escape"]);
  await waitFor(async () => (await rows(browser)).length === 3, "Esc clears the search");
});

test("the search's clear button shows while it holds text, and clears it", async () => {
  const clear = browser.$("#search-clear");
  assert.equal(await clear.isDisplayed(), false, "no clear button on an empty search");
  await browser.$("#search").setValue("bet");
  await waitFor(async () => (await rows(browser)).length === 1, "only Beta");
  await clear.waitForDisplayed({ timeout: 5000 });
  assert.equal(await clear.getAttribute("aria-label"), "Clear search");
  await clear.click();
  await waitFor(async () => (await rows(browser)).length === 3, "all three rows again");
  assert.equal(await browser.$("#search").getValue(), "");
  assert.equal((await active()).id, "search", "the focus stays in the search");
  assert.equal(await clear.isDisplayed(), false, "the button goes with the text");
  // Typing from the list shows it too; Esc takes it away with the text.
  await browser.$("#main").click();
  await browser.keys(["a"]);
  await clear.waitForDisplayed({ timeout: 5000 });
  await browser.keys(["Escape"]);
  await clear.waitForDisplayed({ timeout: 5000, reverse: true });
});

test("the shortcuts sheet opens with Ctrl+? and from the ☰ menu", async () => {
  await browser.$("#main").click();
  await browser.keys(["Control", "Shift", "?"]);
  await browser.$("#shortcuts").waitForDisplayed({ timeout: 5000 });
  const text = await browser.$("#shortcuts").getText();
  for (const k of ["Ctrl+F", "Ctrl+N", "Ctrl+L", "Ctrl+=", "Enter in the search"]) assert.ok(text.includes(k), `the sheet lists ${k}`);
  await screenshot(browser, "22-shortcuts");
  await browser.keys(["Escape"]);
  await browser.$("#shortcuts").waitForDisplayed({ timeout: 5000, reverse: true });
  await browser.$("#menu-btn").click();
  await browser.$("#menu-shortcuts").click();
  await browser.$("#shortcuts").waitForDisplayed({ timeout: 5000 });
  await browser.keys(["Escape"]);
});

test("a toast shows above an open dialog, and the same message is not shown twice", async () => {
  await browser.$("#add").click();
  await browser.$("#modal").waitForDisplayed({ timeout: 5000 });
  await browser.execute(() => document.getElementById("toasts").replaceChildren());
  // The same message twice, as two adds of one code gave.
  await browser.$("#tab-link").click();
  for (let i = 0; i < 2; i++) {
    if (i > 0) {
      await browser.$("#add").click();
      await browser.$("#tab-link").click();
    }
    await browser.$("#add-uri").setValue("otpauth://totp/Alpha:alpha@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Alpha");
    await browser.$("button[form='add-link-form']").click();
    await browser.$("#modal").waitForDisplayed({ timeout: 5000, reverse: true });
    await waitFor(async () => (await browser.$("#toasts").getText()).includes("already in Twofold"), "the duplicate toast");
  }
  const toasts = await browser.execute(() => [...document.querySelectorAll("#toasts .toast")].map((t) => t.textContent));
  assert.equal(toasts.length, 1, `one toast: ${JSON.stringify(toasts)}`);
  assert.equal(toasts[0], "1 already in Twofold.", "one wording for duplicates");
  // A toast given while a dialog is open is drawn above it (the top layer), not behind its
  // backdrop: "Scan screen" in the Add dialog finds no code on the test's empty screen.
  await browser.execute(() => document.getElementById("toasts").replaceChildren());
  await browser.$("#add").click();
  await browser.$("#modal").waitForDisplayed({ timeout: 5000 });
  await browser.$("//div[@id='modal-body']//button[text()='Scan screen']").click();
  await waitFor(async () => (await browser.$("#toasts").getText()) !== "", "a toast from the scan");
  const onTop = await browser.execute(() => {
    const r = document.querySelector("#toasts .toast").getBoundingClientRect();
    return {
      rect: [r.left, r.top, r.width, r.height].map(Math.round),
      open: document.getElementById("toasts").matches(":popover-open"),
      dialog: document.getElementById("modal").open,
    };
  });
  assert.ok(onTop.dialog, "the dialog is still open");
  assert.ok(onTop.open, "the toasts are a shown popover");
  // What the screen shows: the toast's light text at full brightness, not dimmed by the
  // dialog's backdrop (WebKit's elementFromPoint answers the modal dialog for the whole page).
  const shot = await screenshot(browser, "23-toast-above-dialog");
  const [x, y, w, hgt] = onTop.rect;
  const brightest = Number(execFileSync("convert", [shot, "-crop", `${w}x${hgt}+${x}+${y}`, "+repage", "-colorspace", "Gray", "-format", "%[fx:maxima]", "info:"], { encoding: "utf8" }));
  assert.ok(brightest > 0.85, `the toast is drawn above the backdrop (brightest ${brightest})`);
  await browser.keys(["Escape"]);
});

test("zoom with Ctrl+= / Ctrl+− / Ctrl+0 is remembered over a restart", async () => {
  await browser.$("#main").click();
  await browser.keys(["Control", "="]);
  await browser.keys(["Control", "="]);
  await waitFor(async () => (await browser.execute(() => document.body.dataset.zoom)) === "120", "zoom 120 %");
  await browser.keys(["Control", "-"]);
  await waitFor(async () => (await browser.execute(() => document.body.dataset.zoom)) === "110", "zoom 110 %");
  const file = path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json");
  await waitFor(() => JSON.parse(readFileSync(file, "utf8")).zoom_percent === 110, "the zoom saved");
  await app.close();
  await start();
  assert.equal(await browser.execute(() => document.body.dataset.zoom), "110", "the zoom comes back");
  assert.equal(await browser.execute(() => document.documentElement.style.zoom), "1.1");
  await browser.$("#main").click();
  await browser.keys(["Control", "0"]);
  await waitFor(async () => (await browser.execute(() => document.body.dataset.zoom)) === "100", "Ctrl+0: 100 %");
});

test("a slow unlock shows a busy button: disabled, then a spinner", async () => {
  await app.close();
  const slow = freshVault();
  // A deliberately slow key derivation: the unlock takes well over 150 ms.
  const env = { ...slow.env, TWOFOLD_KDF: "m=65536,t=6,p=1" };
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Slow", "--label", "s"], env);
  twofold(["vault", "passphrase", "set"], { ...env, TWOFOLD_NEW_PASSPHRASE: "correct horse battery" });
  await start(slow.env);
  await browser.$("#lock").waitForDisplayed({ timeout: 10000 });
  await browser.execute(() => {
    const b = document.getElementById("unlock-btn");
    window.__busySeen = { disabled: false, busy: false, spinner: false };
    new window.MutationObserver(() => {
      window.__busySeen.disabled ||= b.disabled;
      window.__busySeen.busy ||= b.getAttribute("aria-busy") === "true";
      window.__busySeen.spinner ||= b.classList.contains("busy");
    }).observe(b, { attributes: true });
  });
  await browser.$("#lock-passphrase").setValue("correct horse battery");
  await browser.$("#unlock-btn").click();
  await waitFor(async () => (await rows(browser)).length === 1, "unlocked");
  const seen = await browser.execute(() => window.__busySeen);
  assert.deepEqual(seen, { disabled: true, busy: true, spinner: true });
  assert.equal(await browser.$("#unlock-btn").getAttribute("aria-busy"), null, "not busy once done");
});
