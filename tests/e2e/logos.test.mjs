// #19 item 1, logos: a known issuer's row shows its Simple Icons logo (matched by the issuer, by
// the host of the otpauth image parameter, or by an issuer that is a domain), an unknown one a
// coloured initial with a readable letter; the logo sits where the ring was and the ring beside
// the code; an icon picked in the Edit dialog is kept in the vault (after a restart, and as
// `twofold list` shows it); an imported Aegis icon pack's icon is used for the issuers it lists.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { focusWindow, launch, root, screenshot } from "./driver.mjs";
import { contrast, freshVault, twofold, waitFor } from "./helpers.mjs";

const PACK = path.join(root, "crates/icons/tests/fixtures/aegis-test-pack.zip");
const PACK_UUID = "5e0d3c1a-7b2f-4d8e-9a61-2c4b8f0e7d13";
const v = freshVault();
const env = { ...v.env, TWOFOLD_KDF: "m=8192,t=1,p=1" };
let app;
let browser;

const add = (issuer, label, secret) => twofold(["add", "--secret", secret, "--issuer", issuer, "--label", label], env);

before(async () => {
  add("GitHub", "dev@example.com", "JBSWY3DPEHPK3PXP");
  add("Google", "me@gmail.com", "GEZDGNBVGY3TQOJQ");
  add("Zyxwv Corp", "ops", "MFRGGZDFMZTWQ2LK");
  add("dropbox.com", "ann", "NBSWY3DPEB3W64TM");
  const image = encodeURIComponent("https://gitlab.com/uploads/logo.png");
  twofold(["add", "--uri", `otpauth://totp/Corp%20SSO:ann?secret=ORSXG5BRGIZTINJW&issuer=Corp%20SSO&image=${image}`], env);
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
});

after(async () => {
  await app?.close();
});

/** Each row's logo: what it shows, whether an image is drawn, the initial and its colours. */
function logos() {
  return browser.execute(() =>
    Object.fromEntries(
      [...document.querySelectorAll("#list .row")].map((li) => {
        const slot = li.querySelector(".logo-slot");
        const img = slot?.querySelector("img");
        const cs = slot ? getComputedStyle(slot) : null;
        const codes = li.querySelector(".codes");
        return [
          li.querySelector(".issuer").textContent,
          {
            logo: slot?.dataset.logo ?? null,
            slug: slot?.dataset.slug ?? null,
            drawn: !!img && img.complete && img.naturalWidth > 0,
            src: img?.getAttribute("src") ?? "",
            text: slot?.textContent ?? "",
            bg: cs?.backgroundColor ?? "",
            fg: cs?.color ?? "",
            first: li.firstElementChild === slot || li.children[1] === slot,
            ringBesideCode: !!codes?.querySelector(".ring") && !!codes?.querySelector(".code"),
          },
        ];
      }),
    ),
  );
}

test("logo matched for known issuers and an initial for unknown", async () => {
  const l = await waitFor(async () => {
    const now = await logos();
    return Object.values(now).length === 5 && Object.values(now).every((x) => x.logo && (x.logo === "initial" || x.drawn)) && now;
  }, "every row's logo drawn");
  assert.equal(l.GitHub.logo, "si:github");
  assert.equal(l.GitHub.slug, "github");
  assert.match(l.GitHub.src, /^logos\/github\.svg$/);
  assert.equal(l.Google.slug, "google");
  // By the host of the image parameter, and by an issuer that is a domain.
  assert.equal(l["Corp SSO"].slug, "gitlab");
  assert.equal(l["dropbox.com"].slug, "dropbox");
  // Unknown: the initial, its colour a stable choice with a readable letter.
  assert.equal(l["Zyxwv Corp"].logo, "initial");
  assert.equal(l["Zyxwv Corp"].text, "Z");
  assert.equal(l["Zyxwv Corp"].drawn, false);
  assert.ok(contrast(l["Zyxwv Corp"].bg, l["Zyxwv Corp"].fg) >= 4.5, `${l["Zyxwv Corp"].bg} on ${l["Zyxwv Corp"].fg}`);
  // The logo where the ring was, the ring beside the code.
  for (const [name, x] of Object.entries(l)) {
    assert.ok(x.first, `${name}: the logo leads the row`);
    assert.ok(x.ringBesideCode, `${name}: the ring beside the code`);
  }
  await screenshot(browser, "29-logos");
});

test("an icon picked in the Edit dialog is kept, after a restart too", async () => {
  const githubRow = "//li[contains(@class,'row')][.//span[@class='issuer' and text()='GitHub']]";
  await browser.$(`${githubRow}//button[contains(@class,'row-menu')]`).click();
  await browser.$("//div[@id='row-menu']/button[text()='Edit…']").click();
  await browser.$("#icon-picker").waitForDisplayed({ timeout: 5000 });
  // The search starts from the issuer; the automatic choice is the one checked.
  assert.equal(await browser.$("#icon-search").getValue(), "GitHub");
  assert.equal(await browser.$("#icon-results input[value='']").isSelected(), true);
  await browser.$("#icon-search").setValue("gitlab");
  const choice = await browser.$(".icon-choice[data-choice='si:gitlab']");
  await choice.waitForDisplayed({ timeout: 5000 });
  await choice.click();
  await screenshot(browser, "30-icon-picker");
  await browser.$("//div[@id='modal-actions']/button[text()='Save']").click();
  await waitFor(async () => (await logos()).GitHub.logo === "si:gitlab", "GitHub's row with the picked logo");
  // The CLI twin reads the same choice from the vault.
  const listed = JSON.parse(twofold(["list", "--json"], env));
  assert.equal(listed.find((a) => a.issuer === "GitHub").icon, "si:gitlab");

  await app.close();
  app = await launch(v.env);
  browser = app.browser;
  await browser.$("body[data-ready='true']").waitForExist({ timeout: 20000 });
  focusWindow();
  await waitFor(async () => {
    const l = await logos();
    return l.GitHub?.logo === "si:gitlab" && l.GitHub.drawn;
  }, "the picked logo after a restart");
});

test("an imported Aegis icon pack's icon is used for the issuers it lists", async () => {
  assert.equal((await logos())["Zyxwv Corp"].logo, "initial");
  await browser.$("#menu-btn").click();
  await browser.$("#menu-icon-pack").click();
  await browser.$("#icon-pack-file").addValue(PACK);
  await browser.$("#icon-pack-import").click();
  await waitFor(async () => {
    const z = (await logos())["Zyxwv Corp"];
    return z.logo === `pack:${PACK_UUID}/icons/1_Primary/Zyxwv.svg` && z.drawn && z.src.startsWith("data:image/svg+xml;base64,");
  }, "Zyxwv Corp's row with the pack's icon");
  // The others keep their logos; the pack does not list them.
  const l = await logos();
  assert.equal(l.Google.slug, "google");
  assert.equal(l.GitHub.logo, "si:gitlab");
  assert.equal(twofold(["icons", "list", "--issuer", "Zyxwv Corp"], env), `pack:${PACK_UUID}/icons/1_Primary/Zyxwv.svg`);
  await screenshot(browser, "31-icon-pack");
});
