// Two tabs on one database (protocol.md §12.10, §12.2, D25, D39; MT-1, MT-2):
// two pages of one persistent Chromium profile open clients with the same
// dbName against a real server. Their sync work takes turns through the Web
// Lock, a write in one shows up in the other's local queries without a
// reload, nothing is applied twice on the server, and closing one tab never
// stalls the other.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, trackProtocolRequests, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);
const DB = "tabs";

/** A new tab on the test page, with its client open on DB (no explicit clientId). */
async function openTab(context, name) {
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${name} page error] ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.error(`[${name} console] ${msg.text()}`);
  });
  const requests = trackProtocolRequests(page);
  await page.goto(env.url);
  await page.waitForFunction("window.harnessReady === true", null, { timeout: 30000 });
  const clientId = await page.evaluate((db) => harness.open({ dbName: db }), DB);
  return { name, page, requests, clientId };
}

const status = (tab) => tab.page.evaluate(() => harness.client.sync.status());
const localRow = (tab, id) =>
  tab.page.evaluate(async (id) => (await harness.table().query({ filters: { id } })).data[0] ?? null, id);
const mutate = (tab, m) => tab.page.evaluate((m) => harness.table().mutate(m), m);

async function drained(tab, what) {
  await waitFor(async () => (await status(tab)).pending === 0, { timeout: 15000, what });
}

/** Every change the server holds for task, from cursor "0": the last cursor and the rows by id. */
async function serverPullFromZero() {
  const ids = new Map();
  let cursor = "0";
  for (;;) {
    const env_ = await env.server.call("pull", { clientId: "observer", cursors: { task: cursor }, limit: 1000 });
    assert.equal(env_.ok, true, JSON.stringify(env_.error));
    const r = env_.result;
    for (const row of [...r.records.task, ...r.merged.task]) ids.set(row.id, (ids.get(row.id) ?? 0) + 1);
    for (const id of r.deleted.task) ids.set(id, (ids.get(id) ?? 0) + 1);
    cursor = r.cursors.task;
    if (!r.hasMore) return { cursor: Number(cursor), ids };
  }
}

describe("two tabs on one database", () => {
  let profile;
  let a;
  let b;
  let serverWrites = 0; // task mutations the server should have applied, each once

  before(async () => {
    const seed = [1, 2, 3].map((i) => ({
      resource: "task", version: 1, operation: "insert", id: `task:seed-${i}`,
      record: { title: `seed ${i}` }, clientId: "seeder", mutationId: `seed-${i}`,
    }));
    const res = await env.server.call("mutation", seed);
    assert.equal(res.ok, true, JSON.stringify(res));
    serverWrites += seed.length;
    profile = await launchProfile();
    a = await openTab(profile.context, "A");
    b = await openTab(profile.context, "B");
  });

  after(async () => {
    await profile?.close();
    await profile?.remove();
  });

  it("MT-1: share the clientId, clone each table once between them, both end ready", async () => {
    assert.equal(a.clientId, b.clientId, "one get-or-create clientId per database");
    await Promise.all([a, b].map((t) => t.page.evaluate(() => harness.client.sync.start())));
    const clones = [...a.requests, ...b.requests].filter((r) => r.op === "clone");
    const perTable = {};
    for (const c of clones) for (const t of c.body.tables) perTable[t] = (perTable[t] ?? 0) + 1;
    assert.deepEqual(perTable, { note: 1, task: 1 }, `clone requests: ${JSON.stringify(clones.map((c) => c.body))}`);
    for (const t of [a, b]) {
      assert.deepEqual((await status(t)).hydration, { note: "ready", task: "ready" }, `${t.name} hydration`);
      assert.deepEqual(await localRow(t, "task:seed-2"), { id: "task:seed-2", title: "seed 2", status: "active" });
    }
  });

  it("a write in tab A reaches tab B's local queries without a reload, with a fromRemoteTab event", async () => {
    assert.equal(await localRow(b, "task:fromA"), null, "B has the table resident before A writes");
    const started = Date.now();
    const r = await mutate(a, { operation: "insert", id: "task:fromA", record: { title: "written in A" } });
    assert.equal(r.ok, true);
    serverWrites++;
    const row = await waitFor(() => localRow(b, "task:fromA"), { timeout: 5000, interval: 25, what: "A's write in B" });
    assert.equal(row.title, "written in A");
    assert.ok(Date.now() - started < 5000);
    const ev = await waitFor(
      () =>
        b.page.evaluate(() =>
          harness.eventsOf("mutation_applied").find((e) => e.fromRemoteTab && e.ids.includes("task:fromA")),
        ),
      { timeout: 5000, what: "B's fromRemoteTab event" },
    );
    assert.equal(ev.resource, "task");
    assert.equal(ev.fromRemoteTab, true);
    assert.equal(ev.mutationId, undefined, "the other tab's mutation is not known");
    const own = await a.page.evaluate(() => harness.eventsOf("mutation_applied").filter((e) => e.ids.includes("task:fromA")));
    assert.ok(own.length >= 1 && own.every((e) => e.fromRemoteTab === undefined), "A's own events are local");
    await drained(a, "A's insert pushed");
  });

  it("MT-2: writes from both tabs reach the server once each and the changelog drains", async () => {
    assert.equal((await mutate(a, { operation: "insert", id: "task:shared", record: { title: "shared" } })).ok, true);
    serverWrites++;
    const run = (tab, field, values) =>
      tab.page.evaluate(
        async ({ tag, field, values }) => {
          const out = [];
          for (let i = 1; i <= 3; i++) {
            out.push(await harness.table().mutate({ operation: "insert", id: `task:${tag}-${i}`, record: { title: `${tag} ${i}` } }));
          }
          for (const v of values) {
            out.push(await harness.table().mutate({ operation: "merge", id: "task:shared", record: { [field]: v } }));
          }
          return out.map((r) => r.ok);
        },
        { tag: tab.name, field, values },
      );
    const [okA, okB] = await Promise.all([run(a, "title", ["A first", "A last"]), run(b, "status", ["done", "active"])]);
    assert.deepEqual([...okA, ...okB], Array(10).fill(true));
    serverWrites += 10;
    await drained(a, "the shared changelog to drain (A)");
    await drained(b, "the shared changelog to drain (B)");

    const { cursor, ids } = await serverPullFromZero();
    assert.equal(cursor, serverWrites, "one server change per mutation: nothing applied twice");
    for (const tag of ["A", "B"]) for (let i = 1; i <= 3; i++) assert.equal(ids.get(`task:${tag}-${i}`), 1);
    const server = (await env.server.rows("task")).find((r) => r.id === "task:shared");
    assert.deepEqual(server, { id: "task:shared", title: "A last", status: "active" });
    for (const t of [a, b]) {
      await t.page.evaluate(() => harness.client.sync.pullNow());
      assert.deepEqual(await localRow(t, "task:shared"), server, `${t.name} equals the server after pullNow`);
      const nonMonotonic = await t.page.evaluate(() =>
        harness.eventsOf("sync_failed").filter((e) => /Non-monotonic cursor/.test(e.context.error.message)),
      );
      assert.deepEqual(nonMonotonic, [], `${t.name} saw no non-monotonic cursor`);
    }
  });

  it("closing tab A in the middle of a push never stalls tab B", async () => {
    // A's push attempt hangs while it holds the lane (the Web Lock).
    let heldPush = null;
    await a.page.route("**/datafn/push", (route) => {
      heldPush = route;
    });
    assert.equal((await mutate(a, { operation: "insert", id: "task:A-closing", record: { title: "A pending" } })).ok, true);
    serverWrites++;
    await waitFor(() => heldPush, { timeout: 5000, what: "A's push to be in flight" });
    const bPushesBefore = b.requests.filter((r) => r.op === "push").length;
    assert.equal((await mutate(b, { operation: "insert", id: "task:B-during", record: { title: "B waits" } })).ok, true);
    serverWrites++;
    // B's push cycle queues for the Web Lock that A's hanging attempt holds.
    const lane = `datafn:${DB}`;
    await waitFor(
      async () => {
        const q = await b.page.evaluate(() => navigator.locks.query());
        return q.held.some((l) => l.name === lane) && q.pending.some((l) => l.name === lane);
      },
      { timeout: 5000, what: "B to wait for the lane A holds" },
    );
    assert.equal((await status(b)).pending, 2);

    const closedAt = Date.now();
    await a.page.close();
    await drained(b, "B to push once A is gone");
    const bPushes = b.requests.filter((r) => r.op === "push").slice(bPushesBefore);
    assert.ok(bPushes.length >= 1 && bPushes.every((r) => r.at >= closedAt), "B pushed only after A released the lane");
    assert.equal((await mutate(b, { operation: "insert", id: "task:B-after", record: { title: "B after" } })).ok, true);
    serverWrites++;
    await drained(b, "B's later write to push");
    assert.equal((await localRow(b, "task:B-after")).title, "B after", "B's queries still answer");

    const onServer = new Set((await env.server.rows("task")).map((r) => r.id));
    for (const id of ["task:A-closing", "task:B-during", "task:B-after"]) assert.ok(onServer.has(id), `${id} on the server`);
    const { cursor } = await serverPullFromZero();
    assert.equal(cursor, serverWrites, "A's pending insert, pushed by B, applied once");
  });
});
