// Compile-only check of index.d.ts: `npm run typecheck` fails when the
// declarations stop describing the documented usage (contracts.md §3).
import { createDatafnClient, createClient, type DatafnSchema, type DatafnError } from "../src/index.js";

const schema: DatafnSchema = {
  capabilities: ["timestamps"],
  resources: [
    {
      name: "todos",
      version: 1,
      fields: [
        { name: "title", type: "string", required: true, maxLength: 200 },
        { name: "status", type: "string", enum: ["active", "done"], default: "active" },
        { name: "due", type: "date", nullable: true },
      ],
      indices: ["status"],
    },
  ],
};

async function usage(): Promise<void> {
  const client = await createDatafnClient({
    schema,
    clientId: "device-1",
    storage: { dbName: "my-app" },
    sync: {
      remote: "http://localhost:8080/datafn",
      offlinability: true,
      pushInterval: 5000,
      pushBatchSize: 100,
      pushMaxRetries: 3,
      pushRetryBackoff: { baseDelayMs: 1000, multiplier: 2, maxDelayMs: 60000, jitterMs: 500 },
      pushIntervalBackoff: { baseMultiplier: 2, maxDelayMs: 300000, jitterMs: 1000 },
      pullBatchSize: 200,
      hydration: { bootResources: ["todos"], backgroundResources: [], clonePageSize: 1000 },
    },
    authToken: async () => "t1",
    getTimestamp: () => Date.now(),
    generateId: ({ idPrefix }) => `${idPrefix}:x`,
  });
  const other = await createClient({ schema, storage: { type: "memory" }, sync: { mode: "local-only" } });
  await other.close();

  await client.sync.start();
  const todos = client.table("todos");
  const name: string = todos.name;
  const version: number = todos.version;
  const { data, nextCursor } = await todos.query({
    filters: {
      status: "active",
      title: { $ilike: "%milk%", not_like: "x%" },
      due: { $between: [new Date(0), new Date()] },
      $or: [{ status: ["active", "done"] }, { due: { $is_null: true } }],
    },
    sort: ["createdAt:desc", { field: "title", direction: "asc" }],
    limit: 50,
    cursor: { after: { id: "todos:1", createdAt: new Date() } },
    count: true,
  });
  const first: unknown = data[0]?.title;
  const next: object | null = nextCursor;
  const grouped = await todos.query({ groupBy: ["status"], aggregations: { n: { op: "count", field: "*" } } });
  const groups: object[] = grouped.groups;

  const res = await todos.mutate({ operation: "insert", record: { title: "x", status: "active", due: new Date() } });
  const ok: boolean = res.ok && res.errors.length === 0 && !res.deduped;
  const many = await todos.mutate([{ operation: "delete", id: "todos:1" }]);
  const ids: string[] = many[0].affectedIds;

  const off = client.events.on("connectivity_changed", (e) => {
    const online: boolean = e.context.isOnline;
  });
  off();
  client.events.on("*", (e) => e.timestampMs);
  client.events.off("sync_retry", (e) => e.context.delayMs);
  const unsub = client.subscribe((e) => {
    if (e.type === "hydration_changed") {
      const to: "notStarted" | "hydrating" | "ready" = e.context.to;
    }
  }, { type: "mutation_applied", resource: "todos" });
  unsub();
  client.events.on("mutation_applied", (e) => {
    if (e.fromRemoteTab) {
      const ids: string[] = e.ids;
    } else {
      const mutationId: string = e.mutationId;
    }
  });
  todos.subscribe(() => {}, { fields: ["status"] });

  client.sync.stop();
  await client.sync.pullNow();
  await client.sync.pushNow();
  await client.sync.cloneNow();
  const status = await client.sync.status();
  const pending: number = status.pending;
  const hydration: string | undefined = status.hydration.todos;
  const entries = await client.changelog.list({ limit: 10 });
  const seq: number = entries[0].seq;
  await client.close();

  try {
    client.table("nope");
  } catch (err) {
    const e = err as DatafnError;
    const path: string = e.details.path;
  }
  const fromGlobal: typeof createDatafnClient = globalThis.datafn.createDatafnClient;
  void [name, version, first, next, groups, ok, ids, pending, hydration, seq, fromGlobal];
}
void usage;

// @ts-expect-error: operation must be one of the four
createDatafnClient({ schema }).then((c) => c.table("todos").mutate({ operation: "upsert", id: "todos:1" }));
