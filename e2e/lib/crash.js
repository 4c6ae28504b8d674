// Helpers for the crash tests: reading the server's change log one change at
// a time over HTTP, checking that each mutation wrote exactly one change,
// checking local rows against the changelog, and finding the pid of the
// Chromium a persistent context runs in (to SIGKILL it).
import { readdir, readFile } from "node:fs/promises";

/** The server's current seq (/reconcile latestCursor), as a string. */
export async function latestCursor(server) {
  const env = await server.call("reconcile", { clientId: "crash-observer" });
  if (!env.ok) throw new Error(`reconcile failed: ${JSON.stringify(env.error)}`);
  return env.result.latestCursor;
}

/**
 * Every change the server wrote after seq `since`, one per entry, in seq
 * order: { seq, resource, id, kind: "records"|"merged"|"deleted", row }.
 * Pulls with limit 1, so each window holds exactly one change row and the
 * fold of §8.4 cannot hide a second change to the same id.
 */
export async function changesSince(server, since, resources = ["task", "note"]) {
  const cursors = Object.fromEntries(resources.map((r) => [r, since]));
  const out = [];
  for (;;) {
    const env = await server.call("pull", { clientId: "crash-observer", cursors, limit: 1 });
    if (!env.ok) throw new Error(`pull failed: ${JSON.stringify(env.error)}`);
    const r = env.result;
    for (const res of resources) {
      if (r.cursors[res] === cursors[res]) continue;
      for (const kind of ["records", "merged", "deleted"]) {
        for (const item of r[kind][res]) {
          const row = kind === "deleted" ? null : item;
          out.push({ seq: Number(r.cursors[res]), resource: res, id: row ? row.id : item, kind, row });
        }
      }
      cursors[res] = r.cursors[res];
    }
    if (!r.hasMore) return out;
  }
}

/** The marker a change carries: the task's title or the note's body (deletes carry none). */
export function changeMarker(change) {
  if (!change.row) return `${change.kind}:${change.id}`;
  return change.resource === "note" ? change.row.body : change.row.title;
}

/** The marker a mutation (a changelog entry's mutation) writes. */
export function mutationMarker(mutation) {
  const rec = mutation.record ?? {};
  if (mutation.operation === "delete") return `deleted:${mutation.id}`;
  return mutation.resource === "note" ? rec.body : rec.title;
}

/**
 * Compares the changes against the markers of the mutations that should each
 * have written exactly one: markers written twice or more, markers never
 * written, and changes that belong to none of them. Empty lists mean exactly
 * once.
 */
export function exactlyOnceProblems(changes, markers) {
  const want = new Set(markers);
  const counts = new Map();
  for (const c of changes) {
    const m = changeMarker(c);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  return {
    duplicated: [...counts].filter(([m, n]) => want.has(m) && n > 1).map(([m, n]) => `${m} x${n}`),
    missing: [...want].filter((m) => !counts.has(m)),
    unexpected: [...counts].filter(([m]) => !want.has(m)).map(([m, n]) => `${m} x${n}`),
  };
}

/**
 * Atomicity of local mutations (§11.6) for rows written only by inserts with
 * status "active" and merges: folds the changelog entries of each id and
 * compares with the local rows. Returns the differences (empty = consistent):
 * a row without an entry, an entry without its row, a row that misses or has
 * more than its entries say.
 */
export function rowsVersusChangelog(rows, entries, idPrefix) {
  const folded = new Map();
  for (const e of entries) {
    const m = e.mutation;
    if (!m.id.startsWith(idPrefix)) continue;
    if (m.operation === "insert") folded.set(m.id, { id: m.id, status: "active", ...m.record });
    else if (m.operation === "merge") folded.set(m.id, { ...(folded.get(m.id) ?? { id: m.id }), ...m.record });
    else throw new Error(`rowsVersusChangelog: unexpected operation ${m.operation}`);
  }
  const local = new Map(rows.filter((r) => r.id.startsWith(idPrefix)).map((r) => [r.id, r]));
  const problems = [];
  for (const [id, row] of local) {
    if (!folded.has(id)) problems.push(`row ${id} has no changelog entry`);
    else if (JSON.stringify(row) !== JSON.stringify(sortKeys(folded.get(id), Object.keys(row)))) {
      problems.push(`row ${id} is ${JSON.stringify(row)}, changelog says ${JSON.stringify(folded.get(id))}`);
    }
  }
  for (const id of folded.keys()) if (!local.has(id)) problems.push(`changelog entry for ${id} has no row`);
  return problems;
}

// The folded row with its keys in the order of the local row (other keys last),
// so that key order alone never makes a difference.
function sortKeys(obj, order) {
  const out = {};
  for (const k of order) if (k in obj) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!(k in out)) out[k] = obj[k];
  return out;
}

/**
 * The pid of the Chromium browser process this Node process started for the
 * persistent profile dir: a child of ours whose command line carries
 * --user-data-dir=<dir>.
 */
export async function browserPid(profileDir) {
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    let cmdline;
    try {
      stat = await readFile(`/proc/${name}/stat`, "utf8");
      cmdline = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
    } catch {
      continue; // gone meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === process.pid && cmdline.includes(`--user-data-dir=${profileDir}`)) return Number(name);
  }
  throw new Error(`no Chromium child of ${process.pid} runs profile ${profileDir}`);
}

/**
 * Whether any live process (zombies do not count) is in process group pgid.
 * Playwright starts Chromium as the leader of its own group, which holds
 * every Chromium process of that launch (zygotes, renderers, the storage
 * service that writes IndexedDB).
 */
export async function processGroupAlive(pgid) {
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** Every row of table on the server, ordered by id, from one full /clone (at most 10,000 rows). */
export async function serverTable(server, table) {
  const env = await server.call("clone", { clientId: "crash-observer", tables: [table] });
  if (!env.ok) throw new Error(`clone failed: ${JSON.stringify(env.error)}`);
  if (env.result.next?.[table]) throw new Error(`serverTable: ${table} has more than one clone page`);
  return env.result.data[table];
}

/**
 * Reads one record of the client's meta store (§11.2) straight from
 * IndexedDB in the page, without a client: null when absent.
 */
export function rawMeta(page, dbName, type, key) {
  return page.evaluate(
    ({ dbName, type, key }) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(dbName);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const get = db.transaction("meta", "readonly").objectStore("meta").get([type, key]);
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            db.close();
            resolve(get.result?.value ?? null);
          };
        };
      }),
    { dbName, type, key },
  );
}

/**
 * An HTTP proxy on 127.0.0.1 in front of target (the test server). While
 * hold(op) is on, each POST /datafn/<op> is read whole and then neither
 * forwarded nor answered: it never reaches the server, whatever the browser
 * does when it goes away (an intercepted route, unlike this, can be let
 * through by Chromium when its DevTools session ends).
 */
export async function startHoldingProxy(target) {
  const { createServer, request } = await import("node:http");
  const holding = new Set();
  const held = [];
  const sockets = new Set();
  const proxy = createServer((req, res) => {
    const op = req.url.match(/^\/datafn\/(\w+)/)?.[1];
    if (req.method === "POST" && holding.has(op)) {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => held.push({ op, body: JSON.parse(body) }));
      return;
    }
    const up = request(new URL(req.url, target), { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  proxy.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    /** Requests held so far: { op, body }. */
    held,
    hold(op, on = true) {
      if (on) holding.add(op);
      else holding.delete(op);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
