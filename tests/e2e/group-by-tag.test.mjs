// #19 point 6: group by tag, as an alternative to the filter chips: a collapsible section per
// tag (an account with two tags in both, those with none last), remembered in the settings.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, twofold, waitFor } from "./helpers.mjs";

const v = freshVault();
let app;
let browser;

before(async () => {
  const add = (issuer, ...tags) =>
    twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", issuer, "--label", `${issuer.toLowerCase()}@example.com`, ...tags.flatMap((t) => ["--tag", t])], v.env);
  add("Alpha", "work");
  add("Beta", "home");
  add("Gamma", "work", "home");
  add("Delta");
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

/** The list as read: group headings and the issuers under each. */
const sections = () =>
  browser.execute(() => {
    const out = [];
    for (const li of document.querySelectorAll("#list > li")) {
      if (li.classList.contains("group-head")) out.push({ head: li.textContent.replace(/\s+/g, " ").trim(), open: li.querySelector("button").getAttribute("aria-expanded"), rows: [] });
      else out.at(-1)?.rows.push(li.querySelector(".issuer")?.textContent ?? li.getAttribute("aria-label"));
    }
    return out;
  });

test("grouped by tag: a section per tag, an account in each of its tags, untagged last", async () => {
  await waitFor(async () => (await browser.$$("#list .row")).length === 4, "four rows");
  assert.deepEqual(await sections(), [], "no sections before grouping");
  await browser.$("#group-toggle").click();
  await waitFor(async () => (await sections()).length === 3, "three sections");
  const s = await sections();
  assert.deepEqual(s.map((x) => x.head), ["▾ home (2)", "▾ work (2)", "▾ No tag (1)"]);
  assert.deepEqual(s.map((x) => x.rows.sort()), [["Beta", "Gamma"], ["Alpha", "Gamma"], ["Delta"]]);
  // Codes are painted in every copy of a row.
  await waitFor(
    () => browser.execute(() => [...document.querySelectorAll("#list .row .code")].every((c) => /\d{3} \d{3}/.test(c.textContent))),
    "codes in every row",
  );
  await screenshot(browser, "24-group-by-tag");
  const file = path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json");
  assert.equal(JSON.parse(readFileSync(file, "utf8")).group_by_tag, true, "remembered");
});

test("a section folds and unfolds", async () => {
  await browser.$(".group-toggle[data-tag='work']").click();
  await waitFor(async () => (await sections()).find((x) => x.head.includes("work"))?.open === "false", "work folded");
  const s = await sections();
  assert.deepEqual(s.find((x) => x.head.includes("work")).rows, [], "no rows under a folded section");
  assert.deepEqual(s.find((x) => x.head.includes("home")).rows.sort(), ["Beta", "Gamma"]);
  await browser.$(".group-toggle[data-tag='work']").click();
  await waitFor(async () => (await sections()).find((x) => x.head.includes("work"))?.rows.length === 2, "work unfolded");
  await browser.$("#group-toggle").click();
  await waitFor(async () => (await sections()).length === 0, "one list again");
});
