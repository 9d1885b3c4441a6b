// Shared WebDriver plumbing for the end-to-end tests: starts tauri-driver (which starts
// WebKitWebDriver), opens a session on the built desktop app, and saves screenshots.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";
import { captureWindow } from "./capture.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "..", "..");
export const appBinary =
  process.env.TWOFOLD_APP ?? path.join(root, "target", "debug", "twofold-desktop");
export const shotDir = path.join(root, "target", "e2e-screenshots");

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitForPorts(ports, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await Promise.all(ports.map(portOpen));
    if (open.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not open ports ${ports.join(", ")} in ${ms} ms`);
}

// Ports that fetch() refuses to connect to at all (the Fetch standard's "bad ports": SIP).
const BAD_PORTS = new Set([5060, 5061]);

/** A pair of ports (port, port + 1) on which nothing listens now, and fetch() may use. */
async function freePorts() {
  for (let i = 0; i < 50; i++) {
    const port = 4444 + Math.floor(Math.random() * 400) * 2;
    if (BAD_PORTS.has(port) || BAD_PORTS.has(port + 1)) continue;
    const open = await Promise.all([port, port + 1].map(portOpen));
    if (!open.some(Boolean)) return port;
  }
  throw new Error("no free pair of ports for tauri-driver between 4444 and 5244");
}

/** Waits until no twofold-desktop process is left (at most 10 s). */
async function appGone() {
  const name = path.basename(appBinary).slice(0, 15);
  const running = () => {
    try {
      execFileSync("pgrep", ["-x", name], { stdio: "ignore" });
      return true;
    } catch {
      return false; // pgrep exits 1: none left
    }
  };
  const end = Date.now() + 10000;
  while (Date.now() < end) {
    if (!running()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Still there (e.g. kept in a tray that a D-Bus service on the bus offered): a single
  // instance left running would take every later launch for itself, so the harness ends it.
  for (const signal of ["TERM", "KILL"]) {
    try {
      execFileSync("pkill", [`-${signal}`, "-x", name], { stdio: "ignore" });
    } catch {
      return;
    }
    for (let i = 0; i < 30 && running(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!running()) return;
  }
}

/**
 * The environment the app starts in: this one, in English unless a test names a locale (the
 * window follows LANGUAGE, LC_ALL, LC_MESSAGES and LANG, so a German machine would change what
 * the tests read), with the test's own variables over it. C.UTF-8 is English to the app and,
 * unlike en_US.UTF-8, present on every glibc system (GTK falls back to plain C without it).
 */
export function appEnv(env = {}) {
  const out = { ...process.env, LANG: "C.UTF-8" };
  for (const name of ["LANGUAGE", "LC_ALL", "LC_MESSAGES"]) delete out[name];
  return { ...out, ...env };
}

/** Starts tauri-driver on free-ish ports and a WebDriver session on the app. */
export async function launch(env = {}, args = [], attempt = 1) {
  if (!process.env.DISPLAY) {
    throw new Error("no DISPLAY: run the end-to-end tests under xvfb-run (see README)");
  }
  const port = await freePorts();
  const nativePort = port + 1;
  const driver = spawn(
    process.env.TAURI_DRIVER ?? "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort)],
    { stdio: ["ignore", "inherit", "inherit"], env: appEnv(env) },
  );
  const driverExit = new Promise((_, reject) =>
    driver.once("exit", (code) => reject(new Error(`tauri-driver exited with ${code}`))),
  );
  driverExit.catch(() => {});
  await Promise.race([waitForPorts([port, nativePort], 20000), driverExit]);
  let browser;
  try {
    browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      capabilities: {
        browserName: "wry",
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application: appBinary, args },
      },
    });
  } catch (err) {
    // A failed start must not leave tauri-driver running (the test process would never end).
    driver.kill();
    // A port taken between the check and the driver's start: once more, on other ports.
    if (attempt < 2 && /Failed to fetch|ECONNREFUSED|ECONNRESET/.test(String(err?.message))) {
      await appGone();
      return launch(env, args, attempt + 1);
    }
    throw err;
  }
  const close = async () => {
    try {
      await browser.deleteSession();
    } finally {
      driver.kill();
    }
    // The next launch must not meet this app still quitting (single instance).
    await appGone();
  };
  return { browser, close };
}

/**
 * Gives the app's window the X input focus, as a window manager does for the window a person
 * works in. Under Xvfb there is none, so the page never has the focus (document.hasFocus() is
 * false) and :focus styles are not drawn, though WebDriver's keys still arrive.
 */
export function focusWindow() {
  execFileSync("xdotool", ["search", "--sync", "--onlyvisible", "--name", "^Twofold$", "windowfocus", "--sync", "%@"]);
}

/**
 * Saves a screenshot of the window after two animation frames (so it is the current frame):
 * what the X server shows in the window's rectangle, as a person would see it. Not WebDriver's
 * screenshot command: WebKitGTK never answers it when the page is painted without accelerated
 * compositing, which is how the app runs (src-tauri/src/lib.rs).
 */
export async function screenshot(browser, name) {
  await browser.executeAsync((done) =>
    requestAnimationFrame(() => requestAnimationFrame(() => done())),
  );
  mkdirSync(shotDir, { recursive: true });
  const file = path.join(shotDir, `${name}.png`);
  captureWindow(await browser.getWindowRect(), file);
  return file;
}
