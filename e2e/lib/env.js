// Node side of the e2e tests: a real bin/datafn-server per test file on a
// temp SQLite file and a free port, Debian's Chromium driven by
// playwright-core with persistent profiles, and small polling helpers.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root and the build outputs the tests use. */
export const ROOT = resolve(here, "../..");
export const SERVER_BIN = join(ROOT, "bin/datafn-server");
export const DIST = join(ROOT, "npm/dist");
export const ARTIFACTS = join(ROOT, "e2e/artifacts");
const CHROMIUM = "/usr/bin/chromium";

// Without these Chromium keeps trying to reach hosts this machine cannot reach.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

/** Fails early, with one line, when a build output is missing. */
export function requireBuild() {
  for (const f of [SERVER_BIN, join(DIST, "index.js"), join(DIST, "datafn.wasm"), join(DIST, "wasm_exec.js")]) {
    if (!existsSync(f)) throw new Error(`e2e: ${f} is missing; run make build first`);
  }
}

async function tempDir(prefix) {
  return mkdtemp(join(tmpdir(), `datafn-e2e-${prefix}-`));
}

/** A static dir holding the e2e test page and the package under pkg/. */
export async function testPageDir() {
  const dir = await tempDir("static");
  await cp(join(here, "../page"), dir, { recursive: true });
  await cp(DIST, join(dir, "pkg"), { recursive: true });
  // The module without its wasm next to it, for the wasmUrl option.
  await mkdir(join(dir, "alt"));
  for (const f of ["index.js", "wasm_exec.js"]) await cp(join(DIST, f), join(dir, "alt", f));
  return dir;
}

/** A static dir holding the demo app of web/ with the package under vendor/datafn/. */
export async function demoDir() {
  const dir = await tempDir("demo");
  for (const name of await readdir(join(ROOT, "web"))) {
    if (name === "vendor" || name.startsWith(".")) continue;
    await cp(join(ROOT, "web", name), join(dir, name), { recursive: true });
  }
  await cp(DIST, join(dir, "vendor/datafn"), { recursive: true });
  return dir;
}

/**
 * Starts bin/datafn-server on 127.0.0.1:0 with a fresh SQLite file; resolves
 * once it prints its listening line.
 */
export async function startServer({ schemaPath, staticDir }) {
  const dir = await tempDir("server");
  const proc = spawn(
    SERVER_BIN,
    ["--schema", schemaPath, "--db", `sqlite:${join(dir, "datafn.db")}`, "--addr", "127.0.0.1:0", "--static", staticDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`datafn-server did not start: ${stderr}`)), 20000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/datafn-server listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`datafn-server exited ${code}: ${stderr}`)));
  });
  return {
    url,
    /** POST <url>/datafn/<op> and the parsed envelope. */
    async call(op, body) {
      const res = await fetch(`${url}/datafn/${op}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      return res.json();
    },
    /** Every row of a resource on the server, ordered by id. */
    async rows(resource) {
      const env = await this.call("query", { resource, sort: ["id"] });
      if (!env.ok) throw new Error(`server query failed: ${JSON.stringify(env.error)}`);
      return env.result.data;
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await once(proc, "exit");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A Chromium persistent context on a profile dir (a new temp dir unless given). */
export async function launchProfile(profileDir) {
  const dir = profileDir ?? (await tempDir("profile"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 900 },
  });
  return {
    dir,
    context,
    async close() {
      await context.close();
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens url in the context, forwarding page errors to the test output. */
export async function openPage(context, url, { readyFn = "window.harnessReady === true" } = {}) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (err) => console.error(`[page error] ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.error(`[page console] ${msg.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(readyFn, null, { timeout: 30000 });
  return page;
}

/**
 * Records every request the page sends to the protocol (/datafn/...):
 * { op, method, body, at } in order.
 */
export function trackProtocolRequests(page) {
  const seen = [];
  page.on("request", (req) => {
    const m = new URL(req.url()).pathname.match(/^\/datafn\/(\w+)/);
    if (!m) return;
    let body = null;
    try {
      body = req.postDataJSON();
    } catch {
      body = req.postData();
    }
    seen.push({ op: m[1], method: req.method(), body, at: Date.now() });
  });
  return seen;
}

/** Polls fn until it returns a truthy value; returns it. */
export async function waitFor(fn, { timeout = 20000, interval = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Saves a screenshot under e2e/artifacts and returns its path. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  const buf = await page.screenshot({ path, fullPage: true });
  return { path, bytes: buf.length };
}

/**
 * Registers before/after hooks that start a server for the test file, serving
 * the test page (or the demo); the returned object is filled in by before().
 */
export function useServer(before, after, { demo = false } = {}) {
  const env = { server: null, staticDir: null, url: null };
  before(async () => {
    requireBuild();
    env.staticDir = demo ? await demoDir() : await testPageDir();
    env.server = await startServer({ schemaPath: join(env.staticDir, "schema.json"), staticDir: env.staticDir });
    env.url = env.server.url;
  });
  after(async () => {
    await env.server?.stop();
    if (env.staticDir) await rm(env.staticDir, { recursive: true, force: true });
  });
  return env;
}
