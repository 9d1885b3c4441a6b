// A vault that cannot be opened is not an empty vault: with no keyring service reachable, the
// window says so in a banner that names the cause and what to do, and neither offers "No
// accounts yet" nor shows any account or secret.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, twofold, waitFor } from "./helpers.mjs";

const SECRET = "JBSWY3DPEHPK3PXP";

test("no keyring service: a banner says why and what to do; no empty state, no accounts", async () => {
  const v = freshVault();
  twofold(["add", "--uri", `otpauth://totp/Acme:kept@example.com?secret=${SECRET}&issuer=Acme`], v.env);
  const { browser, close } = await launch({ ...v.env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" });
  try {
    await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
    const banner = browser.$("#banner");
    await banner.waitForDisplayed({ timeout: 10000 });
    const text = await browser.$("#banner-text").getText();
    assert.match(text, /keyring/i, "the banner names the keyring");
    assert.match(text, /start one|passphrase/i, "the banner says what to do");
    assert.ok(!text.includes(SECRET), "no secret in the banner");
    assert.equal(await browser.$("#empty").isDisplayed(), false, "no 'No accounts yet' for a vault that did not open");
    const page = await browser.execute(() => document.body.innerText);
    assert.ok(!page.includes("kept@example.com") && !page.includes("Acme"), "no account is shown");
    await screenshot(browser, "09-vault-error");
  } finally {
    await close();
  }
  // The vault itself is untouched: the CLI, with the keyring, still reads the account.
  await waitFor(async () => twofold(["list"], v.env).includes("kept@example.com"), "the account still in the vault");
});
