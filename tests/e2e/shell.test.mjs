// The desktop window opens, shows the app's name, version and the empty-vault state.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
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

/** The environment of the web process the app started (the only WebKitWebProcess whose parent is
 *  a twofold-desktop process; the tests run one app at a time). */
function webProcessEnv() {
  const comm = (pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  const parent = (pid) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1]);
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (comm(pid) !== "WebKitWebProces" || comm(parent(pid)) !== "twofold-desktop") continue;
      const pairs = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
      return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    } catch {
      // A process that ended while being read.
    }
  }
  throw new Error("no web process of twofold-desktop found");
}

test("WebKit paints without compositing (and without its DMA-BUF renderer) and runs the page without the JIT, unless the user says otherwise", async () => {
  // [the user's environment, then what the web process gets: JIT, compositing off, DMA-BUF renderer off]
  for (const [env, jit, compositing, dmabuf] of [
    [{}, "0", "1", "1"],
    [{ JSC_useJIT: "1", WEBKIT_DISABLE_COMPOSITING_MODE: "0" }, "1", "0", undefined],
    [{ WEBKIT_DISABLE_DMABUF_RENDERER: "0" }, "0", "1", "0"],
  ]) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "twofold-e2e-"));
    const { browser, close } = await launch({ TWOFOLD_VAULT: path.join(dir, "vault.twofold"), ...env });
    try {
      await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
      const seen = webProcessEnv();
      assert.equal(seen.JSC_useJIT, jit, `JSC_useJIT with ${JSON.stringify(env)}`);
      assert.equal(seen.WEBKIT_DISABLE_COMPOSITING_MODE, compositing, `compositing with ${JSON.stringify(env)}`);
      assert.equal(seen.WEBKIT_DISABLE_DMABUF_RENDERER, dmabuf, `DMA-BUF renderer with ${JSON.stringify(env)}`);
    } finally {
      await close();
    }
  }
});
