// No import cycles among the project's modules (ARCHITECTURE.md; issue 16): in the front end,
// between ui/src's modules (`from "./x"`); in each Rust crate, between its top-level modules
// and, one level down, between the files of a module folder (`crate::x` / `super::x`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** Every cycle of the graph, each once, as "a -> b -> a". */
function cycles(graph) {
  const found = new Map();
  const visit = (node, stack) => {
    for (const next of graph.get(node) ?? []) {
      const at = stack.indexOf(next);
      if (at >= 0) {
        const c = stack.slice(at);
        found.set([...c].sort().join(","), [...c, next].join(" -> "));
      } else if (stack.length < 40) visit(next, [...stack, next]);
    }
  };
  for (const n of graph.keys()) visit(n, [n]);
  return [...found.values()];
}

const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

test("the front end's modules import one another without a cycle", () => {
  const dir = join(root, "ui/src");
  const graph = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const src = stripComments(readFileSync(join(dir, f), "utf8"));
    const deps = [...src.matchAll(/from "\.\/([\w-]+)"/g)].map((m) => m[1]).filter((m) => m !== f.slice(0, -3));
    graph.set(f.slice(0, -3), new Set(deps));
  }
  assert.ok(graph.size > 10, "ui/src read");
  assert.deepEqual(cycles(graph), []);
});

/** The modules of a Rust source folder: its .rs files and sub-folders (a folder is one module). */
function rustModules(dir) {
  const mods = new Map();
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      const files = [];
      const walk = (d) => {
        for (const x of readdirSync(d)) {
          const q = join(d, x);
          if (statSync(q).isDirectory()) walk(q);
          else if (x.endsWith(".rs")) files.push(q);
        }
      };
      walk(p);
      mods.set(f, { files, single: false });
    } else if (f.endsWith(".rs") && !["lib.rs", "main.rs", "mod.rs"].includes(f)) {
      mods.set(f.slice(0, -3), { files: [p], single: true });
    }
  }
  return mods;
}

function rustGraph(dir) {
  const mods = rustModules(dir);
  const graph = new Map();
  for (const [m, { files, single }] of mods) {
    const src = files.map((f) => stripComments(readFileSync(f, "utf8"))).join("\n");
    const deps = new Set();
    for (const o of mods.keys()) {
      if (o === m) continue;
      const uses = (prefix) =>
        new RegExp(`${prefix}::(\\{[^}]*\\b${o}\\b|${o}\\b)`).test(src);
      if (uses("crate") || (single && uses("super"))) deps.add(o);
    }
    graph.set(m, deps);
  }
  return graph;
}

test("each Rust crate's modules use one another without a cycle", () => {
  const dirs = [join(root, "src-tauri/src")];
  for (const c of readdirSync(join(root, "crates"))) dirs.push(join(root, "crates", c, "src"));
  // Module folders one level down (a folder's files among themselves).
  for (const d of [...dirs]) {
    for (const f of readdirSync(d)) {
      if (statSync(join(d, f)).isDirectory()) dirs.push(join(d, f));
    }
  }
  const found = dirs.flatMap((d) => cycles(rustGraph(d)).map((c) => `${d.slice(root.length)}: ${c}`));
  assert.ok(dirs.length > 12, "the crates read");
  assert.deepEqual(found, []);
});
