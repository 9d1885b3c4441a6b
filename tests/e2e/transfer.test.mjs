// Import, export, settings, drag and drop, and manual order, end to end in the real app: the
// Import dialog reads another app's real export (plain and encrypted, with a wrong password
// first), previews it and adds it; a second import finds only duplicates; Export writes an
// encrypted Twofold backup that `twofold import` reads back, and a plain otpauth list only after
// its warning is acknowledged; the Settings dialog changes the clipboard delay and sets up
// automatic backups (written after changes, password in the keyring, the oldest pruned, read by
// the reference decryptor); an image dropped on the window is scanned; Alt+Arrow reorders and the
// vault keeps the order.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launch, root, screenshot } from "./driver.mjs";
import { freshVault, rows, sleep, twofold, waitFor } from "./helpers.mjs";

const FIXTURES = path.join(root, "crates", "transfer", "tests", "fixtures", "import");
const AEGIS_PLAIN = path.join(FIXTURES, "aegis_plain.json");
const AEGIS_ENCRYPTED = path.join(FIXTURES, "aegis_encrypted.json");
const TWOFAS = path.join(FIXTURES, "2fas_authenticator_plain_v4.2fas");
const IMAGE = path.join(root, "tests", "e2e", "fixtures", "qr-clean.png");
// How many accounts the fixture holds that Twofold can use, as the CLI reads it.
const N = Number(
  /(\d+) account\(s\) would be added/.exec(twofold(["import", AEGIS_PLAIN, "--dry-run"], freshVault().env))[1],
);

let app;
let browser;
const v = freshVault();

before(async () => {
  mkdirSync(v.env.TWOFOLD_CONFIG_DIR, { recursive: true });
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
});

after(async () => {
  await app?.close();
});

async function openMenu(item) {
  // A dialog left open by a failed test must not fail the next one.
  await browser.execute(() => document.querySelector("#modal").open && document.querySelector("#modal").close());
  await browser.$("#menu-btn").click();
  await browser.$(`#${item}`).waitForDisplayed();
  await browser.$(`#${item}`).click();
  await browser.$("#modal[open]").waitForExist();
}

const text = (sel) => browser.execute((s) => document.querySelector(s)?.textContent ?? "", sel);

async function dialogClosed() {
  await waitFor(async () => !(await browser.execute(() => document.querySelector("#modal").open)), "the dialog to close");
}

test("import an encrypted Aegis export: password asked, a wrong one refused, then a preview", async () => {
  await openMenu("menu-import");
  await browser.$("#import-files").addValue(AEGIS_ENCRYPTED);
  await browser.$("#import-go").click();
  await browser.$("#import-password").waitForDisplayed();
  assert.match(await text("#import-error"), /encrypted: enter its password/);

  await browser.$("#import-password").setValue("not the password");
  await browser.$("#import-go").click();
  await waitFor(async () => /wrong password/i.test(await text("#import-error")), "a wrong-password error");
  assert.equal(await text("#import-preview"), "", "nothing is previewed with a wrong password");

  await browser.$("#import-password").clearValue();
  await browser.$("#import-password").setValue("test");
  await browser.$("#import-go").click();
  await waitFor(async () => (await text("#import-preview")).includes(`New (${N})`), `a preview of ${N} new accounts`);
  assert.ok((await text("#import-preview")).includes(`Aegis (encrypted), ${N} accounts`));
  assert.equal(await text("#import-go"), `Import ${N} accounts`);
  await screenshot(browser, "10-import-preview");

  await browser.$("#import-go").click();
  await dialogClosed();
  const shown = await waitFor(async () => {
    const r = await rows(browser);
    return r.length === N ? r : null;
  }, `${N} rows`);
  // What the app added is in the vault the CLI reads, and its codes are Twofold's codes.
  const listed = JSON.parse(twofold(["list", "--json"], v.env));
  assert.deepEqual(listed.map((a) => a.id).sort(), shown.map((r) => r.id).sort());
  const deno = shown.find((r) => r.issuer === "Deno");
  assert.equal(deno.code, twofold(["code", deno.id], v.env).replace(/\s/g, ""));
});

test("importing the same accounts again finds only duplicates", async () => {
  await openMenu("menu-import");
  await browser.$("#import-files").addValue(AEGIS_PLAIN);
  await browser.$("#import-go").click();
  await waitFor(
    async () => (await text("#import-preview")).includes(`Already in Twofold (${N})`),
    `${N} duplicates`,
  );
  assert.match(await text("#import-preview"), /Nothing new to add/);
  await browser.$("#import-go").click();
  await dialogClosed();
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, N, "no account was added twice");
});

test("a damaged file imports nothing and says where it broke", async () => {
  const broken = path.join(v.dir, "broken.2fas");
  writeFileSync(broken, readFileSync(TWOFAS, "utf8").slice(0, 300));
  await openMenu("menu-import");
  await browser.$("#import-files").addValue(broken);
  await browser.$("#import-go").click();
  await waitFor(async () => (await text("#import-error")).startsWith("broken.2fas:"), "an error naming the file");
  assert.match(await text("#import-error"), /damaged|cannot tell/);
  await browser.keys("Escape");
  await dialogClosed();
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, N);
});

test("export an encrypted Twofold backup that twofold import reads back", async () => {
  const out = path.join(v.dir, "backup.twofoldbackup");
  await openMenu("menu-export");
  await browser.$("#export-format").selectByAttribute("value", "twofold");
  await waitFor(async () => (await browser.$("#export-path").getValue()).endsWith(".twofoldbackup"), "a proposed file name");
  assert.ok(!(await browser.$("#export-warning").isDisplayed()), "no plain-text warning for an encrypted backup");
  await browser.$("#export-path").clearValue();
  await browser.$("#export-path").setValue(out);
  await browser.$("#export-password").setValue("backup pass");
  await browser.$("#export-password2").setValue("backup typo");
  await browser.$("#export-go").click();
  await waitFor(async () => /passwords differ/.test(await text("#export-error")), "a mismatch error");
  await browser.$("#export-password2").clearValue();
  await browser.$("#export-password2").setValue("backup pass");
  await screenshot(browser, "11-export");
  await browser.$("#export-go").click();
  await dialogClosed();
  await waitFor(() => existsSync(out), "the backup file");
  const pw = path.join(v.dir, "pw");
  writeFileSync(pw, "backup pass\n");
  const other = freshVault();
  const report = twofold(["import", out, "--password-file", pw, "--dry-run"], other.env);
  assert.ok(report.includes(`Twofold backup (encrypted), ${N} account`), report);
  assert.ok(report.includes(`${N} account(s) would be added`), report);
  assert.ok(!readFileSync(out).includes(Buffer.from("Deno")), "the backup is not plain text");
});

test("a plain otpauth export needs its warning acknowledged", async () => {
  const out = path.join(v.dir, "links.txt");
  await openMenu("menu-export");
  await browser.$("#export-format").selectByAttribute("value", "otpauth");
  await browser.$("#export-warning").waitForDisplayed();
  await waitFor(async () => (await browser.$("#export-path").getValue()).endsWith(".txt"), "a proposed file name");
  await browser.$("#export-path").clearValue();
  await browser.$("#export-path").setValue(out);
  await browser.$("#export-go").click();
  await waitFor(async () => /I understand/.test(await text("#export-error")), "the acknowledgement asked for");
  assert.ok(!existsSync(out), "nothing written before the warning is acknowledged");
  await browser.$("#export-ack").click();
  await browser.$("#export-go").click();
  await dialogClosed();
  const lines = readFileSync(out, "utf8").trim().split("\n");
  assert.equal(lines.length, N);
  assert.ok(lines.every((l) => l.startsWith("otpauth://")));
});

test("the settings dialog changes the clipboard delay", async () => {
  await openMenu("menu-settings");
  await browser.$("#set-clipboard").clearValue();
  await browser.$("#set-clipboard").setValue("-3");
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await waitFor(async () => /whole number/.test(await text("#settings-error")), "a validation error");
  await browser.$("#set-clipboard").clearValue();
  await browser.$("#set-clipboard").setValue("7");
  await browser.$("#set-idle").clearValue();
  await browser.$("#set-idle").setValue("2");
  await screenshot(browser, "12-settings");
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await dialogClosed();
  const saved = JSON.parse(readFileSync(path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"), "utf8"));
  assert.equal(saved.clipboard_clear_seconds, 7);
  assert.equal(saved.idle_lock_seconds, 120);
  const first = (await rows(browser))[0];
  await browser.$(`[data-id="${first.id}"]`).click();
  await waitFor(async () => /clears in 7 s/.test(await text("#toasts")), "a toast with the new delay");
});

test("an image dropped on the window is scanned and added", async () => {
  const b64 = readFileSync(IMAGE).toString("base64");
  await browser.execute((data) => {
    /* global File, DragEvent, DataTransfer, atob */
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "qr.png", { type: "image/png" }));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, b64);
  await waitFor(async () => (await rows(browser)).find((r) => r.issuer === "Hetzner"), "the dropped account");
  assert.equal(JSON.parse(twofold(["list", "--json"], v.env)).length, N + 1);
});

test("automatic backups: set up in Settings, written after changes, read with their password, the oldest pruned", async () => {
  const dir = path.join(v.dir, "backups");
  const backups = () =>
    existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".twofoldbackup")).sort() : [];
  const save = () => browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await openMenu("menu-settings");
  assert.equal(await browser.$("#set-backup-dir").isDisplayed(), false, "off by default");
  await browser.$("#set-backup").click();
  await browser.$("#set-backup-dir").waitForDisplayed();
  await browser.$("#set-backup-dir").setValue(dir);
  await browser.$("#set-backup-keep").clearValue();
  await browser.$("#set-backup-keep").setValue("2");
  await save();
  await waitFor(async () => /Choose a password/.test(await text("#settings-error")), "a password asked for");
  await browser.$("#set-backup-password").setValue("backup pass 1");
  await browser.$("#set-backup-password2").setValue("backup pass 2");
  await save();
  await waitFor(async () => /differ/.test(await text("#settings-error")), "mismatched passwords refused");
  await browser.$("#set-backup-password2").clearValue();
  await browser.$("#set-backup-password2").setValue("backup pass 1");
  await screenshot(browser, "19-settings-backups");
  await save();
  await dialogClosed();
  assert.deepEqual(backups(), [], "nothing written before the settings are saved");

  // The first backup is written at once; its password is in the OS keyring, not on disk.
  await waitFor(() => backups().length === 1, "the first backup", 20000);
  const keyring = execFileSync("secret-tool", ["search", "--all", "service", "twofold-backup-password"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.match(keyring, /secret = backup pass 1/);
  const settings = readFileSync(path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"), "utf8");
  assert.equal(JSON.parse(settings).backup_dir, dir);
  assert.ok(!settings.includes("backup pass"), "the password is not in settings.json");

  // What the backup holds is the vault, as the reference decryptor reads it.
  const pwFile = path.join(v.dir, "backup-password.txt");
  writeFileSync(pwFile, "backup pass 1\n");
  const decrypt = (f) =>
    JSON.parse(
      execFileSync("python3", [path.join(root, "docs", "decrypt_backup.py"), path.join(dir, f), "--password-file", pwFile], {
        encoding: "utf8",
      }),
    );
  const inVault = JSON.parse(twofold(["list", "--json"], v.env));
  const firstName = backups()[0];
  const first = decrypt(firstName);
  assert.deepEqual(
    first.accounts.map((a) => a.label).sort(),
    inVault.map((a) => a.label).sort(),
  );

  // Each change made in the app makes a new backup; only the newest two are kept.
  const [a] = await rows(browser);
  const move = async (key) => {
    const before = backups();
    await browser.execute((id) => document.querySelector(`[data-id="${id}"]`).focus(), a.id);
    await browser.keys(["Alt", key]);
    await waitFor(() => {
      const now = backups();
      return now.at(-1) !== before.at(-1) ? now : null;
    }, `a backup after Alt+${key}`, 20000);
  };
  await move("ArrowDown");
  await move("ArrowUp");
  const kept = backups();
  assert.equal(kept.length, 2, `the newest two are kept: ${kept}`);
  assert.ok(!kept.includes(firstName), "the oldest backup was deleted");
  const newest = decrypt(kept.at(-1));
  assert.equal(newest.accounts[0].label, a.label, "the newest backup has the order restored by Alt+Up");

  // Settings shows the last backup and writes one on demand.
  await openMenu("menu-settings");
  await waitFor(async () => (await text("#backup-status")).includes(kept.at(-1)), "the last backup shown");
  const beforeNow = backups().at(-1);
  await browser.$("#set-backup-now").click();
  await waitFor(() => backups().at(-1) !== beforeNow, "a backup on demand", 20000);
  await browser.execute(() => document.querySelector("#modal").close());
});

// Rust tells the page about a failed background backup unasked (src-tauri/src/events.rs).
test("an automatic backup that fails is told in a toast, and the next one after the fix is written", async () => {
  const dir = path.join(v.dir, "backups");
  const [a] = await rows(browser);
  const nudge = async () => {
    await browser.execute((id) => document.querySelector(`[data-id="${id}"]`).focus(), a.id);
    await browser.keys(["Alt", "ArrowDown"]);
    await sleep(300);
    await browser.keys(["Alt", "ArrowUp"]);
  };
  // A file where the backups' folder was: the next backup cannot be written.
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(dir, "not a folder");
  await nudge();
  await waitFor(async () => /automatic backup (failed|was written)/.test(await text("#toasts")), "a toast about the backup", 20000);
  assert.match(await text("#toasts"), /no automatic backup was written|the automatic backup failed/);
  rmSync(dir);
  mkdirSync(dir);
  await nudge();
  await waitFor(() => readdirSync(dir).some((f) => f.endsWith(".twofoldbackup")), "a backup once the folder is back", 20000);
});

test("Alt+Down moves an account down, and the next start shows the new order", async () => {
  const before = await rows(browser);
  const [a, b] = before;
  await browser.$(`[data-id="${a.id}"]`).click(); // focus (and copy)
  await browser.execute((id) => document.querySelector(`[data-id="${id}"]`).focus(), a.id);
  await browser.keys(["Alt", "ArrowDown"]);
  await waitFor(async () => (await rows(browser))[1]?.id === a.id, "the row one place down");
  const after = await rows(browser);
  assert.equal(after[0].id, b.id);
  const focused = await browser.execute(() => document.activeElement?.getAttribute("data-id"));
  assert.equal(focused, a.id, "the moved row keeps the focus");
  // The order is the vault's: a new start of the app shows it.
  await app.close();
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  const reloaded = await waitFor(async () => {
    const r = await rows(browser);
    return r.length === before.length ? r : null;
  }, "the rows after a restart");
  assert.deepEqual(
    reloaded.slice(0, 2).map((r) => r.id),
    [b.id, a.id],
  );
  await sleep(100);
});

// Fails before: turning automatic backups off left their password in the OS keyring for good.
test("turning automatic backups off deletes their password from the OS keyring", async () => {
  const inKeyring = () =>
    execFileSync("secret-tool", ["search", "--all", "service", "twofold-backup-password"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  assert.match(inKeyring(), /secret = backup pass 1/, "set by the automatic-backups test");
  await openMenu("menu-settings");
  await browser.$("#set-backup").waitForDisplayed();
  assert.equal(await browser.$("#set-backup").isSelected(), true);
  await browser.$("#set-backup").click();
  await browser.execute(() => document.querySelector("#modal-actions .btn.primary").click());
  await dialogClosed();
  await waitFor(() => !inKeyring().includes("twofold-backup-password"), "the password gone from the keyring");
  const settings = JSON.parse(readFileSync(path.join(v.env.TWOFOLD_CONFIG_DIR, "settings.json"), "utf8"));
  assert.equal(settings.backup_dir, "", "backups are off");
});
