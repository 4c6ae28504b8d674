// npm/src/index.js against a hand-written fake of the raw wasm bridge
// (wasm/BRIDGE.md), in Node: what index.js itself owns (config split, table
// handles, events.on/off bookkeeping, Date conversion, closed-client checks).
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

/** A fake RawClient that records calls and lets tests emit events. */
class FakeRaw {
  calls = [];
  subs = [];
  results = { query: { data: [], nextCursor: null } };
  closed = 0;

  record(name, ...args) {
    this.calls.push([name, ...args]);
  }
  async query(resource, json) {
    this.record("query", resource, json);
    return structuredClone(this.results.query);
  }
  async mutate(resource, json) {
    this.record("mutate", resource, json);
    return { ok: true, mutationId: "m", affectedIds: [], errors: [], deduped: false };
  }
  subscribe(filterJSON, handler) {
    if (filterJSON.includes('"bad"')) {
      return Object.assign(new Error("Invalid DFQL: filter.bad"), { code: "DFQL_INVALID", details: { path: "filter.bad" } });
    }
    const sub = { filter: JSON.parse(filterJSON), handler, active: true };
    this.subs.push(sub);
    return () => {
      sub.active = false;
    };
  }
  emit(event) {
    for (const s of this.subs) {
      if (!s.active) continue;
      const f = s.filter;
      if (f && f.type && f.type !== event.type) continue;
      if (f && f.resource && event.resource && f.resource !== event.resource) continue;
      s.handler(event);
    }
  }
  async syncStart() { this.record("syncStart"); }
  syncStop() { this.record("syncStop"); }
  async pullNow() { this.record("pullNow"); }
  async pushNow() { this.record("pushNow"); }
  async cloneNow() { this.record("cloneNow"); }
  async status() { return { isOnline: true }; }
  async changelogList(json) { this.record("changelogList", json); return []; }
  async close() { this.closed++; }
  clientId() { return "fake-client"; }
}

const created = [];
globalThis.__datafnRaw = {
  version: "1",
  async createClient(configJSON, hooks) {
    const raw = new FakeRaw();
    created.push({ config: JSON.parse(configJSON), hooks, raw });
    return raw;
  },
};
const mod = await import("../npm/src/index.js");

const schema = {
  capabilities: ["timestamps"],
  resources: [
    { name: "task", version: 3, fields: [{ name: "title", type: "string" }, { name: "due", type: "date" }] },
    { name: "plain", version: 1, capabilities: { exclude: ["timestamps"] }, fields: [{ name: "at", type: "number" }] },
  ],
};

let client;
let raw;
beforeEach(async () => {
  client = await mod.createDatafnClient({ schema, storage: { type: "memory" }, sync: { mode: "local-only" } });
  raw = created.at(-1).raw;
});

describe("module", () => {
  it("exports createClient as an alias and sets globalThis.datafn", () => {
    assert.equal(mod.createClient, mod.createDatafnClient);
    assert.equal(globalThis.datafn.createDatafnClient, mod.createDatafnClient);
    assert.equal(mod.default, globalThis.datafn);
    assert.ok(mod.EVENT_TYPES.includes("sync_retry"));
  });

  it("passes functions as hooks and keeps them and wasmUrl out of the JSON", async () => {
    const getTimestamp = () => 1;
    const generateId = () => "task:x";
    const authToken = async () => "t";
    await mod.createDatafnClient({ schema, wasmUrl: "/x.wasm", getTimestamp, generateId, authToken, clientId: "c" });
    const { config, hooks } = created.at(-1);
    assert.deepEqual(Object.keys(config).sort(), ["clientId", "schema"]);
    assert.deepEqual(hooks, { getTimestamp, generateId, authToken });
    await mod.createDatafnClient({ schema, authToken: "tok" });
    assert.equal(created.at(-1).config.authToken, "tok");
    assert.deepEqual(created.at(-1).hooks, {});
  });

  it("rejects a config that is not an object", async () => {
    await assert.rejects(mod.createDatafnClient(null), { code: "DFQL_INVALID", details: { path: "$" } });
  });
});

describe("table handles", () => {
  it("are cached, carry name and version, and reject unknown names", () => {
    const t = client.table("task");
    assert.equal(client.table("task"), t);
    assert.equal(t.name, "task");
    assert.equal(t.version, 3);
    assert.throws(() => client.table("nope"), {
      name: "DatafnError",
      code: "DFQL_UNKNOWN_RESOURCE",
      message: "Unknown resource: nope",
      details: { path: "resource", resource: "nope" },
    });
    assert.throws(() => client.table("toString"), { code: "DFQL_UNKNOWN_RESOURCE" });
  });

  it("send Dates in filters, cursors and records as epoch ms", async () => {
    await client.table("task").query({ filters: { due: { $gt: new Date(7) } }, cursor: { after: { due: new Date(8), id: "task:1" } } });
    await client.table("task").mutate([{ operation: "insert", record: { title: "a", due: new Date(9) }, if: { due: new Date(10) } }]);
    assert.deepEqual(raw.calls[0], ["query", "task", '{"filters":{"due":{"$gt":7}},"cursor":{"after":{"due":8,"id":"task:1"}}}']);
    assert.deepEqual(raw.calls[1], ["mutate", "task", '[{"operation":"insert","record":{"title":"a","due":9},"if":{"due":10}}]']);
  });

  it("turn date fields of results into Dates, capability fields included", async () => {
    raw.results.query = {
      data: [{ id: "task:1", title: "a", due: 5, createdAt: 6, updatedAt: null }],
      nextCursor: { due: 5, id: "task:1" },
    };
    const res = await client.table("task").query({});
    assert.ok(res.data[0].due instanceof Date && res.data[0].due.getTime() === 5);
    assert.ok(res.data[0].createdAt instanceof Date && res.data[0].createdAt.getTime() === 6);
    assert.equal(res.data[0].updatedAt, null);
    assert.equal(res.data[0].title, "a");
    assert.deepEqual(res.nextCursor, { due: 5, id: "task:1" });

    raw.results.query = { data: [{ id: "plain:1", at: 5, createdAt: 6 }], nextCursor: null };
    const plain = await client.table("plain").query({});
    assert.deepEqual(plain.data, [{ id: "plain:1", at: 5, createdAt: 6 }]);

    raw.results.query = { groups: [{ due: 1, last: 2, n: 3, top: 4 }], nextCursor: null };
    const g = await client.table("task").query({
      groupBy: ["due"],
      aggregations: { last: { op: "max", field: "createdAt" }, n: { op: "count", field: "due" }, top: { op: "max", field: "title" } },
    });
    assert.ok(g.groups[0].due instanceof Date && g.groups[0].last instanceof Date);
    assert.equal(g.groups[0].n, 3);
    assert.equal(g.groups[0].top, 4);
  });
});

describe("events", () => {
  it("on validates the type, filters by type, and off removes every matching subscription", () => {
    assert.throws(() => client.events.on("nope", () => {}), {
      code: "DFQL_INVALID",
      message: "Invalid event type: nope",
      details: { path: "type" },
    });
    const seen = [];
    const h = (e) => seen.push(e.type);
    client.events.on("sync_started", h);
    client.events.on("sync_started", h);
    const offAll = client.events.on("*", (e) => seen.push(`*${e.type}`));
    assert.deepEqual(raw.subs.map((s) => s.filter), [{ type: "sync_started" }, { type: "sync_started" }, null]);
    raw.emit({ type: "sync_started" });
    raw.emit({ type: "sync_applied" });
    client.events.off("sync_started", h);
    offAll();
    offAll();
    raw.emit({ type: "sync_started" });
    assert.deepEqual(seen, ["sync_started", "sync_started", "*sync_started", "*sync_applied"]);
  });

  it("a throwing handler does not stop the next one", (t) => {
    t.mock.method(console, "error", () => {});
    const seen = [];
    client.subscribe(() => {
      throw new Error("boom");
    });
    client.subscribe((e) => seen.push(e.type));
    raw.emit({ type: "mutation_applied" });
    assert.deepEqual(seen, ["mutation_applied"]);
    assert.equal(console.error.mock.callCount(), 1);
  });

  it("throws the Error the raw subscribe returns for a refused filter", () => {
    assert.throws(() => client.subscribe(() => {}, { bad: 1 }), { code: "DFQL_INVALID", details: { path: "filter.bad" } });
  });

  it("handle.subscribe forces the resource", () => {
    client.table("task").subscribe(() => {}, { resource: "plain", type: "mutation_applied" });
    client.table("task").subscribe(() => {});
    assert.deepEqual(raw.subs.map((s) => s.filter), [
      { resource: "task", type: "mutation_applied" },
      { resource: "task" },
    ]);
  });
});

describe("sync, changelog and close", () => {
  it("forward to the raw client", async () => {
    await client.sync.start();
    client.sync.stop();
    await client.sync.pullNow();
    await client.sync.pushNow();
    await client.sync.cloneNow();
    await client.changelog.list({ limit: 2 });
    await client.changelog.list();
    assert.deepEqual(raw.calls.map((c) => c.join(" ")), [
      "syncStart", "syncStop", "pullNow", "pushNow", "cloneNow", 'changelogList {"limit":2}', "changelogList {}",
    ]);
    assert.equal(client.clientId, "fake-client");
  });

  it("close makes every method throw or reject Client has been destroyed", async () => {
    const t = client.table("task");
    await Promise.all([client.close(), client.close()]);
    assert.equal(raw.closed, 1);
    const destroyed = { code: "DFQL_INVALID", message: "Client has been destroyed", details: { path: "$" } };
    assert.throws(() => client.table("task"), destroyed);
    assert.throws(() => client.subscribe(() => {}), destroyed);
    assert.throws(() => client.events.on("sync_started", () => {}), destroyed);
    assert.throws(() => t.subscribe(() => {}), destroyed);
    await assert.rejects(t.query({}), destroyed);
    await assert.rejects(t.mutate({}), destroyed);
    await assert.rejects(client.sync.start(), destroyed);
    await assert.rejects(client.sync.status(), destroyed);
    await assert.rejects(client.changelog.list(), destroyed);
    client.sync.stop();
    assert.equal(raw.calls.length, 0);
  });
});
