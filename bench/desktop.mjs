// The measuring half of bench/desktop.sh (run that; it builds, makes the vaults and sets up the
// display and keyring this needs). Talks WebDriver to WebKitWebDriver directly, one driver per
// scenario, so each scenario's environment reaches its app.
//
//   node bench/desktop.mjs SCENARIOS.json OUT.md
//
// SCENARIOS.json: {"runs": 10, "memRuns": 5, "warmup": 1, "settleMs": 3000, "idleMs": 5000, "machine": "...",
//                  "scenarios": [{"name": "...", "binary": "...", "env": {...}}, ...]}
// The first scenario is the baseline the others are compared with.
//
// Start, one run: POST /session (WebKitWebDriver starts the binary) at t0; poll the page every
// POLL_MS for a `.code` element whose text has a digit; when seen, wait two animation frames
// (the frame holding it has been produced) and stop the clock: start = t1 - t0. End the session
// and make sure every process of the run is gone before the next one. The scenarios take turns.
//
// Memory, one run: launch the binary plainly (no automation), wait the scenario's p90 start +
// settleMs, read VmRSS (/proc/PID/status), Pss and Private_* (USS, /proc/PID/smaps_rollup) of the app and every
// process under it (WebKitWebProcess, WebKitNetworkProcess); then, idleMs later, their CPU time
// (utime + stime) over the next idleMs with the window left alone, as a share of one core; then
// end them all.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { captureWindow } from "../tests/e2e/capture.mjs";

const POLL_MS = 10;
const RUN_TIMEOUT_MS = 60000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`WebKitWebDriver did not open port ${port} in ${ms} ms`);
}

async function wd(base, method, route, body) {
  const res = await fetch(base + route, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value ?? {};
    throw new Error(`${method} ${route}: ${res.status} ${v.error ?? ""} ${v.message ?? ""}`);
  }
  return json.value;
}

/** pid → {ppid, name} for every process. */
function processTable() {
  const table = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      table.set(Number(d), { ppid, name });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descendants(root) {
  const table = processTable();
  const out = [];
  const walk = (pid) => {
    for (const [child, p] of table) {
      if (p.ppid === pid) {
        out.push({ pid: child, name: p.name });
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function kib(text, key) {
  const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS (KiB) of a process and every process under it. */
function memory(rootPid) {
  const procs = [];
  const root = { pid: rootPid, name: processTable().get(rootPid)?.name ?? "?" };
  for (const { pid, name } of [root, ...descendants(rootPid)]) {
    try {
      const rss = kib(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      const pss = kib(rollup, "Pss");
      const uss = kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty");
      procs.push({ pid, name, rss, pss, uss });
    } catch {
      // gone meanwhile
    }
  }
  return procs;
}

const CODE_SHOWN = `const e = document.querySelector(".code");
return !!e && /\\d/.test(e.textContent || "");`;
const TWO_FRAMES = `const done = arguments[arguments.length - 1];
requestAnimationFrame(() => requestAnimationFrame(() => done(true)));`;
const DIAGNOSIS = `return JSON.stringify({url: location.href, data: {...document.body?.dataset},
  banner: document.getElementById("banner-text")?.textContent ?? null,
  text: (document.body?.innerText ?? "").slice(0, 300)});`;

async function oneRun(base, driverPid, scenario, shot) {
  const t0 = performance.now();
  const session = await wd(base, "POST", "/session", {
    capabilities: {
      alwaysMatch: { "webkitgtk:browserOptions": { binary: scenario.binary, args: [] } },
    },
  });
  const sid = session.sessionId;
  const s = `/session/${sid}`;
  let startMs;
  try {
    for (;;) {
      let shown = false;
      try {
        shown = await wd(base, "POST", `${s}/execute/sync`, { script: CODE_SHOWN, args: [] });
      } catch {
        // the page is not there yet
      }
      if (shown) break;
      if (performance.now() - t0 > RUN_TIMEOUT_MS) {
        const why = await wd(base, "POST", `${s}/execute/sync`, { script: DIAGNOSIS, args: [] })
          .catch((e) => String(e));
        throw new Error(`${scenario.name}: no code painted in ${RUN_TIMEOUT_MS} ms: ${why}`);
      }
      await sleep(POLL_MS);
    }
    await wd(base, "POST", `${s}/execute/async`, { script: TWO_FRAMES, args: [] });
    startMs = performance.now() - t0;
    if (shot) {
      captureWindow(await wd(base, "GET", `${s}/window/rect`), shot);
    }
  } finally {
    await wd(base, "DELETE", s).catch(() => {});
    // Every process of this run must be gone before the next one starts.
    const deadline = Date.now() + 5000;
    while (descendants(driverPid).length > 0 && Date.now() < deadline) await sleep(50);
    for (const { pid } of descendants(driverPid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    while (descendants(driverPid).length > 0) await sleep(50);
  }
  return startMs;
}

function quantile(sorted, q) {
  // nearest rank
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function role(name) {
  if (name.startsWith("WebKitWebProces")) return "web";
  if (name.startsWith("WebKitNetworkPr")) return "network";
  return "app";
}

async function startDriver(scenario) {
  const port = await freePort();
  const proc = spawn("WebKitWebDriver", [`--port=${port}`], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, TAURI_WEBVIEW_AUTOMATION: "true", ...scenario.env },
  });
  await waitForPort(port, 20000);
  return { proc, base: `http://127.0.0.1:${port}` };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (s) used so far by the given processes (utime + stime, /proc/PID/stat). */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / CLK_TCK;
}

/**
 * Launches the binary plainly (no WebDriver), waits, reads the memory of it and its children
 * (`procs`), then their CPU use while idle (`idleCpu`, % of one core), and ends them all.
 */
async function memoryRun(scenario, waitMs, idleMs) {
  const app = spawn(scenario.binary, [], {
    stdio: ["ignore", "ignore", "ignore"],
    env: { ...process.env, ...scenario.env },
  });
  await sleep(waitMs);
  const procs = memory(app.pid);
  const pids = [app.pid, ...descendants(app.pid).map((p) => p.pid)];
  // With WebKit's compositing on, the tree is busy for a few seconds after the first paint
  // (perf: llvmpipe, the software-GL compositor); the idle figure is taken after that.
  await sleep(idleMs);
  const cpu0 = cpuSeconds(pids);
  await sleep(idleMs);
  const idleCpu = ((cpuSeconds(pids) - cpu0) / (idleMs / 1000)) * 100;
  app.kill("SIGTERM");
  const deadline = Date.now() + 3000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(alive)) process.kill(pid, "SIGKILL");
  while (pids.some(alive)) await sleep(50);
  return { procs, idleCpu };
}

const total = (mem, key, pick = () => true) =>
  mem.filter((p) => pick(role(p.name))).reduce((a, p) => a + p[key], 0);

const show = (mem) =>
  `RSS ${(total(mem, "rss") / 1024).toFixed(1)} MiB, PSS ${(total(mem, "pss") / 1024).toFixed(1)} MiB ` +
  `(${mem.map((p) => `${p.name} ${(p.pss / 1024).toFixed(1)}`).join(", ")})`;

const MB = (kibs) => (kibs * 1024) / 1e6;

async function main() {
  const [cfgPath, outPath] = process.argv.slice(2);
  if (!cfgPath || !outPath) {
    console.error("usage: node bench/desktop.mjs SCENARIOS.json OUT.md (run bench/desktop.sh)");
    process.exit(2);
  }
  if (!process.env.DISPLAY) throw new Error("no DISPLAY: run bench/desktop.sh, which starts Xvfb");
  const cfg = {
    runs: 10,
    memRuns: 5,
    warmup: 1,
    settleMs: 3000,
    idleMs: 5000,
    ...JSON.parse(readFileSync(cfgPath, "utf8")),
  };
  const outDir = path.dirname(outPath);
  mkdirSync(outDir, { recursive: true });
  const scs = cfg.scenarios;

  // Start-up, over WebDriver. The scenarios take turns run by run, so a load that drifts
  // (other work on the machine) spreads over all of them alike.
  const drivers = [];
  const starts = scs.map(() => []);
  try {
    for (const sc of scs) drivers.push(await startDriver(sc));
    for (let i = 0; i < cfg.warmup + cfg.runs; i++) {
      const warm = i < cfg.warmup;
      for (const [k, sc] of scs.entries()) {
        const last = i === cfg.warmup + cfg.runs - 1;
        const shot = last ? path.join(outDir, `desktop-${sc.name.replace(/\W+/g, "-")}.png`) : null;
        const ms = await oneRun(drivers[k].base, drivers[k].proc.pid, sc, shot);
        process.stderr.write(
          `start  ${sc.name}: ${warm ? "warm-up" : `run ${i - cfg.warmup + 1}/${cfg.runs}`} ${ms.toFixed(0)} ms\n`,
        );
        if (!warm) starts[k].push(ms);
        await sleep(300);
      }
    }
  } finally {
    for (const d of drivers) d.proc.kill();
  }

  // Memory, on plain launches (WebDriver automation itself costs the web process tens of MB):
  // each scenario's p90 start plus settleMs after launch.
  const stats = starts.map((xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: median(s), min: s[0], p90: quantile(s, 0.9) };
  });
  const mems = scs.map(() => []);
  for (let i = 0; i < cfg.memRuns; i++) {
    for (const [k, sc] of scs.entries()) {
      const mem = await memoryRun(sc, stats[k].p90 + cfg.settleMs, cfg.idleMs);
      process.stderr.write(
        `memory ${sc.name}: run ${i + 1}/${cfg.memRuns} ${show(mem.procs)}, idle CPU ${mem.idleCpu.toFixed(1)}%\n`,
      );
      mems[k].push(mem);
      await sleep(300);
    }
  }

  const results = scs.map((sc, k) => {
    const m = (key, pick) => MB(median(mems[k].map((mem) => total(mem.procs, key, pick))));
    return {
      name: sc.name,
      binary: sc.binary,
      ...stats[k],
      rss: m("rss"),
      pss: m("pss"),
      uss: m("uss"),
      pssApp: m("pss", (x) => x === "app"),
      pssWeb: m("pss", (x) => x === "web"),
      pssNet: m("pss", (x) => x === "network"),
      idleCpu: median(mems[k].map((mem) => mem.idleCpu)),
    };
  });
  const base = results[0];
  const f0 = (x) => x.toFixed(0);
  const f1 = (x) => x.toFixed(1);
  const diff = (x) => (x < 0 ? "" : "+") + f1(x);
  const lines = [
    `| | start median (ms) | min | p90 | start × ${base.name} | PSS (MB) | − ${base.name} | USS (MB) | − ${base.name} | RSS sum (MB) | PSS app / web / network (MB) | idle CPU (% of a core) |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ...results.map(
      (r) =>
        `| ${r.name} | ${f0(r.median)} | ${f0(r.min)} | ${f0(r.p90)} | ${(r.median / base.median).toFixed(2)} | ` +
        `${f1(r.pss)} | ${r === base ? "" : diff(r.pss - base.pss)} | ` +
        `${f1(r.uss)} | ${r === base ? "" : diff(r.uss - base.uss)} | ${f1(r.rss)} | ` +
        `${f1(r.pssApp)} / ${f1(r.pssWeb)} / ${f1(r.pssNet)} | ${f1(r.idleCpu)} |`,
    ),
  ];
  // The start target is Twofold's; other rows of the reference binary are there for comparison.
  const verdicts = results.filter((r) => r.binary !== base.binary).map((r) => {
    const ratio = r.median / base.median;
    return `- ${r.name}: start ${ratio.toFixed(2)}× ${base.name} (target ≤ 1.5×: ${ratio <= 1.5 ? "met" : "MISSED"})`;
  });
  const big = results.find((r) => /1,?000/.test(r.name));
  if (big) {
    verdicts.push(
      `- ${big.name}: ${f1(big.pss)} MB PSS, ${f1(big.rss)} MB RSS summed (target < 120 MB: ` +
        `${big.pss < 120 ? "met" : "MISSED"}; ${base.name} alone: ${f1(base.pss)} MB PSS)`,
    );
  }
  const procs = [...new Set(mems.flat().flatMap((mem) => mem.procs.map((p) => p.name)))].join(", ");
  const md = [
    `# Desktop benchmark (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)`,
    "",
    cfg.machine ?? "",
    "",
    `Start: ${cfg.runs} cold starts per row (after ${cfg.warmup} warm-up), rows taking turns, ` +
      "under one Xvfb: WebDriver new session until a `.code` element with a digit is in the DOM " +
      `and two frames have run. Memory: ${cfg.memRuns} plain launches per row (no WebDriver), ` +
      `read at the row's p90 start + ${cfg.settleMs / 1000} s, summed over the app and its ` +
      "WebKit processes: PSS (shared pages split among the processes mapping them), USS " +
      "(private pages only: what the app alone costs, steady whatever else runs) and RSS " +
      `summed. Idle CPU: the tree's CPU time over ${cfg.idleMs / 1000} s, starting ` +
      `${cfg.idleMs / 1000} s after that, the window left alone (the codes tick once a second), ` +
      "as a share of one core. Medians; MB = 10^6 bytes.",
    "",
    ...lines,
    "",
    ...verdicts,
    "",
    `Processes counted: ${procs}.`,
    "",
  ].join("\n");
  writeFileSync(outPath, md);
  process.stdout.write(md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
