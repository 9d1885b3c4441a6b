// "Scan screen": a QR code shown in another window on the X screen is found and added.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, root, screenshot } from "./driver.mjs";
import { freshVault, rows, sleep, waitFor } from "./helpers.mjs";

const IMAGE = path.join(root, "tests", "e2e", "fixtures", "qr-clean.png");
let app;
let viewer;

before(async () => {
  // ImageMagick's viewer, placed to the right of the app window.
  viewer = spawn("display", ["-geometry", "+690+40", "-title", "qr-viewer", IMAGE], {
    stdio: "ignore",
  });
  await sleep(1500);
  app = await launch(freshVault().env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
  viewer?.kill();
});

test("scan screen finds the QR code shown in another window", async () => {
  const { browser } = app;
  await browser.$("#add").click();
  await browser.$("#tab-scan").click();
  await browser.$("//div[@id='modal-body']//button[text()='Scan screen']").click();
  const r = await waitFor(
    async () => (await rows(browser)).find((x) => x.issuer === "Hetzner"),
    "the scanned account",
    20000,
  );
  assert.equal(r.label, "Jane Doe");
  await screenshot(browser, "05-after-screen-scan");
});
