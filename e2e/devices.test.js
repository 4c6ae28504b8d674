// Two devices (two persistent browser profiles) edit the same row while
// offline; after both push and pull they converge on the server's row, where
// the last write to reach the server wins field by field (protocol.md §5.9).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);

async function device(name) {
  const profile = await launchProfile();
  const page = await openPage(profile.context, env.url);
  await page.evaluate(async (name) => {
    await harness.open({ dbName: "device", config: { clientId: name } });
    await harness.client.sync.start();
  }, name);
  return { profile, page };
}

const row = (page, id) =>
  page.evaluate(async (id) => {
    const { data } = await harness.table().query({ filters: { id } });
    return data[0] ?? null;
  }, id);

const isOnline = (d) => d.page.evaluate(() => harness.client.sync.status().then((s) => s.isOnline));

async function goOffline(d) {
  await d.profile.context.setOffline(true);
  await waitFor(async () => !(await isOnline(d)), { what: "offline" });
}

/** Back online, push everything, then pull. */
async function syncUp(d) {
  await d.profile.context.setOffline(false);
  await waitFor(() => isOnline(d), { what: "online" });
  await d.page.evaluate(() => harness.client.sync.pushNow());
  await waitFor(() => d.page.evaluate(() => harness.client.sync.status().then((s) => s.pending === 0)), {
    what: "pending 0",
  });
}

async function converge(devices, id) {
  const server = (await env.server.rows("task")).find((r) => r.id === id);
  for (const d of devices) {
    await waitFor(
      async () => {
        await d.page.evaluate(() => harness.client.sync.pullNow());
        return JSON.stringify(await row(d.page, id)) === JSON.stringify(server);
      },
      { what: "device to converge on the server row" },
    );
  }
  return server;
}

describe("two devices", () => {
  it("converge, and the last write to reach the server wins per field", async () => {
    const a = await device("device-a");
    const b = await device("device-b");
    try {
      await a.page.evaluate(() =>
        harness.table().mutate({ operation: "insert", id: "task:shared", record: { title: "start" } }),
      );
      await a.page.evaluate(() => harness.client.sync.pushNow());
      let server = await converge([a, b], "task:shared");
      assert.deepEqual(server, { id: "task:shared", title: "start", status: "active" });

      // Different fields: both survive.
      await goOffline(a);
      await goOffline(b);
      await a.page.evaluate(() =>
        harness.table().mutate({ operation: "merge", id: "task:shared", record: { title: "from A" } }),
      );
      await b.page.evaluate(() =>
        harness.table().mutate({ operation: "merge", id: "task:shared", record: { status: "done" } }),
      );
      assert.equal((await row(a.page, "task:shared")).status, "active", "A does not see B's offline edit");
      await syncUp(a);
      await syncUp(b);
      server = await converge([a, b], "task:shared");
      assert.deepEqual(server, { id: "task:shared", title: "from A", status: "done" });

      // Same field: the later push wins, whatever the order of the edits.
      await goOffline(a);
      await goOffline(b);
      await a.page.evaluate(() =>
        harness.table().mutate({ operation: "merge", id: "task:shared", record: { title: "A edits first" } }),
      );
      await b.page.evaluate(() =>
        harness.table().mutate({ operation: "merge", id: "task:shared", record: { title: "B edits second" } }),
      );
      await syncUp(b);
      await syncUp(a);
      server = await converge([a, b], "task:shared");
      assert.deepEqual(server, { id: "task:shared", title: "A edits first", status: "done" });

      // A delete from one device removes the row on the other.
      await b.page.evaluate(() => harness.table().mutate({ operation: "delete", id: "task:shared" }));
      await b.page.evaluate(() => harness.client.sync.pushNow());
      await waitFor(async () => {
        await a.page.evaluate(() => harness.client.sync.pullNow());
        return (await row(a.page, "task:shared")) === null;
      }, { what: "delete to reach device A" });
      assert.equal((await env.server.rows("task")).some((r) => r.id === "task:shared"), false);
    } finally {
      for (const d of [a, b]) {
        await d.profile.close();
        await d.profile.remove();
      }
    }
  });
});
