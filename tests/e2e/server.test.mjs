// The test server panel: start the bundled server, open its URL in the desktop's browser,
// create an enrolled test user, add it to Twofold in one click, and sign in over the server's
// REST face with the code the app shows.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, rows, sleep, waitFor } from "./helpers.mjs";

let app;
const v = freshVault();
const port = 20000 + Math.floor(Math.random() * 20000);

// The desktop's default browser, chosen as a user chooses one (a desktop file set as the
// x-scheme-handler/http default in mimeapps.list): it writes the URL it is asked to open.
const opened = `${v.dir}/opened-url`;
function defaultBrowser(dataHome) {
  const apps = `${dataHome}/applications`;
  mkdirSync(apps, { recursive: true });
  const script = `${v.dir}/browser.sh`;
  writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
  chmodSync(script, 0o755);
  writeFileSync(
    `${apps}/twofold-test-browser.desktop`,
    `[Desktop Entry]\nType=Application\nName=Test browser\nExec=${script} %u\nMimeType=x-scheme-handler/http;\n`,
  );
  writeFileSync(`${apps}/mimeapps.list`, "[Default Applications]\nx-scheme-handler/http=twofold-test-browser.desktop\n");
}

before(async () => {
  // The server's database goes to the data directory: keep it inside the test's folder.
  defaultBrowser(`${v.dir}/data`);
  app = await launch({ ...v.env, XDG_DATA_HOME: `${v.dir}/data`, XDG_CONFIG_HOME: `${v.dir}/xdg-config` });
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

test("start, create user, add to Twofold, verify the shown code at the server", async () => {
  const { browser } = app;
  await browser.$("#server-btn").click();
  await browser.$("#srv-port").setValue(String(port));
  await browser.$("#srv-toggle").click();
  await waitFor(async () => (await browser.$("#srv-url").getText()) === `http://127.0.0.1:${port}`, "server URL");
  const openapi = await fetch(`http://127.0.0.1:${port}/openapi.json`);
  assert.equal(openapi.status, 200);
  // Its URL opens in the desktop's default browser (xdg-open).
  await browser.$("#srv-url").click();
  await waitFor(() => existsSync(opened) && readFileSync(opened, "utf8"), "the browser to be asked");
  assert.match(readFileSync(opened, "utf8"), new RegExp(`^http://127\\.0\\.0\\.1:${port}/?$`));

  await browser.$("#srv-email").setValue("qa@example.com");
  await browser.$("#srv-create button[type='submit']").click();
  const add = await browser.$("//li[contains(@class,'srv-user')]//button[text()='Add to Twofold']");
  await add.waitForDisplayed({ timeout: 15000 });
  await screenshot(browser, "06-server-panel");
  await add.click();
  await waitFor(async () => (await browser.$("#toasts").getText()).includes("Added qa@example.com"), "added toast");
  await browser.$("#srv-back").click();

  const row = await waitFor(
    async () => (await rows(browser)).find((r) => r.label === "qa@example.com" && /^\d{6}$/.test(r.code)),
    "the enrolled account in the list",
  );
  assert.equal(row.issuer, "Twofold Test");
  assert.ok(row.tags.includes(`server:127.0.0.1:${port}`));

  // Sign in as a client of django-jwt-allauth would: password, then the code the app shows.
  const login = await fetch(`http://127.0.0.1:${port}/login/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "qa@example.com", password: "twofold-test-pass" }),
  });
  assert.equal(login.status, 200);
  const challenge = await login.json();
  assert.equal(challenge.mfa_required, true);
  let code = row.code;
  if (row.left < 3) {
    await sleep(3500);
    code = (await rows(browser)).find((r) => r.id === row.id).code;
  }
  const verify = await fetch(`http://127.0.0.1:${port}/mfa/verify/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ challenge_id: challenge.challenge_id, code }),
  });
  const body = await verify.json();
  assert.equal(verify.status, 200, JSON.stringify(body));
  assert.ok(body.access, "an access token");

  await browser.$("#server-btn").click();
  await waitFor(async () => (await browser.$("#srv-log").getText()).includes("/mfa/verify/"), "request log shows the verify");
  await browser.$("#srv-toggle").click();
  await waitFor(async () => (await browser.$("#srv-state").getText()) === "Stopped", "server stopped");
  await assert.rejects(fetch(`http://127.0.0.1:${port}/openapi.json`));
});
