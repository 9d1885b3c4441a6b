// The tray icon, read and clicked the way a tray host does it: over D-Bus, through the
// StatusNotifierItem menu (com.canonical.dbusmenu) that libayatana-appindicator exports. Locked,
// it names no account; unlocked, it lists the pinned accounts (only those) with the code
// `twofold code` gives; clicking a line copies that code to the clipboard.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { launch } from "./driver.mjs";
import { clipboard, freshVault, twofold, waitFor } from "./helpers.mjs";

const MENU = "/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu";
const PASS = "tray test passphrase";
const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;
let tray;

const gdbus = (args) =>
  execFileSync("gdbus", ["call", "--session", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function layout(name, timeout = 10) {
  return gdbus(["--timeout", String(timeout), "--dest", name, "--object-path", MENU, "--method", "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]"]);
}

/** The bus name of the app's tray menu: one of the app process's connections. */
function findTray() {
  let pids;
  try {
    pids = execFileSync("pgrep", ["-x", "twofold-desktop"], { encoding: "utf8" }).trim().split("\n");
  } catch {
    return null;
  }
  const bus = ["--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method"];
  const names = gdbus([...bus, "org.freedesktop.DBus.ListNames"]).match(/':[^']+'/g) ?? [];
  for (const quoted of names) {
    const name = quoted.slice(1, -1);
    try {
      const pid = /uint32 (\d+)/.exec(gdbus([...bus, "org.freedesktop.DBus.GetConnectionUnixProcessID", name]))?.[1];
      if (!pids.includes(pid)) continue;
      // Another connection of the process (not the tray's) may never answer: a short timeout.
      layout(name, 2);
      return name;
    } catch {
      // not this connection
    }
  }
  return null;
}

/** The menu's items: id, label and whether it can be clicked. */
function items() {
  return [...layout(tray).matchAll(/\((\d+), \{([^}]*)\}/g)]
    .map(([, id, props]) => ({
      id: Number(id),
      label: /'label': <'([^']*)'>/.exec(props)?.[1],
      enabled: !props.includes("'enabled': <false>"),
    }))
    .filter((i) => i.label !== undefined);
}

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
  gdbus(["--dest", tray, "--object-path", MENU, "--method", "com.canonical.dbusmenu.Event", "--", String(line.id), "clicked", "<0>", "0"]);
  await waitFor(() => clipboard() === twofold(["code", "github"], env), "the code on the clipboard");
});
