// #19 point 4: where a tray icon is shown, closing the window keeps Twofold in the tray (a
// one-time note offers Quit), "Show Twofold" in the tray brings it back, and ☰ → Quit quits;
// the window's size and position come back after a restart; it can start hidden in the tray.
// A stand-in tray host (fake-tray-host.py) owns the StatusNotifierWatcher name on the bus.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, root } from "./driver.mjs";
import { freshVault, sleep, twofold, waitFor } from "./helpers.mjs";
import { clickTrayItem, findTray, trayItems } from "./tray-menu.mjs";

const v = freshVault();
let host;
let app;

before(async () => {
  twofold(["add", "--secret", "JBSWY3DPEHPK3PXP", "--issuer", "Window Co", "--label", "w@example.com"], v.env);
  const id = JSON.parse(twofold(["list", "--json"], v.env))[0].id;
  twofold(["edit", id, "--pin"], v.env);
  host = spawn("python3", [path.join(root, "tests", "e2e", "fake-tray-host.py")], { stdio: ["ignore", "pipe", "inherit"] });
  const owned = await new Promise((resolve) => host.stdout.once("data", (d) => resolve(String(d).trim())));
  assert.equal(owned, "1", "the stand-in tray host owns its name");
});

after(async () => {
  await app?.close().catch(() => {});
  host?.kill();
});

async function start() {
  app = await launch(v.env);
  await app.browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  return app.browser;
}

const visibleWindow = () => {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^Twofold$"], { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return null;
  }
};
const closeWindow = (id) => execFileSync("python3", [path.join(root, "tests", "e2e", "close-window.py"), id]);
const appRunning = () => {
  try {
    execFileSync("pgrep", ["-x", "twofold-desktop"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const settingsFile = path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json");
const item = (tray, label) => trayItems(tray).find((i) => i.label === label);

/** Quits from the window's ☰ menu; the WebDriver session ends with the app. */
async function quitFromMenu(browser) {
  await browser.$("#menu-btn").click();
  // The app may be gone before the click's answer: the session ends with it.
  await browser.$("#menu-quit").click().catch(() => {});
  await waitFor(() => !appRunning(), "the app to quit");
  await app.close().catch(() => {});
  app = null;
}

test("closing keeps Twofold in the tray (a note the first time); the tray brings it back; ☰ → Quit quits", async () => {
  const browser = await start();
  const tray = await waitFor(() => findTray(), "the tray menu on the bus");
  const win = await waitFor(() => visibleWindow(), "the window");
  // Settings offers the tray options, since a tray icon is shown.
  await browser.$("#menu-btn").click();
  await browser.$("#menu-settings").click();
  await browser.$("#tray-fields").waitForDisplayed({ timeout: 5000 });
  assert.equal(await browser.$("#set-close-tray").isSelected(), true, "on by default");
  await browser.keys(["Escape"]);

  closeWindow(win);
  await browser.$("#close-note").waitForDisplayed({ timeout: 5000 });
  assert.ok(visibleWindow(), "the window stays while the note is read");
  await browser.$("//div[@id='modal-actions']/button[text()='Keep running in the tray']").click();
  await waitFor(() => !visibleWindow(), "the window hidden");
  assert.ok(appRunning(), "Twofold still runs");
  assert.equal(JSON.parse(readFileSync(settingsFile, "utf8")).close_note_shown, true);

  clickTrayItem(tray, item(tray, "Show Twofold").id);
  const again = await waitFor(() => visibleWindow(), "the window back from the tray");
  // The second time: no note, straight to the tray.
  closeWindow(again);
  await waitFor(() => !visibleWindow(), "hidden again");
  assert.equal(await browser.execute(() => document.getElementById("modal").open), false, "the note is shown once");
  clickTrayItem(tray, item(tray, "Show Twofold").id);
  await waitFor(() => visibleWindow(), "shown again");
  await quitFromMenu(browser);
});

test("the window's size and position come back after a restart", async () => {
  let browser = await start();
  await waitFor(() => visibleWindow(), "the window");
  await browser.setWindowRect(130, 90, 520, 640);
  await sleep(500);
  const set = await browser.getWindowRect();
  assert.deepEqual([set.width, set.height], [520, 640], "the window took the size");
  await quitFromMenu(browser);
  browser = await start();
  await waitFor(() => visibleWindow(), "the window");
  const back = await browser.getWindowRect();
  assert.deepEqual([back.x, back.y, back.width, back.height], [set.x, set.y, set.width, set.height]);
  const saved = JSON.parse(readFileSync(path.join(v.env.TWOFOLD_CONFIG_DIR, "window-state.json"), "utf8"));
  assert.ok(saved.main, "saved in Twofold's config folder");
  await quitFromMenu(browser);
});

test("start hidden in the tray: no window until the tray shows it", async () => {
  mkdirSync(v.env.TWOFOLD_CONFIG_DIR, { recursive: true });
  const s = JSON.parse(readFileSync(settingsFile, "utf8"));
  writeFileSync(settingsFile, JSON.stringify({ ...s, start_hidden: true }));
  await start();
  const tray = await waitFor(() => findTray(), "the tray menu on the bus");
  await sleep(1000);
  assert.equal(visibleWindow(), null, "no window at start");
  clickTrayItem(tray, item(tray, "Show Twofold").id);
  await waitFor(() => visibleWindow(), "the window from the tray");
});

test("copying a code from the tray gives a desktop notification, without the code", async () => {
  const tray = await waitFor(() => findTray(), "the tray menu on the bus");
  const monitor = spawn("dbus-monitor", ["--session", "interface='org.freedesktop.Notifications',member='Notify'"], { stdio: ["ignore", "pipe", "ignore"] });
  let seen = "";
  monitor.stdout.on("data", (d) => (seen += d));
  try {
    await sleep(500);
    const line = trayItems(tray).find((i) => i.label.startsWith("Window Co"));
    clickTrayItem(tray, line.id);
    await waitFor(() => seen.includes("Code copied"), "a Notify call on the bus");
    assert.match(seen, /The clipboard clears in 30 s\./);
    const code = twofold(["code", "Window Co"], v.env).trim();
    assert.ok(!seen.includes(code), "the code is not in the notification");
  } finally {
    monitor.kill();
  }
});
