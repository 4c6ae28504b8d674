// In-page side of the benchmark suite: each entry of `benchmarks` runs one
// browser benchmark, the engine and its plain-JavaScript baseline
// alternating in the same page, and returns JSON figures (milliseconds
// unless a key says otherwise). bench/run.mjs drives it with playwright.
//
// Go's linear memory is captured by wrapping WebAssembly.instantiate* before
// the package loads, so that memory figures can read its size.
const instances = [];
for (const name of ["instantiate", "instantiateStreaming"]) {
  const orig = WebAssembly[name].bind(WebAssembly);
  WebAssembly[name] = async (...args) => {
    const out = await orig(...args);
    instances.push(out.instance ?? out);
    return out;
  };
}

const datafn = await import("./pkg/index.js");
const schema = await (await fetch("schema.json")).json();
const now = () => performance.now();
// Under BENCH_PROFILE, run.mjs installs __benchProf: a CDP Profiler.start or
// stop around each engine measurement (outside its clock). Otherwise no-ops.
const profStart = async () => window.__benchProf?.("start");
const profStop = async () => window.__benchProf?.("stop");

// ---------------------------------------------------------------------------
// Data: ~300-byte rows whose body is 200 random characters (incompressible).

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomText(n) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += ALPHABET[b & 63];
  return s;
}

function makeRow(i, prefix = "item") {
  return {
    id: `${prefix}:${String(i).padStart(7, "0")}`,
    title: `item number ${i}`,
    status: i % 3 === 0 ? "done" : "open",
    prio: i % 10,
    score: Math.random(),
    body: randomText(200),
  };
}

function makeRows(n, from = 0, prefix = "item") {
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = makeRow(from + i, prefix);
  return rows;
}

function insertOf(row) {
  const { id, ...record } = row;
  return { operation: "insert", id, record };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs fns in order on even rounds and in reverse order on odd ones (engine first, then last). */
async function alternately(round, ...fns) {
  for (const fn of round % 2 === 0 ? fns : [...fns].reverse()) await fn();
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// ---------------------------------------------------------------------------
// Clients and raw IndexedDB.

async function memoryClient() {
  return datafn.createDatafnClient({ schema, storage: { type: "memory" }, sync: { mode: "local-only" } });
}

async function idbClient(dbName, sync) {
  return datafn.createDatafnClient({
    schema,
    storage: { dbName },
    sync: sync ?? { mode: "local-only" },
  });
}

/** Inserts rows through mutate, 1,000 mutations per call. */
async function insertRows(client, rows) {
  const t = client.table("item");
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await t.mutate(rows.slice(i, i + 1000).map(insertOf));
    const bad = res.find((r) => !r.ok);
    if (bad) throw new Error(`insert failed: ${JSON.stringify(bad.errors)}`);
  }
}

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

/** A raw database with "rows" (keyPath id), "log" (autoIncrement) and "packed" (out-of-line keys). */
function openRaw(name) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    const db = r.result;
    db.createObjectStore("rows", { keyPath: "id" });
    db.createObjectStore("log", { keyPath: "seq", autoIncrement: true });
    db.createObjectStore("packed");
  };
  return req(r);
}

const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

// ---------------------------------------------------------------------------
// Benchmarks.

const benchmarks = {
  /** Cold start of one wasm module in this (fresh) page: fetch, compile, instantiate, main running. */
  async coldStart({ which }) {
    await loadScript("pkg/wasm_exec.js");
    const url = which === "datafn" ? "pkg/datafn.wasm" : "hello/hello.wasm";
    const go = new globalThis.Go();
    if (which === "datafn") await profStart();
    const t0 = now();
    const { instance } = await WebAssembly.instantiateStreaming(fetch(`${url}?r=${uniq()}`), go.importObject);
    const exited = go.run(instance);
    if (which === "datafn") {
      while (!globalThis.__datafnRaw) await new Promise((r) => setTimeout(r, 0));
    } else {
      await exited;
    }
    const ms = now() - t0;
    if (which === "datafn") await profStop();
    return { ms };
  },

  /** 1,000 result rows handed to JS: query of a 1,000-row table vs JSON.parse of the same rows. */
  async handOff({ reps = 31 }) {
    const client = await memoryClient();
    try {
      const rows = makeRows(1000);
      await insertRows(client, rows);
      const t = client.table("item");
      const text = JSON.stringify((await t.query({ limit: 1000 })).data);
      const eng = [];
      const raw = [];
      const engine = async () => {
        await profStart();
        const t0 = now();
        const got = await t.query({ limit: 1000 });
        eng.push(now() - t0);
        await profStop();
        if (got.data.length !== 1000) throw new Error(`handOff: ${got.data.length} rows`);
      };
      const baseline = () => {
        const t0 = now();
        const parsed = JSON.parse(text);
        raw.push(now() - t0);
        if (parsed.length !== 1000) throw new Error("handOff: parse");
      };
      for (let i = 0; i < reps; i++) await alternately(i, engine, baseline);
      return { engine: median(eng), baseline: median(raw), textBytes: text.length };
    } finally {
      await client.close();
    }
  },

  /** filter + sort + limit 50 over n resident rows (no index) vs the same on a JS array; memory per row. */
  async filterSort({ n = 100000, reps = 11 }) {
    const mem = () => instances.reduce((s, i) => s + (i.exports.mem?.buffer.byteLength ?? 0), 0);
    const client = await memoryClient();
    try {
      const rows = makeRows(n);
      const text = JSON.stringify(rows);
      const wasm0 = mem();
      const tIns = now();
      await insertRows(client, rows);
      const insertMs = now() - tIns;
      const wasmGrowth = mem() - wasm0;
      // The JS heap taken by the same rows after JSON.parse.
      const heap = () => (globalThis.gc?.(), globalThis.gc?.(), performance.memory?.usedJSHeapSize ?? NaN);
      const h0 = heap();
      let parsed = JSON.parse(text);
      const h1 = heap();
      const jsHeapPerRow = (h1 - h0) / n;
      const t = client.table("item");
      const q = { filters: { status: "open", prio: { $gte: 5 } }, sort: ["-score"], limit: 50 };
      const js = (arr) =>
        arr
          .filter((r) => r.status === "open" && r.prio >= 5)
          .sort((a, b) => b.score - a.score)
          .slice(0, 50);
      const eng = [];
      const raw = [];
      for (let i = 0; i < reps; i++) {
        let got;
        let want;
        await alternately(
          i,
          async () => {
            await profStart();
            const t0 = now();
            got = await t.query(q);
            eng.push(now() - t0);
            await profStop();
          },
          () => {
            const t0 = now();
            want = js(parsed);
            raw.push(now() - t0);
          },
        );
        if (got.data.map((r) => r.id).join() !== want.map((r) => r.id).join()) throw new Error("filterSort: results differ");
      }
      parsed = null;
      return {
        engine: median(eng),
        baseline: median(raw),
        insertMs,
        wasmBytesPerRow: wasmGrowth / n,
        jsHeapBytesPerRow: jsHeapPerRow,
      };
    } finally {
      await client.close();
    }
  },

  /** One mutation call → durable, n sequential, vs a raw transaction with the same two puts; visibility. */
  async mutation({ n = 1000, block = 50, visible = 200 }) {
    const client = await idbClient(`mut-${uniq()}`);
    const db = await openRaw(`rawmut-${uniq()}`);
    try {
      const t = client.table("item");
      const eng = [];
      const raw = [];
      let k = 0;
      const engine = async () => {
        await profStart();
        for (let i = 0; i < block; i++) {
          const row = makeRow(k++);
          const t0 = now();
          const r = await t.mutate(insertOf(row));
          eng.push(now() - t0);
          if (!r.ok) throw new Error(`mutation: ${JSON.stringify(r.errors)}`);
        }
        await profStop();
      };
      const baseline = async () => {
        for (let i = 0; i < block; i++) {
          const row = makeRow(k++);
          const t0 = now();
          const tx = db.transaction(["rows", "log"], "readwrite");
          tx.objectStore("rows").put(row);
          tx.objectStore("log").put({ clientId: "c", mutationId: row.id, mutation: insertOf(row), timestampMs: Date.now() });
          await done(tx);
          raw.push(now() - t0);
        }
      };
      for (let b = 0; b < n / block; b++) await alternately(b, engine, baseline);
      // Visibility: mutate without awaiting, then a local query for the row.
      const vis = [];
      let seen = 0;
      for (let i = 0; i < visible; i++) {
        const row = makeRow(k++);
        const t0 = now();
        const p = t.mutate(insertOf(row));
        const got = await t.query({ filters: { id: row.id } });
        vis.push(now() - t0);
        if (got.data.length === 1) seen++;
        await p;
      }
      return {
        engine: percentile(eng, 50),
        baseline: percentile(raw, 50),
        engineP95: percentile(eng, 95),
        baselineP95: percentile(raw, 95),
        visibleP50: percentile(vis, 50),
        visibleSeen: seen,
        visibleTries: visible,
      };
    } finally {
      await client.close();
      db.close();
    }
  },

  /** n mutations issued back to back until all are durable, vs n raw single-put transactions and one of 2n puts. */
  async burst({ n = 1000, reps = 3 }) {
    const client = await idbClient(`burst-${uniq()}`);
    const db = await openRaw(`rawburst-${uniq()}`);
    try {
      const t = client.table("item");
      const eng = [];
      const single = [];
      const one = [];
      let k = 0;
      const next = () => {
        const rows = makeRows(n, k);
        k += n;
        return rows;
      };
      const engine = async () => {
        const rows = next();
        await profStart();
        const t0 = now();
        const res = await Promise.all(rows.map((row) => t.mutate(insertOf(row))));
        eng.push(now() - t0);
        await profStop();
        if (res.some((x) => !x.ok)) throw new Error("burst: a mutation failed");
      };
      const singleTx = async () => {
        const rows = next();
        const t0 = now();
        await Promise.all(
          rows.map((row) => {
            const tx = db.transaction("rows", "readwrite");
            tx.objectStore("rows").put(row);
            return done(tx);
          }),
        );
        single.push(now() - t0);
      };
      const oneTx = async () => {
        const rows = next();
        const t0 = now();
        const tx = db.transaction(["rows", "log"], "readwrite");
        const rs = tx.objectStore("rows");
        const ls = tx.objectStore("log");
        for (const row of rows) {
          rs.put(row);
          ls.put({ clientId: "c", mutationId: row.id, mutation: insertOf(row), timestampMs: Date.now() });
        }
        await done(tx);
        one.push(now() - t0);
      };
      for (let r = 0; r < reps; r++) await alternately(r, engine, singleTx, oneTx);
      return { engine: median(eng), singleTx: median(single), oneTx: median(one) };
    } finally {
      await client.close();
      db.close();
    }
  },

  /** Writes n rows into an engine database and a raw one, for reopen. */
  async reopenFill({ n }) {
    const rows = makeRows(n);
    const client = await idbClient(`reopen-${n}`);
    await insertRows(client, rows);
    await client.close();
    const db = await openRaw(`rawreopen-${n}`);
    for (let i = 0; i < n; i += 10000) {
      const tx = db.transaction("rows", "readwrite");
      const s = tx.objectStore("rows");
      for (const row of rows.slice(i, i + 10000)) s.put(row);
      await done(tx);
    }
    db.close();
    return { rows: n };
  },

  /**
   * In a fresh page: open the filled database and answer a first query
   * (limit 50). The wasm runtime is loaded before the clock starts (cold
   * start is its own row).
   */
  async reopen({ n, which }) {
    if (which === "raw") {
      const t0 = now();
      const db = await openRaw(`rawreopen-${n}`);
      const all = await req(db.transaction("rows").objectStore("rows").getAll());
      const ms = now() - t0;
      db.close();
      if (all.length !== n) throw new Error(`reopen raw: ${all.length} rows`);
      return { ms };
    }
    await (await memoryClient()).close();
    await profStart();
    const t0 = now();
    const client = await idbClient(`reopen-${n}`);
    const got = await client.table("item").query({ limit: 50 });
    const ms = now() - t0;
    await profStop();
    const count = (await client.table("item").query({ limit: 1, count: true })).count;
    await client.close();
    if (got.data.length !== 50 || count !== n) throw new Error(`reopen: ${got.data.length} rows, count ${count}`);
    return { ms };
  },

  /**
   * Bulk apply of n pulled rows until durable. Each rep writes n new rows into
   * fresh databases, the three variants in alternating order:
   *  - engine: __datafnRaw.debug.applyPull fed the bytes of one /pull
   *    response holding the n rows (the engine's pull-window path, §12.7: one
   *    transaction with the rows and the cursor), on an IndexedDB client;
   *  - perRow: JSON.parse of the same body, one put per row in one transaction;
   *  - packed: JSON.parse of the same body, rows packed 100 per value in one
   *    transaction.
   * Every variant starts from the response body (the engine decodes the
   * bytes, the baselines parse the text); parseMs is the baselines' share.
   * windowed (when `windowed`): once, the same rows as pull windows of
   * `window` rows (the default pullBatchSize), one transaction each.
   */
  async bulkApply({ n, reps = 3, window = 200, windowed = true }) {
    const body = (rows, cursor) =>
      JSON.stringify({ ok: true, result: { ok: true, records: { item: rows }, merged: {}, deleted: {}, cursors: { item: String(cursor) }, hasMore: false } });
    const enc = new TextEncoder();
    const drop = (name) => req(indexedDB.deleteDatabase(name));
    const variants = {
      async engine(text) {
        const name = `bulk-${uniq()}`;
        const client = await idbClient(name);
        const bytes = enc.encode(text);
        await profStart();
        const t0 = now();
        await globalThis.__datafnRaw.debug.applyPull(client.clientId, bytes);
        const ms = now() - t0;
        await profStop();
        const count = (await client.table("item").query({ limit: 1, count: true })).count;
        await client.close();
        await drop(name);
        if (count !== n) throw new Error(`bulkApply engine: count ${count}`);
        return { ms };
      },
      async perRow(text) {
        const name = `rawbulk-${uniq()}`;
        const db = await openRaw(name);
        const t0 = now();
        const rows = JSON.parse(text).result.records.item;
        const parseMs = now() - t0;
        const tx = db.transaction("rows", "readwrite");
        const st = tx.objectStore("rows");
        for (const row of rows) st.put(row);
        await done(tx);
        const ms = now() - t0;
        db.close();
        await drop(name);
        return { ms, parseMs };
      },
      async packed(text) {
        const name = `rawbulk-${uniq()}`;
        const db = await openRaw(name);
        const t0 = now();
        const rows = JSON.parse(text).result.records.item;
        const parseMs = now() - t0;
        const tx = db.transaction("packed", "readwrite");
        const st = tx.objectStore("packed");
        for (let i = 0; i < rows.length; i += 100) st.put(rows.slice(i, i + 100), i);
        await done(tx);
        const ms = now() - t0;
        db.close();
        await drop(name);
        return { ms, parseMs };
      },
    };
    const out = { engine: [], perRow: [], packed: [], parseMs: [] };
    const order = ["engine", "perRow", "packed"];
    for (let r = 0; r < reps; r++) {
      const text = body(makeRows(n), r + 1);
      await alternately(
        r,
        ...order.map((v) => async () => {
          const x = await variants[v](text);
          out[v].push(x.ms);
          if (x.parseMs !== undefined) out.parseMs.push(x.parseMs);
        }),
      );
    }
    if (!windowed) {
      return { engine: median(out.engine), perRow: median(out.perRow), packed: median(out.packed), parseMs: median(out.parseMs), reps, all: out };
    }
    // Once: the same number of rows as default-sized pull windows.
    const name = `bulkwin-${uniq()}`;
    const client = await idbClient(name);
    const rows = makeRows(n);
    const bodies = [];
    for (let i = 0; i < n; i += window) bodies.push(enc.encode(body(rows.slice(i, i + window), i + 1)));
    const t0 = now();
    for (const b of bodies) await globalThis.__datafnRaw.debug.applyPull(client.clientId, b);
    const windowedMs = now() - t0;
    await client.close();
    await drop(name);
    return {
      engine: median(out.engine), perRow: median(out.perRow), packed: median(out.packed), parseMs: median(out.parseMs),
      windowedMs, reps, all: out,
    };
  },

  /**
   * Initial sync of the server's rows into an empty database until queryable,
   * vs raw fetch + JSON.parse + packed put of the same clone responses;
   * records the longest main-thread task of each.
   */
  async initialSync({ which, n }) {
    const longest = { ms: 0 };
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longest.ms = Math.max(longest.ms, e.duration);
    });
    obs.observe({ type: "longtask", buffered: false });
    const remote = new URL("/datafn", location.href).href;
    try {
      if (which === "raw") return { ...(await rawClone(remote, n)), longestTaskMs: longest.ms };
      await (await memoryClient()).close();
      await profStart();
      const t0 = now();
      const client = await idbClient(`sync-${uniq()}`, { remote, offlinability: true });
      await client.sync.cloneNow();
      const got = await client.table("item").query({ limit: 50 });
      const ms = now() - t0;
      await profStop();
      const count = (await client.table("item").query({ limit: 1, count: true })).count;
      await client.close();
      if (got.data.length !== 50 || count !== n) throw new Error(`initialSync: ${got.data.length} rows, count ${count}`);
      await new Promise((r) => setTimeout(r, 100)); // let the observer deliver
      return { ms, longestTaskMs: longest.ms };
    } finally {
      obs.disconnect();
    }
  },
};

/** The clone requests the engine makes (§12.6), parsed and stored 100 rows per value. */
async function rawClone(remote, n) {
  const db = await openRaw(`rawsync-${uniq()}`);
  const call = async (body) => {
    const res = await fetch(`${remote}/clone`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ clientId: "raw", includeJoins: true, ...body }),
    });
    const env = await res.json();
    if (!env.ok) throw new Error(`clone: ${JSON.stringify(env.error)}`);
    return env.result;
  };
  const t0 = now();
  let total = 0;
  let pageNo = 0;
  let result = await call({ tables: ["item"] });
  for (;;) {
    const rows = result.data.item;
    const tx = db.transaction("packed", "readwrite");
    const s = tx.objectStore("packed");
    for (let i = 0; i < rows.length; i += 100) s.put(rows.slice(i, i + 100), [pageNo, i]);
    await done(tx);
    pageNo++;
    total += rows.length;
    const next = result.next?.item;
    if (!next) break;
    result = await call({ tables: ["item"], page: { table: "item", afterId: next, limit: 1000 } });
  }
  const ms = now() - t0;
  db.close();
  if (total !== n) throw new Error(`raw clone: ${total} rows`);
  return { ms };
}

function loadScript(src) {
  if (globalThis.Go) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

window.bench = {
  async run(name, args = {}) {
    const fn = benchmarks[name];
    if (!fn) throw new Error(`unknown benchmark ${name}`);
    return fn(args);
  },
};
window.benchReady = true;
