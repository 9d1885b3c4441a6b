// A long list (100 accounts): every account has its row in the list, the first ones are built at
// once and the rest as they scroll into view (rows.ts, eagerRows); a row built late shows the
// same code as `twofold code`, and keyboard navigation walks into rows not built yet.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch } from "./driver.mjs";
import { freshVault, twofold, waitFor } from "./helpers.mjs";

const N = 100;
const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;

before(async () => {
  const secrets = ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU"];
  const uris = Array.from(
    { length: N },
    (_, i) => `otpauth://totp/Corp%20${String(i).padStart(3, "0")}:user${i}?secret=${secrets[i % 3]}&issuer=Corp%20${String(i).padStart(3, "0")}`,
  );
  const file = path.join(v.dir, "many.txt");
  writeFileSync(file, uris.join("\n") + "\n");
  twofold(["import", file], env);
  app = await launch(v.env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

const built = (browser) =>
  browser.execute(() => [...document.querySelectorAll("#list .row")].map((li) => !li.classList.contains("placeholder")));

test("every account has its place; only the rows near the view are built at start", async () => {
  const { browser } = app;
  const rows = await built(browser);
  assert.equal(rows.length, N);
  // Every row within two screens of the top is built (the view's own reach, rows.ts).
  const near = await browser.execute(() =>
    [...document.querySelectorAll("#list .row")].filter((li) => li.getBoundingClientRect().top < 2 * window.innerHeight).length,
  );
  assert.ok(near >= 10 && near < N / 2, `${near} rows within two screens`);
  assert.deepEqual(rows.slice(0, near), Array(near).fill(true), "the rows within two screens are built");
  assert.equal(rows[N - 1], false, "the last row waits until it is near the view");
});

test("a row scrolled into view is built and shows twofold's code", async () => {
  const { browser } = app;
  const height = await browser.execute(() => document.body.scrollHeight);
  await browser.execute(() => window.scrollTo(0, document.body.scrollHeight));
  const last = await waitFor(
    () =>
      browser.execute(() => {
        const li = [...document.querySelectorAll("#list .row")].at(-1);
        const code = li.querySelector(".code")?.textContent?.replace(/\s/g, "") ?? "";
        return /^\d{6}$/.test(code) ? { name: li.querySelector(".issuer").textContent, code } : null;
      }),
    "the last row built with its code",
  );
  assert.equal(last.name, "Corp 099");
  // Rows built as they come near the view take the height their stand-ins had: the list does
  // not grow under the scroll, and the end of the list is still in view.
  const after = await browser.execute(() => ({
    height: document.body.scrollHeight,
    lastBottom: [...document.querySelectorAll("#list .row")].at(-1).getBoundingClientRect().bottom,
    view: window.innerHeight,
  }));
  assert.equal(after.height, height, "the list kept its height as rows were built");
  assert.ok(after.lastBottom <= after.view, `the last row is in view (bottom ${after.lastBottom} of ${after.view})`);
  // Twofold's code now, or one step ago if the step turned over between the two reads.
  const t = Math.floor(Date.now() / 1000);
  const near = [t, t - 30].map((at) => twofold(["code", "Corp 099", "--at", String(at)], env));
  assert.ok(near.includes(last.code), `${last.code} is not one of ${near}`);
});

test("arrow keys walk into rows not built yet", async () => {
  const { browser } = app;
  await browser.execute(() => window.scrollTo(0, 0));
  // The first row not built yet, and the one before it.
  const first = (await built(browser)).indexOf(false);
  assert.ok(first > 0 && first < N - 1, `row ${first} is the first not built yet`);
  await browser.execute((i) => document.querySelectorAll("#list .row")[i].focus(), first - 1);
  await browser.keys(["ArrowDown"]);
  const focused = await waitFor(
    () =>
      browser.execute(() => {
        const el = document.activeElement;
        return el?.classList.contains("row") && !el.classList.contains("placeholder") ? el.querySelector(".issuer")?.textContent : null;
      }),
    "the row after it built and focused",
  );
  assert.equal(focused, `Corp ${String(first).padStart(3, "0")}`);
});
