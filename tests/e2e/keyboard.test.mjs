// #6 point 8, "keyboard navigation for everything, visible focus, labels for screen readers":
// every control of every view has a name a screen reader can read; Tab shows where the focus
// is on every stop; and a keyboard alone adds an account, copies its code, works its menu
// and closes dialogs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { focusWindow, launch } from "./driver.mjs";
import { clipboard, freshVault, rows, sleep, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
let app;
let browser;

before(async () => {
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Keyboard Co", "--label", "kb@example.com"], v.env);
  app = await launch({ ...v.env, XDG_DATA_HOME: `${v.dir}/data` });
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
  await waitFor(() => browser.execute(() => document.hasFocus()), "the page to have the focus");
});

after(async () => {
  await app?.close();
});

/** Visible controls with no accessible name (roughly as a screen reader computes it). */
const unnamed = () =>
  browser.execute(() => {
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const name = (el) => {
      if (el.getAttribute("aria-label")) return el.getAttribute("aria-label");
      const by = el.getAttribute("aria-labelledby");
      if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
      if (el.id) {
        const label = document.querySelector(`label[for="${el.id}"]`);
        if (label?.textContent.trim()) return label.textContent;
      }
      const wrapping = el.closest("label");
      if (wrapping?.textContent.trim()) return wrapping.textContent;
      if (!["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) {
        if (el.textContent.trim()) return el.textContent;
        const alt = el.querySelector("img[alt]");
        if (alt) return alt.getAttribute("alt");
      }
      return el.getAttribute("title") ?? "";
    };
    return [...document.querySelectorAll("button, input, select, textarea, a[href], [role=tab], [tabindex='0']")]
      .filter(visible)
      .filter((el) => el.type !== "hidden" && !name(el).trim())
      .map((el) => el.outerHTML.slice(0, 120));
  });

/** Where the focus is, and whether it is drawn (an outline or a ring). */
const focused = () =>
  browser.execute(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const drawn =
      (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) ||
      (s.boxShadow && s.boxShadow !== "none") ||
      !!el.closest(":focus-within.source");
    return { tag: el.tagName, id: el.id, cls: el.className?.baseVal ?? el.className, text: el.textContent.trim().slice(0, 30), drawn };
  });

test("every control in every view has a name a screen reader can read", async () => {
  assert.deepEqual(await unnamed(), [], "the code list");
  await browser.$(".row .row-menu").click();
  assert.deepEqual(await unnamed(), [], "a row's menu");
  await browser.keys(["Escape"]);
  await browser.$("#add").click();
  for (const tab of ["scan", "link", "manual"]) {
    await browser.$(`#tab-${tab}`).click();
    assert.deepEqual(await unnamed(), [], `the Add dialog, ${tab} tab`);
  }
  await browser.keys(["Escape"]);
  await browser.$("#menu-btn").click();
  assert.deepEqual(await unnamed(), [], "the app menu");
  await browser.$("//div[@id='app-menu']/button[starts-with(text(),'Settings')]").click();
  assert.deepEqual(await unnamed(), [], "the Settings dialog");
  await browser.keys(["Escape"]);
  await browser.$("#server-btn").click();
  assert.deepEqual(await unnamed(), [], "the server panel");
  await browser.$("#srv-back").click();
});

test("Tab visits the header, search, sort and the rows, and every stop shows its focus", async () => {
  await browser.execute(() => document.activeElement?.blur());
  await browser.keys(["Control", "f"]);
  const seen = [];
  for (let i = 0; i < 12; i++) {
    const f = await focused();
    seen.push(f);
    assert.ok(f.drawn, `focus is drawn on ${JSON.stringify(f)}`);
    await browser.keys(["Tab"]);
  }
  const ids = seen.map((f) => f.id || f.cls);
  // No Lock button without a passphrase (#19: the header offers only what can work).
  for (const want of ["search", "sort", "add", "server-btn", "menu-btn"]) {
    assert.ok(ids.includes(want), `Tab reaches #${want}: ${ids.join(", ")}`);
  }
  assert.ok(seen.some((f) => String(f.cls).split(" ").includes("row")), `Tab reaches a row: ${ids.join(", ")}`);
});

test("a keyboard alone adds an account, copies its code, works its menu and closes dialogs", async () => {
  // Ctrl+N: the Add dialog; its tabs and fields by Tab; Enter adds.
  await browser.keys(["Control", "n"]);
  await browser.$("#modal").waitForDisplayed({ timeout: 5000 });
  let guard = 0;
  while ((await focused()).id !== "tab-link" && guard++ < 10) await browser.keys(["Tab"]);
  assert.equal((await focused()).id, "tab-link", "Tab reaches the Link tab");
  await browser.keys(["Enter"]);
  assert.equal((await focused()).id, "add-uri", "the link field takes the focus");
  // Typed into the focused field (WebDriver's key actions drop a repeated character: "//").
  await browser.$("#add-uri").addValue("otpauth://totp/Typed%20Keys:keys@example.com?secret=KRSXG5CTMVRXEZLU&issuer=Typed%20Keys");
  await browser.keys(["Enter"]);
  await waitFor(async () => (await rows(browser)).some((r) => r.issuer === "Typed Keys"), "the typed account");
  assert.equal(await browser.$("#modal").isDisplayed(), false);

  // Down from the search field to the rows; Enter copies the focused row's code.
  await browser.keys(["Control", "f"]);
  await browser.keys([..."Typed"]); // no repeated letters
  let guard2 = 0;
  while (!String((await focused()).cls).split(" ").includes("row") && guard2++ < 8) await browser.keys(["Tab"]);
  const row = await waitFor(async () => {
    const r = (await rows(browser)).find((x) => x.issuer === "Typed Keys");
    return r && r.left >= 3 ? r : null;
  }, "a code with time left", 35000);
  await browser.keys(["Enter"]);
  await waitFor(() => clipboard().trim() === row.code, "the code on the clipboard");

  // Shift+F10 opens the row's menu on its first item; arrows move; Enter on "Edit…" opens the
  // dialog; Escape closes it.
  await browser.keys(["Shift", "F10"]);
  await browser.keys(["Shift"]);
  assert.equal((await focused()).text, "Copy code");
  let guard3 = 0;
  while ((await focused()).text !== "Edit…" && guard3++ < 8) await browser.keys(["ArrowDown"]);
  await browser.keys(["Enter"]);
  await browser.$("#edit-issuer").waitForDisplayed({ timeout: 5000 });
  assert.equal((await focused()).id, "edit-issuer", "the dialog's first field takes the focus");
  await browser.keys(["Escape"]);
  await sleep(200);
  assert.equal(await browser.$("#modal").isDisplayed(), false, "Escape closes the dialog");
});
