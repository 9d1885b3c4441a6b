// Helpers shared by the end-to-end tests: a throw-away vault per test, the CLI, the clipboard.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./driver.mjs";

export const cli = process.env.TWOFOLD_CLI ?? path.join(root, "target", "debug", "twofold");

export function freshVault() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "twofold-e2e-"));
  return {
    dir,
    vault: path.join(dir, "vault.twofold"),
    env: {
      TWOFOLD_VAULT: path.join(dir, "vault.twofold"),
      TWOFOLD_CONFIG_DIR: path.join(dir, "config"),
    },
  };
}

export function twofold(args, env = {}) {
  return execFileSync(cli, args, { env: { ...process.env, ...env }, encoding: "utf8" }).trimEnd();
}

export function clipboard() {
  try {
    return execFileSync("xclip", ["-o", "-selection", "clipboard"], { encoding: "utf8", timeout: 3000 });
  } catch {
    return "";
  }
}

/** Puts text on the X clipboard; xclip keeps serving it in the background. */
export function setClipboard(text) {
  const p = spawn("xclip", ["-i", "-selection", "clipboard"], { stdio: ["pipe", "ignore", "ignore"] });
  p.stdin.end(text);
  p.unref();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The rows' visible text, one object per account. */
export async function rows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll("#list .row")].map((li) => ({
      id: li.getAttribute("data-id"),
      issuer: li.querySelector(".issuer")?.textContent ?? "",
      label: li.querySelector(".label")?.textContent ?? "",
      code: (li.querySelector(".code")?.textContent ?? "").replace(/\s/g, ""),
      // The seconds the ring's disc draws: a CSS counter of its --secs (ui/src/dom.ts).
      left: li.querySelector(".ring") ? Number(getComputedStyle(li.querySelector(".ring")).getPropertyValue("--secs")) : NaN,
      tags: [...li.querySelectorAll(".tag")].map((t) => t.textContent),
    })),
  );
}

/**
 * Calls a Tauri command from the page, as the page's own code does (through the IPC the web
 * view is given): what comes back is exactly what the page can see. Resolves to `{ ok }` or
 * `{ err }` (a refused command's sentence).
 */
export function invoke(browser, cmd, args = {}) {
  return browser.executeAsync(
    (cmd, args, done) => {
      window.__TAURI_INTERNALS__.invoke(cmd, args).then(
        (ok) => done({ ok }),
        (err) => done({ err: String(err) }),
      );
    },
    cmd,
    args,
  );
}

/** The colours of a computed CSS gradient, in order (the `rgb(…)`/`rgba(…)` WebKit gives). */
export function gradientColours(css) {
  return css.match(/rgba?\([^)]*\)/g) ?? [];
}

/** WCAG contrast ratio of two computed `rgb(…)` colours. */
export function contrast(a, b) {
  const lum = (s) => {
    const [r, g, b2] = s.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b2;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
