// bench/results/latest.md and the README's "Benchmarks" table from
// bench/results/latest.json. `make bench` does this after a full run; by
// hand: `node bench/readme.mjs` (refreshes both from the committed json).
//
// The README's table sits between the two marker lines below; everything
// between them is replaced.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const LATEST_JSON = join(here, "results", "latest.json");
export const LATEST_MD = join(here, "results", "latest.md");
const README = join(here, "..", "README.md");
const START = "<!-- bench:start (bench/readme.mjs writes this table from bench/results/latest.json) -->";
const END = "<!-- bench:end -->";

/** A figure as printed in the table. */
export function fmt(x, unit) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (unit === "rows/s" || unit === "B/row") return Math.round(x).toLocaleString("en-US");
  if (unit === "MiB") return x.toFixed(2);
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** The cells of one row: benchmark, engine, baseline, unit, ratio, target, met?. */
export function cells(r) {
  return [
    r.name, fmt(r.engine, r.unit), fmt(r.baseline, r.unit), r.unit, r.ratio === null ? "—" : `${r.ratio.toFixed(2)}x`, r.target,
    r.met === null ? "—" : r.met ? "yes" : "NO",
  ];
}

const esc = (s) => String(s).replaceAll("|", "\\|");

/** latest.md: where and when, the table, the notes. */
export function markdown(out) {
  const m = out.machine ?? {};
  const day = out.at ? out.at.slice(0, 16).replace("T", " ") + " UTC" : "unknown date";
  const lines = [
    `Measured ${day} on ${m.cpu ?? "?"} (${m.cores ?? "?"} cores, ${m.memGiB ?? "?"} GiB, ${m.os ?? "?"}); ` +
      `${out.chromium ?? "Chromium ?"}; ${out.go ?? "go ?"}; Node ${m.node ?? "?"}.`,
    "",
    "| benchmark | engine | baseline | unit | ratio | target | met? |",
    "|---|--:|--:|---|--:|---|---|",
    ...out.rows.map((r) => `| ${cells(r).map(esc).join(" | ")} |`),
  ];
  const notes = out.rows.filter((r) => r.note);
  if (notes.length) {
    lines.push("", "Notes:", "");
    for (const r of notes) lines.push(`* ${esc(r.name)}: ${esc(r.note)}`);
  }
  const explain = Object.entries(out.explain ?? {});
  if (explain.length) {
    lines.push("", "Why the misses (CPU profiles of `make bench-profile`, bench/results/profiles/):", "");
    for (const [label, text] of explain) lines.push(`* ${esc(label)}: ${esc(text)}`);
  }
  return lines.join("\n") + "\n";
}

/** Replaces the README's table between the markers (adds nothing when the markers are missing). */
export async function updateReadme(md) {
  const text = await readFile(README, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${START} … ${END} not found`);
  const next = `${text.slice(0, a + START.length)}\n${md}${text.slice(b)}`;
  if (next !== text) await writeFile(README, next);
}

/** Writes latest.md from out and puts the same table in the README. */
export async function publish(out) {
  const md = markdown(out);
  await writeFile(LATEST_MD, md);
  await updateReadme(md);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = JSON.parse(await readFile(LATEST_JSON, "utf8"));
  await publish(out);
  console.error(`[bench] wrote ${LATEST_MD} and the README's Benchmarks table`);
}
