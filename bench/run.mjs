// The benchmark suite (`make bench`): browser benchmarks in Debian's Chromium
// on a persistent profile against bin/datafn-server, the server store
// benchmarks through `go test -bench`, one table on stdout and
// bench/results/latest.json.
//
// playwright-core and the server helpers come from the e2e suite
// (e2e/node_modules, e2e/lib/env.js): one pinned copy for both.
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "../e2e/node_modules/playwright-core/index.mjs";
import { DIST, ROOT, requireBuild, startServer } from "../e2e/lib/env.js";
import { Profiler, buildProfileWasm, profileNote } from "./profile.mjs";
import { cells, publish } from "./readme.mjs";
import { rowsFor } from "./rows.mjs";
import { WHY } from "./why.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, "results");
const SYNC_ROWS = 100000;
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const want = (name) => !only || only.has(name);
// BENCH_PROFILE=1: a wasm with function names, CPU profiles of every engine
// measurement in bench/results/profiles (figures are perturbed: no latest.*).
const PROFILE = !!process.env.BENCH_PROFILE && process.env.BENCH_PROFILE !== "0";
const PROFILES = join(RESULTS, "profiles");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--js-flags=--expose-gc",
  "--enable-precise-memory-info",
];

function chromiumVersion() {
  try {
    return execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

const log = (...a) => console.error("[bench]", ...a);

/** hello.wasm: fmt.Println with the flags of `make build-wasm`. */
function buildHello() {
  const dir = join(RESULTS, "hello");
  execFileSync("mkdir", ["-p", dir]);
  const src = join(dir, "main.go");
  execFileSync("sh", ["-c", `cat > ${src} <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello") }
EOF`]);
  execFileSync("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", join(dir, "hello.wasm"), src], {
    cwd: dir,
    env: { ...process.env, GOOS: "js", GOARCH: "wasm", GO111MODULE: "off", GOFLAGS: "" },
  });
  return join(dir, "hello.wasm");
}

async function staticDir(helloWasm, wasm) {
  const dir = await mkdtemp(join(os.tmpdir(), "datafn-bench-static-"));
  await cp(join(here, "page"), dir, { recursive: true });
  await cp(DIST, join(dir, "pkg"), { recursive: true });
  if (wasm) await cp(wasm, join(dir, "pkg", "datafn.wasm"));
  await mkdir(join(dir, "hello"));
  await cp(helloWasm, join(dir, "hello", "hello.wasm"));
  return dir;
}

/** Pushes n rows to the server in batches of 500. */
async function seed(server, n) {
  for (let i = 0; i < n; i += 500) {
    const mutations = rowsFor(i, Math.min(500, n - i)).map(({ id, ...record }, k) => ({
      resource: "item", version: 1, operation: "insert", id, record, clientId: "seed", mutationId: `seed-${i + k}`,
    }));
    const env = await server.call("push", { clientId: "seed", mutations });
    if (!env.ok || env.result.errors.length) throw new Error(`seed push: ${JSON.stringify(env.error ?? env.result.errors[0])}`);
  }
}

class Browser {
  /** One persistent profile (on-disk IndexedDB) for the whole run; profiler: a Profiler or null. */
  static async launch(profiler) {
    const dir = await mkdtemp(join(os.tmpdir(), "datafn-bench-profile-"));
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS,
    });
    const b = new Browser();
    Object.assign(b, { dir, context, version: chromiumVersion(), profiler });
    if (profiler) {
      await profiler.attach(context);
      await profiler.ensureSession(context);
    }
    return b;
  }

  /**
   * Engine measurements from now on are profiled as <label> (BENCH_PROFILE
   * only); rows added from now on name that profile.
   */
  async profileAs(label) {
    section = label;
    await this.profiler?.use(label);
  }

  /** Runs a benchmark in a freshly loaded page. */
  async run(url, name, args) {
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    if (!this.logging) {
      this.logging = true;
      page.on("pageerror", (e) => log(`page error: ${e.message}`));
    }
    await page.goto(`${url}/index.html`);
    await page.waitForFunction("window.benchReady === true", null, { timeout: 60000 });
    return page.evaluate(([n, a]) => window.bench.run(n, a), [name, args]);
  }

  async close() {
    await this.profiler?.flush();
    await this.context.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs engine and baseline alternately (engine first on even rounds), reps times each. */
async function alternate(reps, fnEngine, fnRaw, { budgetMs = Infinity } = {}) {
  const e = [];
  const r = [];
  const start = Date.now();
  for (let i = 0; i < reps && Date.now() - start < budgetMs; i++) {
    if (i % 2 === 0) {
      e.push(await fnEngine());
      r.push(await fnRaw());
    } else {
      r.push(await fnRaw());
      e.push(await fnEngine());
    }
  }
  return { engine: median(e), baseline: median(r), engineAll: e, baselineAll: r, reps: e.length };
}

// ---------------------------------------------------------------------------
// Rows of the table. `lower`: engine/baseline must be ≤ target (times);
// `higher`: baseline/engine ... expressed as the ratio each target names.

const rows = [];
// The profile label (bench/results/profiles/<label>.txt) of the rows being added.
let section = null;
// profile: the label in why.mjs (and bench/results/profiles) that explains a miss.
function row(name, { engine, baseline, unit, ratio, target, met, note, profile = section }) {
  rows.push({ name, engine, baseline, unit, ratio, target, met, note, profile });
}
function notMeasured(name, target, reason) {
  rows.push({ name, engine: null, baseline: null, unit: "", ratio: null, target, met: null, note: `not measured: ${reason}`, profile: section });
}

/**
 * For the profile of every missed target: the top of that profile from the
 * last `make bench-profile`, if there is one, and what would close it
 * (why.mjs). Returns { label: text }; the rows' notes point to it.
 */
function explainMisses() {
  const explain = {};
  for (const r of rows) {
    if (r.met !== false || !r.profile) continue;
    if (!(r.profile in explain)) {
      const why = [profileNote(PROFILES, r.profile), WHY[r.profile] && `would close it: ${WHY[r.profile]}`].filter(Boolean);
      explain[r.profile] = why.length ? why.join("; ") : null;
    }
    if (explain[r.profile]) r.note = [r.note, `missed: see "${r.profile}" below`].filter(Boolean).join("; ");
  }
  return Object.fromEntries(Object.entries(explain).filter(([, v]) => v));
}
function timeRow(name, engine, baseline, max, note, unit = "ms") {
  const ratio = engine / baseline;
  row(name, { engine, baseline, unit, ratio, target: `≤ ${max}x`, met: ratio <= max, note });
}

async function browserBenches(browser, url) {
  if (want("coldStart")) {
    log("wasm size and cold start");
    await browser.profileAs("coldStart");
    const dfSize = (await stat(join(DIST, "datafn.wasm"))).size;
    const hSize = (await stat(join(RESULTS, "hello", "hello.wasm"))).size;
    const ratio = dfSize / hSize;
    row("wasm size (stripped)", {
      engine: dfSize / 1048576, baseline: hSize / 1048576, unit: "MiB", ratio, target: "≤ 2x", met: ratio <= 2, profile: "size",
    });
    const r = await alternate(
      7,
      async () => (await browser.run(url, "coldStart", { which: "datafn" })).ms,
      async () => (await browser.run(url, "coldStart", { which: "hello" })).ms,
    );
    timeRow("wasm cold start (fetch→main running)", r.engine, r.baseline, 1.3, "median of 7, fresh page each");
  }
  if (want("handOff")) {
    log("1,000 result rows handed to JS");
    await browser.profileAs("handOff");
    const r = await browser.run(url, "handOff", {});
    timeRow("1,000 result rows handed to JS", r.engine, r.baseline, 1.5, "memory client, query limit 1000; median of 31");
  }
  if (want("filterSort")) {
    log("filter + sort + limit 50 over 100k rows");
    await browser.profileAs("filterSort");
    const r = await browser.run(url, "filterSort", { n: 100000 });
    timeRow("filter+sort+limit 50, 100k resident", r.engine, r.baseline, 1.0, `unindexed, memory client; median of 11; insert of 100k via mutate ${r.insertMs.toFixed(0)} ms`);
    if (Number.isFinite(r.jsHeapBytesPerRow) && r.jsHeapBytesPerRow > 0) {
      const ratio = r.wasmBytesPerRow / r.jsHeapBytesPerRow;
      row("memory per resident row, 100k", {
        engine: r.wasmBytesPerRow, baseline: r.jsHeapBytesPerRow, unit: "B/row", ratio, target: "≤ 1.0x", met: ratio <= 1, profile: "memory",
        note: "engine: growth of wasm linear memory while inserting (upper bound, includes garbage)",
      });
    } else notMeasured("memory per resident row, 100k", "≤ 1.0x", `JS heap baseline unusable (${r.jsHeapBytesPerRow} B/row after gc)`);
  }
  if (want("mutation")) {
    log("one optimistic mutation, 1,000 sequential");
    await browser.profileAs("mutation");
    const r = await browser.run(url, "mutation", {});
    timeRow("one mutation call→durable, p50", r.engine, r.baseline, 1.25, `IndexedDB; p95 ${r.engineP95.toFixed(2)} vs ${r.baselineP95.toFixed(2)} ms; blocks of 50 alternating`);
    row("mutation visible to local query, p50", {
      engine: r.visibleP50, baseline: null, unit: "ms", ratio: null, target: "≤ 0.5 ms", met: r.visibleP50 <= 0.5 && r.visibleSeen === r.visibleTries,
      note: `mutate (not awaited) + query by id; row seen ${r.visibleSeen}/${r.visibleTries}`,
    });
  }
  if (want("burst")) {
    log("1,000 mutations back to back");
    await browser.profileAs("burst");
    const r = await browser.run(url, "burst", {});
    const speedup = r.singleTx / r.engine;
    row("1,000 mutations back to back vs 1,000 raw txns", {
      engine: r.engine, baseline: r.singleTx, unit: "ms", ratio: speedup, target: "≥ 20x faster", met: speedup >= 20, note: "ratio = baseline/engine",
    });
    timeRow("1,000 mutations back to back vs 1 raw txn of 2,000 puts", r.engine, r.oneTx, 1.5, "median of 3");
  }
  if (want("bulkApply")) {
    for (const n of [10000, 100000]) {
      const k = `${n / 1000}k`;
      log(`bulk apply of ${k} pulled rows`);
      await browser.profileAs(`bulkApply-${k}`);
      // Pull windows of 200 only at 10k: 500 windows of the 100k take ~25 s and tell the same.
      const r = await browser.run(url, "bulkApply", { n, reps: n >= 100000 ? 3 : 5, windowed: n <= 10000 });
      const common = `one /pull body of ${k} rows → one transaction; median of ${r.reps}, alternating; ratio = rate vs baseline`;
      const perRow = r.perRow / r.engine;
      row(`bulk apply ${k} pulled rows vs 1 put/row`, {
        engine: r.engine, baseline: r.perRow, unit: "ms", ratio: perRow, target: "≥ 5x", met: perRow >= 5,
        note: `${common}; baselines include JSON.parse of the body (${r.parseMs.toFixed(0)} ms)`,
      });
      const packed = r.packed / r.engine;
      row(`bulk apply ${k} pulled rows vs packed 100/value`, {
        engine: r.engine, baseline: r.packed, unit: "ms", ratio: packed, target: "≥ 0.5x", met: packed >= 0.5,
        note: r.windowedMs === undefined ? undefined : `as pull windows of 200 rows (default pullBatchSize), one transaction each: ${r.windowedMs.toFixed(0)} ms (once)`,
      });
      if (n === 100000) {
        row("bulk apply 100k pulled rows, until durable", {
          engine: r.engine, baseline: null, unit: "ms", ratio: null, target: "≤ 1500 ms", met: r.engine <= 1500,
        });
      }
    }
  }
  if (want("reopen")) {
    for (const n of [10000, 100000]) {
      log(`reopen ${n}`);
      await browser.profileAs(`reopen-${n / 1000}k`);
      await browser.run(url, "reopenFill", { n });
      const r = await alternate(
        3,
        async () => (await browser.run(url, "reopen", { n, which: "engine" })).ms,
        async () => (await browser.run(url, "reopen", { n, which: "raw" })).ms,
      );
      timeRow(`reopen + first query, ${n / 1000}k rows`, r.engine, r.baseline, 1.0, "fresh page; runtime preloaded; median of 3");
    }
  }
}

async function syncBench(browser, url) {
  log("initial sync of 100k rows");
  await browser.profileAs("initialSync");
  const longest = [];
  const r = await alternate(
    3,
    async () => {
      const x = await browser.run(url, "initialSync", { which: "engine", n: SYNC_ROWS });
      longest.push(x.longestTaskMs);
      return x.ms;
    },
    async () => (await browser.run(url, "initialSync", { which: "raw", n: SYNC_ROWS })).ms,
    { budgetMs: 60000 },
  );
  timeRow("initial sync 100k, empty → queryable", r.engine, r.baseline, 1.5, `median of ${r.reps} (3, fewer past a 60 s budget)`);
  const rate = SYNC_ROWS / (r.engine / 1000);
  row("initial sync rows/s", { engine: rate, baseline: null, unit: "rows/s", ratio: null, target: "≥ 70000 rows/s", met: rate >= 70000 });
  const worst = Math.max(...longest);
  row("longest main-thread task, 100k sync", {
    engine: worst, baseline: null, unit: "ms", ratio: null, target: "≤ 50 ms", met: worst <= 50,
    note: "longtask observer (reports tasks > 50 ms; 0 = none)",
  });
}

/** Runs the store benchmarks of one backend and returns { name: {metric: value} }. */
function goBench(pkg) {
  const out = execFileSync("go", ["test", "-run", "^$", "-bench", "Read|Push", "-benchtime", "2s", pkg], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"],
  });
  const res = {};
  for (const line of out.split("\n")) {
    const m = line.match(/^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$/);
    if (!m) continue;
    const metrics = {};
    for (const [, v, unit] of m[2].matchAll(/([\d.e+]+)\s+(\S+)/g)) metrics[unit] = Number(v);
    res[m[1]] = metrics;
  }
  return { res, out };
}

function serverBenches() {
  for (const [label, pkg] of [["SQLite", "./server/sqlite"], ["PostgreSQL", "./server/postgres"]]) {
    log(`server benchmarks, ${label}`);
    let got;
    try {
      got = goBench(pkg);
    } catch (err) {
      notMeasured(`server push batch 500, ${label}`, "≥ 0.25x", `go test failed: ${String(err.stderr ?? err).slice(0, 80)}`);
      notMeasured(`server pull rows/s, ${label}`, "≥ 0.5x", "go test failed");
      continue;
    }
    const push = got.res["BenchmarkPush/batch=500"];
    const pull = got.res["BenchmarkRead/PullHandler"];
    const skipped = /SKIP|unreachable/.test(got.out) ? got.out.match(/(PostgreSQL unreachable[^\n]*)/)?.[1] ?? "skipped" : "no result";
    for (const [name, m, min] of [[`server push batch 500, ${label}`, push, 0.25], [`server pull rows/s, ${label}`, pull, 0.5]]) {
      if (!m) {
        notMeasured(name, `≥ ${min}x`, skipped.slice(0, 90));
        continue;
      }
      row(name, { engine: m["rows/s"], baseline: m["raw-rows/s"], unit: "rows/s", ratio: m["x-raw"], target: `≥ ${min}x`, met: m["x-raw"] >= min });
    }
  }
}

function printTable(explain) {
  const head = ["benchmark", "engine", "baseline", "unit", "ratio", "target", "met?"];
  const body = rows.map(cells);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log("\nnotes:");
    for (const r of notes) console.log(`  ${r.name}: ${r.note}`);
  }
  if (Object.keys(explain).length) {
    console.log("\nwhy the misses:");
    for (const [label, text] of Object.entries(explain)) console.log(`  ${label}: ${text}`);
  }
}

async function main() {
  requireBuild();
  await mkdir(RESULTS, { recursive: true });
  const hello = buildHello();
  let profiler = null;
  let profWasm = null;
  if (PROFILE) {
    log("BENCH_PROFILE: building datafn.wasm with function names (no -s -w)");
    profWasm = buildProfileWasm(ROOT, join(PROFILES, "wasm"));
    profiler = new Profiler(PROFILES);
  }
  const dir = await staticDir(hello, profWasm);
  let server = null;
  let browser = null;
  try {
    server = await startServer({ schemaPath: join(dir, "schema.json"), staticDir: dir });
    browser = await Browser.launch(profiler);
    log(`Chromium ${browser.version}, server ${server.url}`);
    await browserBenches(browser, server.url);
    if (want("initialSync")) {
      log(`seeding ${SYNC_ROWS} rows`);
      await seed(server, SYNC_ROWS);
      await syncBench(browser, server.url);
    }
  } finally {
    await browser?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  // Server benchmarks are Go benchmarks, not profiled here (go test -cpuprofile).
  if (want("server") && !(PROFILE && !only)) {
    section = "server";
    serverBenches();
  }
  const explain = explainMisses();
  printTable(explain);
  if (PROFILE) {
    for (const f of profiler.written) log(`wrote ${f}`);
    log("BENCH_PROFILE: figures are perturbed by the profiler; latest.json/latest.md left as they were");
    return;
  }
  const machine = {
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`, node: process.version,
  };
  const goVersion = execFileSync("go", ["version"], { encoding: "utf8" }).trim();
  const out = { at: new Date().toISOString(), machine, chromium: chromiumVersion(), go: goVersion, rows, explain };
  if (only) {
    // A partial run does not replace the full table.
    await writeFile(join(RESULTS, "partial.json"), JSON.stringify({ ...out, only: [...only] }, null, 2) + "\n");
    log(`BENCH_ONLY: wrote ${join(RESULTS, "partial.json")}; latest.json, latest.md and the README left as they were`);
    return;
  }
  await writeFile(join(RESULTS, "latest.json"), JSON.stringify(out, null, 2) + "\n");
  await publish(out);
  log(`wrote ${join(RESULTS, "latest.json")}, latest.md and the README's Benchmarks table`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
