// CPU profiles of the engine side of the browser benchmarks
// (`BENCH_PROFILE=1`, `make bench-profile`). The page calls
// window.__benchProf("start") right before an engine measurement and
// __benchProf("stop") right after; each start/stop is one CDP
// Profiler.start/stop. The profiles of one benchmark are merged into
// bench/results/profiles/<bench>.cpuprofile (loads in DevTools' Performance
// panel) with a text summary, <bench>.txt: the top functions by self and by
// total time.
//
// Only the renderer's main thread is sampled: IndexedDB work done in the
// browser process shows up as "(idle)" (the page waits for it).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const TOP = 25;
const SAMPLING_US = 200;

/** Builds datafn.wasm without -s -w (function names kept) into dir; returns its path. */
export function buildProfileWasm(root, dir) {
  const out = join(dir, "datafn.wasm");
  execFileSync("mkdir", ["-p", dir]);
  execFileSync("go", ["build", "-trimpath", "-o", out, "./wasm/"], {
    cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: ["ignore", "inherit", "inherit"],
  });
  return out;
}

export class Profiler {
  constructor(dir) {
    this.dir = dir;
    this.label = null;
    this.parts = [];
    this.session = null;
    this.running = false;
    this.written = [];
  }

  /** Installs window.__benchProf in every page of the context. */
  async attach(context) {
    await context.exposeFunction("__benchProf", (what) => (what === "start" ? this.start() : this.stop()));
  }

  /** Profiles from now on go to <label>.cpuprofile (flushes the previous label). */
  async use(label) {
    if (label !== this.label) await this.flush();
    this.label = label;
  }

  async ensureSession(context) {
    if (this.session) return;
    const page = context.pages()[0] ?? (await context.newPage());
    this.session = await context.newCDPSession(page);
    await this.session.send("Profiler.enable");
    await this.session.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
  }

  async start() {
    if (!this.session || !this.label || this.running) return;
    this.running = true;
    await this.session.send("Profiler.start");
  }

  async stop() {
    if (!this.session || !this.running) return;
    this.running = false;
    const { profile } = await this.session.send("Profiler.stop");
    this.parts.push(profile);
  }

  /** Writes the merged profile and the summary of the current label. */
  async flush() {
    if (!this.label || this.parts.length === 0) {
      this.parts = [];
      return;
    }
    await mkdir(this.dir, { recursive: true });
    const merged = merge(this.parts);
    const base = join(this.dir, this.label);
    await writeFile(`${base}.cpuprofile`, JSON.stringify(merged));
    await writeFile(`${base}.txt`, summary(this.label, merged, this.parts.length));
    await writeFile(`${base}.top.json`, JSON.stringify(tops(merged), null, 1) + "\n");
    this.written.push(`${base}.txt`);
    this.parts = [];
  }
}

/** Merges CDP profiles into one: a new root over the roots' children, samples in order. */
export function merge(parts) {
  if (parts.length === 1) return parts[0];
  const nodes = [{ id: 1, callFrame: { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] }];
  const samples = [];
  const timeDeltas = [];
  let next = 2;
  let end = parts[0].startTime;
  for (const p of parts) {
    const rootId = p.nodes[0].id;
    const map = new Map([[rootId, 1]]);
    for (const n of p.nodes) if (n.id !== rootId) map.set(n.id, next++);
    for (const n of p.nodes) {
      if (n.id === rootId) {
        nodes[0].hitCount += n.hitCount ?? 0;
        nodes[0].children.push(...(n.children ?? []).map((c) => map.get(c)));
        continue;
      }
      nodes.push({ ...n, id: map.get(n.id), children: (n.children ?? []).map((c) => map.get(c)) });
    }
    for (const s of p.samples ?? []) samples.push(map.get(s));
    const d = p.timeDeltas ?? [];
    // The first delta of a later part counts from its own start, not the gap.
    d.forEach((x, i) => timeDeltas.push(i === 0 && timeDeltas.length ? 0 : x));
    end += p.endTime - p.startTime;
  }
  return { nodes, startTime: parts[0].startTime, endTime: end, samples, timeDeltas };
}

const keyOf = (cf) => {
  const name = cf.functionName || "(anonymous)";
  if (!cf.url || name.startsWith("(")) return name;
  const file = cf.url.startsWith("wasm://") ? "wasm" : cf.url.split("/").pop().split("?")[0];
  return file.endsWith(".wasm") || file === "wasm" ? `${name}  [${file}]` : `${name}  [${file}:${cf.lineNumber + 1}]`;
};

// Frames every wasm call passes through: left out of the by-total list.
const GLUE = /^(\(anonymous\)|wasm_export_resume|js-to-wasm|wasm-to-js|_resume|runtime\.handleEvent|syscall_js\.handleEvent|wasm_pc_f_loop)(\s|$|:)/;

/** Self and total time (ms) per function, from the samples and their time deltas. */
export function weigh(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const deltas = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  let all = 0;
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next one.
    const w = (i + 1 < deltas.length ? deltas[i + 1] : SAMPLING_US) / 1000;
    all += w;
    const leaf = byId.get(samples[i]);
    const k = keyOf(leaf.callFrame);
    self.set(k, (self.get(k) ?? 0) + w);
    const seen = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id).callFrame);
      if (key === "(root)" || seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + w);
    }
  }
  return { self, total, all, samples: samples.length };
}

/** The heaviest functions by self time, as {at, busyMs, self: [[name, ms, % of busy]]}, for the table's notes. */
export function tops(profile, k = TOP) {
  const { self, all } = weigh(profile);
  const busy = all - (self.get("(idle)") ?? 0);
  const list = [...self.entries()]
    .filter(([name]) => name !== "(idle)")
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, ms]) => [name, +ms.toFixed(1), +((100 * ms) / busy).toFixed(1)]);
  return { at: new Date().toISOString(), allMs: +all.toFixed(0), busyMs: +busy.toFixed(0), self: list };
}

/** A one-line "why" from <dir>/<label>.top.json of an earlier `make bench-profile`, or null. */
export function profileNote(dir, label) {
  let t;
  try {
    t = JSON.parse(readFileSync(join(dir, `${label}.top.json`), "utf8"));
  } catch {
    return null;
  }
  const short = (n) => n.replace(/\s+\[.*\]$/, "").replace(/^github\.com_datafn_datafn_go_/, "");
  const top = t.self.slice(0, 4).map(([n, , pct]) => `${short(n)} ${pct}%`).join(", ");
  const idle = t.allMs ? Math.round((100 * (t.allMs - t.busyMs)) / t.allMs) : 0;
  return `profile ${label}.txt (${t.at.slice(0, 10)}): ${idle}% idle (IndexedDB/network); busy time's top self: ${top}`;
}

export function summary(label, profile, parts) {
  const { self, total, all, samples } = weigh(profile);
  const idle = self.get("(idle)") ?? 0;
  const busy = all - idle;
  const top = (m) =>
    [...m.entries()]
      .filter(([k]) => m === self || !GLUE.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, ms], i) => `${String(i + 1).padStart(3)}  ${ms.toFixed(1).padStart(9)} ms  ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  return [
    `# CPU profile: ${label}`,
    `# ${parts} engine measurement(s) profiled, ${samples} samples every ${SAMPLING_US} µs, ${all.toFixed(0)} ms in all,`,
    `# ${busy.toFixed(0)} ms not idle. Renderer main thread only: IndexedDB work in the browser process is "(idle)".`,
    `# Percentages are of all profiled time. Open ${label}.cpuprofile in DevTools (Performance) for the call tree.`,
    "",
    `## top ${TOP} by self time`,
    top(self),
    "",
    `## top ${TOP} by total time (function anywhere on the stack; the JS↔wasm glue frames left out)`,
    top(total),
    "",
  ].join("\n");
}
