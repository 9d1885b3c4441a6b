// A vault that cannot be opened is not an empty vault. With no keyring service reachable, the
// window says so in its own words (no CLI flags), keeps the technical cause under "Details",
// shows neither "No accounts yet" nor any account or secret, and opens the vault once the
// keyring is reachable and the user chooses "Try again".
//
// The app is given a session-bus address where nothing listens yet. "Starting the keyring" is
// then a relay on that address to the test's real session bus (and its unlocked gnome-keyring).
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { launch, screenshot } from "./driver.mjs";
import { freshVault, rows, twofold, waitFor } from "./helpers.mjs";

const SECRET = "JBSWY3DPEHPK3PXP";

/** Relays connections on `listenPath` to the session bus of this test. */
function relayToSessionBus(listenPath) {
  const bus = /unix:path=([^,]+)/.exec(process.env.DBUS_SESSION_BUS_ADDRESS ?? "")?.[1];
  assert.ok(bus, `the test's session bus is a unix path (${process.env.DBUS_SESSION_BUS_ADDRESS})`);
  const server = net.createServer((client) => {
    const upstream = net.connect(bus);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  return new Promise((resolve) => server.listen(listenPath, () => resolve(server)));
}

test("no keyring service: a banner says why and what to do; Try again opens the vault once it is there", async () => {
  const v = freshVault();
  twofold(["add", "--uri", `otpauth://totp/Acme:kept@example.com?secret=${SECRET}&issuer=Acme`], v.env);
  const busPath = path.join(v.dir, "bus");
  const { browser, close } = await launch({ ...v.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${busPath}` });
  let relay;
  try {
    await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
    await browser.$("#banner").waitForDisplayed({ timeout: 10000 });
    const text = await browser.$("#banner-text").getText();
    assert.match(text, /can't reach the system keyring/, "the banner names the keyring");
    assert.match(text, /Start your keyring service \(GNOME Keyring, KWallet or KeePassXC\)/, "and what to do");
    assert.match(text, /Try again/);
    for (const cli of ["TWOFOLD_PASSPHRASE", "--passphrase-file", "zbus"]) {
      assert.ok(!text.includes(cli), `no ${cli} in the window's words: ${text}`);
    }
    assert.ok(!/passphrase/i.test(text), "the vault has no passphrase slot, so none is offered");
    assert.equal(await browser.$("#banner-unlock").isDisplayed(), false);
    // The technical cause is one click away, not in the sentence.
    await browser.$("#banner-details summary").click();
    const detail = await browser.$("#banner-detail").getText();
    assert.ok(detail.includes(busPath) || /connect|No such file/i.test(detail), `the cause under Details: ${detail}`);
    assert.ok(!text.includes(SECRET) && !detail.includes(SECRET), "no secret in the banner");
    assert.equal(await browser.$("#empty").isDisplayed(), false, "no 'No accounts yet' for a vault that did not open");
    assert.equal(await browser.$("#search").isDisplayed(), false, "nothing to search");
    const page = await browser.execute(() => document.body.innerText);
    assert.ok(!page.includes("kept@example.com") && !page.includes("Acme"), "no account is shown");
    await screenshot(browser, "09-vault-error");

    // Still no keyring: Try again says the same and opens nothing.
    await browser.$("#banner-retry").click();
    await waitFor(async () => (await browser.$("#banner-retry").getText()) === "Try again", "the retry to end");
    assert.equal(await browser.$("#banner").isDisplayed(), true);
    assert.equal((await rows(browser)).length, 0);

    // The keyring comes up; Try again opens the vault and shows its account with a code.
    relay = await relayToSessionBus(busPath);
    await browser.$("#banner-retry").click();
    const row = await waitFor(
      async () => (await rows(browser)).find((r) => r.label === "kept@example.com" && /^\d{6}$/.test(r.code)),
      "the account with its code after Try again",
    );
    assert.equal(row.issuer, "Acme");
    assert.equal(await browser.$("#banner").isDisplayed(), false, "the banner is gone");
    assert.equal(await browser.$("#search").isDisplayed(), true, "search is back");
  } finally {
    await close();
    relay?.close();
  }
  // The vault itself is untouched: the CLI, with the keyring, still reads the account.
  assert.ok(twofold(["list"], v.env).includes("kept@example.com"));
});
