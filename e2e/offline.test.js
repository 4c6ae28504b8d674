// Offline writes: applied locally with no request leaving the page, kept in
// the changelog across a browser restart, and pushed exactly once when the
// network is back (protocol.md §12.4, §12.8, §12.11; A.12 EV-6).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, trackProtocolRequests, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);

/** mutationId → number of push requests that carried it. */
function pushedMutationIds(requests) {
  const counts = new Map();
  for (const r of requests.filter((r) => r.op === "push")) {
    for (const m of r.body.mutations) counts.set(m.mutationId, (counts.get(m.mutationId) ?? 0) + 1);
  }
  return counts;
}

async function openHydrated(page, dbName) {
  await page.evaluate(async (dbName) => {
    await harness.open({ dbName });
    await harness.client.sync.start();
  }, dbName);
  const status = await page.evaluate(() => harness.client.sync.status());
  assert.equal(status.hydration.task, "ready");
  assert.equal(status.isOnline, true);
}

describe("offline then online", () => {
  it("applies writes locally while offline and pushes them once when online", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, env.url);
      const requests = trackProtocolRequests(page);
      await openHydrated(page, "offline-online");

      await profile.context.setOffline(true);
      await page.waitForFunction(() =>
        harness.eventsOf("connectivity_changed").some((e) => e.context.isOnline === false),
      );
      const sentBefore = requests.length;

      const results = await page.evaluate(async () => {
        const t = harness.table();
        return [
          await t.mutate({ operation: "insert", id: "task:1", record: { title: "A" } }),
          await t.mutate({ operation: "insert", id: "task:2", record: { title: "B" } }),
          await t.mutate({ operation: "merge", id: "task:1", record: { status: "done" } }),
          await t.mutate({ operation: "delete", id: "task:2" }),
        ];
      });
      for (const r of results) assert.equal(r.ok, true, JSON.stringify(r));

      const local = await page.evaluate(() => harness.rows());
      assert.deepEqual(local, [{ id: "task:1", title: "A", status: "done" }]);
      const status = await page.evaluate(() => harness.client.sync.status());
      assert.equal(status.isOnline, false);
      assert.equal(status.pending, 4);

      const entries = await page.evaluate(() => harness.client.changelog.list());
      assert.equal(entries.length, 4);
      assert.deepEqual(
        entries.map((e) => [e.mutation.operation, e.mutation.id]),
        [["insert", "task:1"], ["insert", "task:2"], ["merge", "task:1"], ["delete", "task:2"]],
      );
      for (let i = 1; i < entries.length; i++) assert.ok(entries[i].seq > entries[i - 1].seq, "seq rises");
      assert.deepEqual(entries.map((e) => e.mutationId), results.map((r) => r.mutationId));
      const limited = await page.evaluate(() => harness.client.changelog.list({ limit: 2 }));
      assert.deepEqual(limited.map((e) => e.seq), entries.slice(0, 2).map((e) => e.seq));

      assert.equal(requests.length, sentBefore, "no protocol request while offline");
      assert.deepEqual(await env.server.rows("task"), []);

      await profile.context.setOffline(false);
      await page.waitForFunction(() =>
        harness.eventsOf("connectivity_changed").some((e) => e.context.isOnline === true),
      );
      await waitFor(async () => (await page.evaluate(() => harness.client.sync.status())).pending === 0, {
        what: "pending 0",
      });
      const onServer = await env.server.rows("task");
      assert.deepEqual(onServer.map((r) => [r.id, r.title, r.status]), [["task:1", "A", "done"]]);
      assert.deepEqual(await page.evaluate(() => harness.client.changelog.list()), []);

      // Each write travelled in exactly one push request, and a further push sends nothing.
      await page.evaluate(() => harness.client.sync.pushNow());
      const pushed = pushedMutationIds(requests);
      for (const [id, n] of pushed) assert.equal(n, 1, `mutation ${id} pushed ${n} times`);
      assert.ok(pushed.has(results[0].mutationId) && pushed.has(results[2].mutationId));
      for (const id of pushed.keys()) assert.ok(entries.some((e) => e.mutationId === id));

      const connectivity = await page.evaluate(() =>
        harness.eventsOf("connectivity_changed").map((e) => e.context.isOnline),
      );
      assert.deepEqual(connectivity, [false, true]);
      await page.evaluate(() => harness.client.close());
    } finally {
      await profile.close();
      await profile.remove();
    }
  });

  it("keeps offline writes across a page reload and pushes them once", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, env.url);
      await openHydrated(page, "reload");
      await profile.context.setOffline(true);
      await page.waitForFunction(() => harness.eventsOf("connectivity_changed").length > 0);
      const ids = await page.evaluate(async () => {
        const t = harness.table();
        const a = await t.mutate({ operation: "insert", id: "task:p1", record: { title: "before reload" } });
        const b = await t.mutate({ operation: "merge", id: "task:p1", record: { status: "done" } });
        return [a.mutationId, b.mutationId];
      });
      // The page itself must load again, so the network comes back, but the
      // protocol stays unreachable until after the reload.
      await page.route("**/datafn/**", (route) => route.abort("internetdisconnected"));
      await profile.context.setOffline(false);
      await page.reload();
      await page.waitForFunction("window.harnessReady === true");
      const requests = trackProtocolRequests(page);
      await page.evaluate(() => harness.open({ dbName: "reload" }));
      assert.deepEqual(
        (await page.evaluate(() => harness.rows())).filter((r) => r.id === "task:p1"),
        [{ id: "task:p1", title: "before reload", status: "done" }],
      );
      assert.deepEqual((await page.evaluate(() => harness.client.changelog.list())).map((e) => e.mutationId), ids);
      assert.equal((await env.server.rows("task")).some((r) => r.id === "task:p1"), false);

      await page.unroute("**/datafn/**");
      await page.evaluate(() => harness.client.sync.start());
      await waitFor(async () => (await page.evaluate(() => harness.client.sync.status())).pending === 0, {
        what: "pending 0 after reload",
      });
      const onServer = (await env.server.rows("task")).filter((r) => r.id === "task:p1");
      assert.deepEqual(onServer, [{ id: "task:p1", title: "before reload", status: "done" }]);
      const pushed = pushedMutationIds(requests);
      assert.deepEqual([...pushed.keys()].sort(), [...ids].sort());
      for (const [id, n] of pushed) assert.equal(n, 1, `mutation ${id} pushed ${n} times`);
      await page.evaluate(() => harness.client.close());
    } finally {
      await profile.close();
      await profile.remove();
    }
  });

  it("keeps offline writes across a browser restart and pushes them once", async () => {
    const profile = await launchProfile();
    let second;
    try {
      const page = await openPage(profile.context, env.url);
      await openHydrated(page, "restart");
      await profile.context.setOffline(true);
      await page.waitForFunction(() => harness.eventsOf("connectivity_changed").length > 0);
      const ids = await page.evaluate(async () => {
        const t = harness.table();
        const a = await t.mutate({ operation: "insert", id: "task:r1", record: { title: "one", due: new Date(5) } });
        const b = await t.mutate({ operation: "insert", id: "task:r2", record: { title: "two" } });
        return [a.mutationId, b.mutationId];
      });
      // Close the whole browser while offline: nothing can have been pushed.
      await profile.close();
      assert.deepEqual(await env.server.rows("task").then((r) => r.filter((x) => x.id.startsWith("task:r"))), []);

      second = await launchProfile(profile.dir);
      const page2 = await openPage(second.context, env.url);
      const requests = trackProtocolRequests(page2);
      await page2.evaluate(() => harness.open({ dbName: "restart" }));
      const local = await page2.evaluate(async () => {
        const rows = await harness.rows();
        return rows.map((r) => ({ id: r.id, title: r.title, due: r.due instanceof Date ? r.due.getTime() : r.due }));
      });
      assert.deepEqual(local.filter((r) => r.id.startsWith("task:r")), [
        { id: "task:r1", title: "one", due: 5 },
        { id: "task:r2", title: "two", due: undefined },
      ]);
      const entries = await page2.evaluate(() => harness.client.changelog.list());
      assert.deepEqual(entries.map((e) => e.mutationId), ids);
      assert.equal(requests.length, 0, "opening the client makes no request");

      await page2.evaluate(() => harness.client.sync.start());
      await waitFor(async () => (await page2.evaluate(() => harness.client.sync.status())).pending === 0, {
        what: "pending 0 after restart",
      });
      const server = (await env.server.rows("task")).filter((x) => x.id.startsWith("task:r"));
      assert.deepEqual(server.map((r) => [r.id, r.title, r.due ?? null]), [["task:r1", "one", 5], ["task:r2", "two", null]]);
      const pushed = pushedMutationIds(requests);
      assert.deepEqual([...pushed.keys()].sort(), [...ids].sort());
      for (const [id, n] of pushed) assert.equal(n, 1, `mutation ${id} pushed ${n} times`);
      await page2.evaluate(() => harness.client.close());
    } finally {
      await second?.close();
      await profile.remove();
    }
  });
});
