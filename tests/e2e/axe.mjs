// axe-core (npm, pinned) run inside the app's page over WebDriver: the page's CSP allows no
// script but its own, and WebDriver's execute is not a page script, so the engine goes in that way.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The violations axe-core finds in the page as it is now: "rule-id: target (summary)" lines. */
export async function axeViolations(browser) {
  const loaded = await browser.execute(() => typeof window.axe === "object");
  if (!loaded) await browser.execute(`${source}\nreturn true;`);
  const result = await browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) => done(r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} (${(n.failureSummary ?? "").split("\n").slice(1, 2).join(" ").trim()})`))))
      .catch((e) => done([`axe failed: ${e}`]));
  });
  return result;
}
