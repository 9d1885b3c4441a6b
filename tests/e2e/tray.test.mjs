// The tray icon, read and clicked the way a tray host does it: over D-Bus, through the
// StatusNotifierItem menu (com.canonical.dbusmenu) that libayatana-appindicator exports. Locked,
// it names no account; unlocked, it lists the pinned accounts (only those) with the code
// `twofold code` gives; clicking a line copies that code to the clipboard.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch } from "./driver.mjs";
import { clipboard, freshVault, twofold, waitFor } from "./helpers.mjs";
import { clickTrayItem, findTray, trayItems } from "./tray-menu.mjs";

const PASS = "tray test passphrase";
const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;
let tray;
const items = () => trayItems(tray);

before(async () => {
  twofold(["add", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--issuer", "GitHub", "--label", "alice"], env);
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Unpinned Bank", "--label", "bob"], env);
  const github = JSON.parse(twofold(["list", "--json"], env)).find((a) => a.issuer === "GitHub");
  twofold(["edit", github.id, "--pin"], env);
  twofold(["vault", "passphrase", "set"], { ...env, TWOFOLD_NEW_PASSPHRASE: PASS });
  app = await launch(v.env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  tray = await waitFor(() => findTray(), "the tray menu on the session bus");
});

after(async () => {
  await app?.close();
});

test("locked, the tray names no account and shows no code", async () => {
  const labels = items().map((i) => i.label);
  assert.deepEqual(labels, ["Twofold is locked", "Show Twofold", "Quit"]);
  assert.equal(items()[0].enabled, false);
});

test("unlocked, it lists the pinned account with its current code, and only that one", async () => {
  const { browser } = app;
  await browser.$("#lock-passphrase").setValue(PASS);
  await browser.keys(["Enter"]);
  const line = await waitFor(() => {
    const first = items()[0];
    return first.label === `GitHub (alice)  ${twofold(["code", "github"], env)}` ? first : null;
  }, "the pinned account's code in the tray");
  assert.equal(line.enabled, true);
  assert.ok(!items().some((i) => i.label.includes("Unpinned Bank")), "unpinned accounts stay out of the tray");
});

test("clicking a line copies its code", async () => {
  const line = items()[0];
  clickTrayItem(tray, line.id);
  await waitFor(() => clipboard() === twofold(["code", "github"], env), "the code on the clipboard");
});
