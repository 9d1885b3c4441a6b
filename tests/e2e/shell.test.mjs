// The desktop window opens, shows the app's name, version and the empty-vault state.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { launch, root, screenshot } from "./driver.mjs";

const pkg = JSON.parse(readFileSync(path.join(root, "tauri.conf.json"), "utf8"));

test("the window shows the name, version and empty state", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "twofold-e2e-"));
  const { browser, close } = await launch({ TWOFOLD_VAULT: path.join(dir, "vault.twofold") });
  try {
    await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
    assert.equal(await browser.getTitle(), "Twofold");
    assert.equal(await browser.$("#app-name").getText(), "Twofold");
    assert.equal(await browser.$("#app-version").getText(), `v${pkg.version}`);
    const empty = browser.$("#empty");
    assert.ok(await empty.isDisplayed(), "the empty-vault state is shown");
    assert.match(await empty.getText(), /No accounts yet/);
    const file = await screenshot(browser, "01-empty");
    // A blank page compresses to almost nothing; a rendered window does not.
    assert.ok(statSync(file).size > 8000, `screenshot ${file} looks blank`);
  } finally {
    await close();
  }
});
