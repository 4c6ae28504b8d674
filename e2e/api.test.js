// The public JavaScript API in the browser (contracts.md §3): bad input
// rejects (or throws) with the protocol's codes, messages and paths; table
// handles; events.on/off; Date conversion; close (A.11, A.12).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, trackProtocolRequests, useServer } from "./lib/env.js";

const env = useServer(before, after);

let profile;
let page;

before(async () => {
  profile = await launchProfile();
  page = await openPage(profile.context, env.url);
});

after(async () => {
  await profile?.close();
  await profile?.remove();
});

/** Runs body in the page with a fresh memory client; returns what body returns. */
function withClient(body, arg) {
  return page.evaluate(
    async ([src, arg]) => {
      const body = new Function(`return (${src})`)();
      const client = await harness.module.createDatafnClient({
        schema: harness.schema,
        storage: { type: "memory" },
        sync: { mode: "local-only" },
      });
      try {
        return await body(client, arg);
      } finally {
        await client.close();
      }
    },
    [body.toString(), arg],
  );
}

describe("module", () => {
  it("exports createDatafnClient, createClient and sets globalThis.datafn", async () => {
    const shape = await page.evaluate(() => ({
      same: harness.module.createClient === harness.module.createDatafnClient,
      global: globalThis.datafn.createDatafnClient === harness.module.createDatafnClient,
      type: typeof harness.module.createDatafnClient,
    }));
    assert.deepEqual(shape, { same: true, global: true, type: "function" });
  });
});

describe("config errors", () => {
  const cases = [
    ["CFG-1 missing resources", { schema: {} }, "SCHEMA_INVALID", "Invalid schema: missing resources", "resources"],
    ["CFG-2 remote required", { sync: {} }, "DFQL_INVALID",
      "Invalid client config: remote or remoteAdapter is required in sync mode", "sync"],
    ["CFG-3 offlinability needs storage", { sync: { remote: "http://h/datafn", offlinability: true } }, "DFQL_INVALID",
      "Invalid client config: storage is required when offlinability is true", "storage"],
    ["CFG-4 pullBatchSize", { storage: { type: "memory" }, sync: { remote: "http://h/datafn", pullBatchSize: 5 } },
      "DFQL_INVALID", "Invalid client config: pullBatchSize must be a positive integer between 10 and 10000",
      "sync.pullBatchSize"],
    ["CFG-5 pushBatchSize", { storage: { type: "memory" }, sync: { remote: "http://h/datafn", pushBatchSize: 501 } },
      "DFQL_INVALID", "Invalid client config: pushBatchSize must be a positive integer between 1 and 500",
      "sync.pushBatchSize"],
    ["CFG-6 unknown boot resource",
      { storage: { type: "memory" }, sync: { remote: "http://h/datafn", hydration: { bootResources: ["nope"] } } },
      "DFQL_UNKNOWN_RESOURCE", "Unknown resource: nope", "sync.hydration.bootResources[0]"],
  ];
  for (const [name, config, code, message, path] of cases) {
    it(name, async () => {
      const got = await page.evaluate(
        (config) =>
          harness.failure(() => harness.module.createDatafnClient({ schema: harness.schema, ...config })),
        config,
      );
      assert.equal(got.code, code, JSON.stringify(got));
      assert.equal(got.message, message);
      assert.equal(got.details?.path, path);
    });
  }
});

describe("table handles", () => {
  it("CFG-7 table identity, name, version and unknown resources", async () => {
    const got = await withClient((client) => {
      let err;
      try {
        client.table("nope");
      } catch (e) {
        err = { name: e.name, code: e.code, message: e.message, details: e.details, isError: e instanceof Error };
      }
      const t = client.table("task");
      return { same: t === client.table("task"), name: t.name, version: t.version, noteVersion: client.table("note").version, err };
    });
    assert.deepEqual(got, {
      same: true,
      name: "task",
      version: 1,
      noteVersion: 2,
      err: {
        name: "DatafnError",
        code: "DFQL_UNKNOWN_RESOURCE",
        message: "Unknown resource: nope",
        details: { path: "resource", resource: "nope" },
        isError: true,
      },
    });
  });

  it("CFG-8 local-only memory client answers without the network", async () => {
    const requests = trackProtocolRequests(page);
    const rows = await withClient(async (client) => {
      await client.table("task").mutate({ operation: "insert", id: "task:1", record: { title: "A" } });
      return (await client.table("task").query({})).data;
    });
    assert.deepEqual(rows, [{ id: "task:1", title: "A", status: "active" }]);
    assert.equal(requests.length, 0);
  });
});

describe("query and mutation errors", () => {
  const queries = [
    ["unknown field", { filters: { nope: 1 } }, "DFQL_UNKNOWN_FIELD", "Unknown field: filters.nope", "filters.nope"],
    ["unknown operator", { filters: { title: { $regex: "x" } } }, "DFQL_UNSUPPORTED",
      "Unsupported DFQL feature: filters.title.$regex", "filters.title.$regex"],
    ["operand shape", { filters: { title: { $in: "x" } } }, "DFQL_INVALID", "Invalid DFQL: filters.title.$in must be array",
      "filters.title.$in"],
    ["limit", { limit: 0 }, "DFQL_INVALID", "Invalid DFQL: limit must be a positive integer", "limit"],
    ["sort not array", { sort: "title" }, "DFQL_INVALID", "Invalid DFQL: sort must be array", "sort"],
    ["select relation", { select: ["a.b"] }, "DFQL_UNKNOWN_RELATION", "Unknown relation: select[0]", "select[0]"],
    ["search", { search: "x" }, "DFQL_UNSUPPORTED", "Unsupported DFQL feature: query.search", "search"],
  ];
  for (const [name, query, code, message, path] of queries) {
    it(`query rejects: ${name}`, async () => {
      const got = await withClient((client, query) => harness.failure(() => client.table("task").query(query)), query);
      assert.deepEqual(
        { code: got.code, message: got.message, path: got.details?.path },
        { code, message, path },
        JSON.stringify(got),
      );
    });
  }

  const mutations = [
    ["unsupported operation", { operation: "upsert", id: "task:1", record: {} }, "DFQL_UNSUPPORTED",
      "Unsupported DFQL feature: mutation.operation.upsert", "operation"],
    ["wrong prefix", { operation: "insert", id: "note:1", record: { title: "x" } }, "DFQL_INVALID",
      "Invalid id: does not match required prefix", "id"],
    ["wrong type", { operation: "insert", id: "task:1", record: { title: 5 } }, "DFQL_INVALID",
      "Invalid DFQL: record.title must be string", "record.title"],
    ["unknown field", { operation: "insert", id: "task:1", record: { title: "x", nope: 1 } }, "DFQL_UNKNOWN_FIELD",
      "Unknown field: record.nope", "record.nope"],
    ["enum", { operation: "insert", id: "task:1", record: { title: "x", status: "later" } }, "DFQL_INVALID",
      "Invalid DFQL: record.status is not an allowed value", "record.status"],
    ["required", { operation: "insert", id: "task:1", record: {} }, "DFQL_INVALID",
      "Invalid DFQL: record.title is required", "record.title"],
  ];
  for (const [name, mutation, code, message, path] of mutations) {
    it(`mutation resolves ok:false: ${name}`, async () => {
      const got = await withClient(async (client, mutation) => {
        const rejected = [];
        client.events.on("mutation_rejected", (e) => rejected.push(e.context));
        const res = await client.table("task").mutate(mutation);
        return { res, rejected };
      }, mutation);
      assert.equal(got.res.ok, false);
      assert.deepEqual(got.res.affectedIds, []);
      assert.deepEqual(got.res.errors, [{ code, message, path, retryable: false }]);
      assert.equal(got.rejected.length, 1);
      assert.equal(got.rejected[0].code, code);
    });
  }

  it("conflicting insert resolves with CONFLICT", async () => {
    const res = await withClient(async (client) => {
      const t = client.table("task");
      await t.mutate({ operation: "insert", id: "task:1", record: { title: "x" } });
      return t.mutate({ operation: "insert", id: "task:1", record: { title: "y" } });
    });
    assert.equal(res.ok, false);
    assert.deepEqual(res.errors, [{ code: "CONFLICT", message: "Record already exists", path: "id", retryable: false }]);
  });
});

describe("events", () => {
  it("EV-6 events.on validates the type; on/off and unsubscribe stop delivery", async () => {
    const got = await withClient(async (client) => {
      const t = client.table("task");
      const seen = { a: 0, b: 0, all: 0, sub: 0 };
      let err;
      try {
        client.events.on("nope", () => {});
      } catch (e) {
        err = { code: e.code, message: e.message, details: e.details };
      }
      const a = () => seen.a++;
      const offA = client.events.on("mutation_applied", a);
      client.events.on("mutation_applied", () => seen.b++);
      client.events.on("mutation_applied", () => { throw new Error("handler failure is contained"); });
      client.events.on("*", () => seen.all++);
      const unsub = t.subscribe(() => seen.sub++, { type: "mutation_applied", resource: "note" });
      await t.mutate({ operation: "insert", id: "task:1", record: { title: "x" } });
      offA();
      offA();
      await t.mutate({ operation: "insert", id: "task:2", record: { title: "y" } });
      client.events.on("mutation_applied", a);
      client.events.on("mutation_applied", a);
      client.events.off("mutation_applied", a);
      await t.mutate({ operation: "insert", id: "task:3", record: { title: "z" } });
      unsub();
      return { seen, err };
    });
    assert.deepEqual(got.err, { code: "DFQL_INVALID", message: "Invalid event type: nope", details: { path: "type" } });
    // table("task").subscribe forces resource "task", so it sees all three.
    assert.deepEqual(got.seen, { a: 1, b: 3, all: 3, sub: 3 });
  });

  it("EV-1 event shape of a local mutation", async () => {
    const events = await page.evaluate(async () => {
      const client = await harness.module.createDatafnClient({
        schema: harness.schema,
        clientId: "client:1",
        storage: { type: "memory" },
        sync: { mode: "local-only" },
        getTimestamp: () => 1000,
      });
      const events = [];
      client.subscribe((e) => events.push(e), { type: "mutation_applied" });
      await client.table("task").mutate({ operation: "insert", id: "task:1", record: { title: "A" }, mutationId: "m-1" });
      const copy = events.slice();
      await client.close();
      return copy;
    });
    assert.deepEqual(events, [{
      type: "mutation_applied", resource: "task", ids: ["task:1"], mutationId: "m-1", clientId: "client:1",
      timestampMs: 1000, action: "insert", fields: ["title"], record: { title: "A" },
    }]);
  });
});

describe("dates", () => {
  it("TR-6 date fields come back as Date; Date inputs become epoch ms", async () => {
    const got = await withClient(async (client) => {
      const task = client.table("task");
      const note = client.table("note");
      await task.mutate({ operation: "insert", id: "task:1", record: { title: "A", due: new Date(5) } });
      await task.mutate({ operation: "insert", id: "task:2", record: { title: "B", due: 1700000000000 } });
      await note.mutate({ operation: "insert", id: "note:1", record: { body: "n" } });
      const rows = (await task.query({ filters: { due: { $gt: new Date(4) } }, sort: ["due"] })).data;
      const byCursor = (await task.query({ sort: ["due"], cursor: { after: { due: new Date(5), id: "task:1" } } })).data;
      const page1 = await task.query({ sort: ["due"], limit: 1 });
      const groups = (await task.query({ groupBy: ["status"], aggregations: { last: { op: "max", field: "due" } } })).groups;
      const n = (await note.query({})).data[0];
      const entries = await client.changelog.list();
      return {
        dues: rows.map((r) => [r.id, r.due instanceof Date, r.due.getTime()]),
        byCursor: byCursor.map((r) => r.id),
        nextCursor: page1.nextCursor,
        groupMax: [groups[0].last instanceof Date, groups[0].last.getTime()],
        noteTimestamps: [n.createdAt instanceof Date, n.updatedAt instanceof Date],
        changelogDue: entries[0].mutation.record.due,
      };
    });
    assert.deepEqual(got, {
      dues: [["task:1", true, 5], ["task:2", true, 1700000000000]],
      byCursor: ["task:2"],
      nextCursor: { due: 5, id: "task:1" },
      groupMax: [true, 1700000000000],
      noteTimestamps: [true, true],
      changelogDue: 5,
    });
  });
});

describe("close", () => {
  it("CFG-10 a closed client throws or rejects Client has been destroyed", async () => {
    const got = await page.evaluate(async () => {
      const client = await harness.module.createDatafnClient({
        schema: harness.schema, storage: { type: "memory" }, sync: { mode: "local-only" },
      });
      const t = client.table("task");
      await client.close();
      const sync = (fn) => { try { fn(); return null; } catch (e) { return e; } };
      const all = {
        table: sync(() => client.table("task")),
        subscribe: sync(() => client.subscribe(() => {})),
        on: sync(() => client.events.on("sync_started", () => {})),
        query: await t.query({}).catch((e) => e),
        mutate: await t.mutate({ operation: "delete", id: "task:1" }).catch((e) => e),
        status: await client.sync.status().catch((e) => e),
        list: await client.changelog.list().catch((e) => e),
        start: await client.sync.start().catch((e) => e),
      };
      return Object.fromEntries(
        Object.entries(all).map(([k, e]) => [k, e && { code: e.code, message: e.message, path: e.details?.path }]),
      );
    });
    for (const [k, e] of Object.entries(got)) {
      assert.deepEqual(e, { code: "DFQL_INVALID", message: "Client has been destroyed", path: "$" }, k);
    }
  });
});

describe("loading and transport", () => {
  it("shares one wasm instance between clients of different databases", async () => {
    const p = await profile.context.newPage();
    try {
      const wasmFetches = [];
      p.on("request", (r) => r.url().endsWith(".wasm") && wasmFetches.push(new URL(r.url()).pathname));
      await p.goto(env.url);
      await p.waitForFunction("window.harnessReady === true");
      const rows = await p.evaluate(async () => {
        const open = (dbName) =>
          harness.module.createDatafnClient({ schema: harness.schema, storage: { dbName }, sync: { mode: "local-only" } });
        const [a, b] = await Promise.all([open("shared-a"), open("shared-b")]);
        await a.table("task").mutate({ operation: "insert", id: "task:a", record: { title: "in a" } });
        await b.table("task").mutate({ operation: "insert", id: "task:b", record: { title: "in b" } });
        const out = [(await a.table("task").query({})).data.map((r) => r.id), (await b.table("task").query({})).data.map((r) => r.id)];
        await Promise.all([a.close(), b.close()]);
        return out;
      });
      assert.deepEqual(rows, [["task:a"], ["task:b"]]);
      assert.deepEqual(wasmFetches, ["/pkg/datafn.wasm"]);
    } finally {
      await p.close();
    }
  });

  it("loads the module from wasmUrl", async () => {
    const p = await profile.context.newPage();
    try {
      const wasmFetches = [];
      p.on("request", (r) => r.url().endsWith(".wasm") && wasmFetches.push(new URL(r.url()).pathname));
      await p.goto(`${env.url}/schema.json`);
      const got = await p.evaluate(async () => {
        const mod = await import("/alt/index.js");
        const schema = await (await fetch("/schema.json")).json();
        const client = await mod.createDatafnClient({
          schema, wasmUrl: "/pkg/datafn.wasm", storage: { type: "memory" }, sync: { mode: "local-only" },
        });
        const name = client.table("note").name;
        await client.close();
        return { name, global: globalThis.datafn === mod.default };
      });
      assert.deepEqual(got, { name: "note", global: true });
      assert.deepEqual(wasmFetches, ["/pkg/datafn.wasm"]);
    } finally {
      await p.close();
    }
  });

  it("TR-1 requests go to <remote>/<op> as JSON with the bearer token of authToken()", async () => {
    const seen = [];
    const onRequest = (r) => {
      if (new URL(r.url()).pathname.startsWith("/datafn/")) seen.push({ path: new URL(r.url()).pathname, headers: r.headers() });
    };
    page.on("request", onRequest);
    try {
      const data = await page.evaluate(async () => {
        const client = await harness.module.createDatafnClient({
          schema: harness.schema,
          sync: { remote: new URL("/datafn/", location.href).href },
          authToken: () => Promise.resolve("t1"),
        });
        try {
          return (await client.table("task").query({ filters: { id: "task:none" } })).data;
        } finally {
          await client.close();
        }
      });
      assert.deepEqual(data, []);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].path, "/datafn/query");
      assert.equal(seen[0].headers["content-type"], "application/json");
      assert.equal(seen[0].headers.authorization, "Bearer t1");
    } finally {
      page.off("request", onRequest);
    }
  });
});
