// Storage pressure (issue #8): IndexedDB refusing writes with
// QuotaExceededError. The caller's promise rejects with a clear error, the
// app gets storage_failed, the changelog keeps every accepted write, and the
// engine recovers by itself when space returns (storage_recovered, refused
// clones retried).
//
// Chromium 156 on Debian ignores CDP Storage.overrideQuotaForOrigin for
// IndexedDB, so the quota is simulated in the page: while window.__quota.full
// is set, a readwrite transaction that put or added anything aborts at commit
// with a QuotaExceededError as its error, which is how Chromium reports a full
// origin (the transaction's abort event, tx.error.name "QuotaExceededError").
// Removals still commit, as they do in Chromium when the origin is full.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, trackProtocolRequests, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);

function installQuotaShim() {
  const quota = { full: false, refused: 0 };
  window.__quota = quota;
  const marked = new WeakSet();
  for (const method of ["put", "add"]) {
    const orig = IDBObjectStore.prototype[method];
    IDBObjectStore.prototype[method] = function (...args) {
      const req = orig.apply(this, args);
      if (quota.full) marked.add(this.transaction);
      return req;
    };
  }
  const refuse = (tx) => {
    quota.refused++;
    Object.defineProperty(tx, "error", {
      configurable: true,
      get: () => new DOMException("The current transaction exceeded its quota limitations.", "QuotaExceededError"),
    });
    tx.abort();
  };
  // datafn commits every write transaction with commit() (Chromium has it).
  const commit = IDBTransaction.prototype.commit;
  IDBTransaction.prototype.commit = function () {
    if (marked.has(this)) return refuse(this);
    return commit.call(this);
  };
}

async function quotaPage(profile) {
  await profile.context.addInitScript(installQuotaShim);
  return openPage(profile.context, env.url);
}

const setFull = (page, full) => page.evaluate((full) => (window.__quota.full = full), full);

describe("storage pressure", () => {
  it("rejects a refused write clearly, keeps every accepted write, and recovers", async () => {
    const profile = await launchProfile();
    try {
      const page = await quotaPage(profile);
      await page.evaluate(async () => {
        await harness.open({ dbName: "quota-writes" });
        await harness.client.sync.start();
      });
      assert.equal((await page.evaluate(() => harness.client.sync.status())).hydration.task, "ready");
      // Offline, so the accepted writes stay in the changelog to be counted.
      await profile.context.setOffline(true);
      await page.waitForFunction(() => harness.eventsOf("connectivity_changed").length > 0);

      const a = await page.evaluate(() =>
        harness.table().mutate({ operation: "insert", id: "task:a", record: { title: "A" } }),
      );
      assert.equal(a.ok, true);

      await setFull(page, true);
      const refused = await page.evaluate(() =>
        harness.failure(() => harness.table().mutate({ operation: "insert", id: "task:b", record: { title: "B" } })),
      );
      assert.deepEqual(refused, {
        name: "Error",
        code: "INTERNAL",
        message: "Storage error: quota exceeded",
        details: { path: "storage" },
      });
      const refusedMerge = await page.evaluate(() =>
        harness.failure(() => harness.table().mutate({ operation: "merge", id: "task:a", record: { title: "A2" } })),
      );
      assert.equal(refusedMerge.message, "Storage error: quota exceeded");
      assert.ok((await page.evaluate(() => window.__quota.refused)) >= 2, "the shim refused the commits");

      const failed = await page.evaluate(() => harness.eventsOf("storage_failed"));
      assert.equal(failed.length, 2);
      assert.deepEqual(failed[0].context, {
        error: { code: "INTERNAL", message: "Storage error: quota exceeded" },
        quotaExceeded: true,
      });
      assert.equal(typeof failed[0].timestampMs, "number");
      // Nothing of the refused writes; reads still work.
      assert.deepEqual(await page.evaluate(() => harness.rows()), [{ id: "task:a", title: "A", status: "active" }]);
      let entries = await page.evaluate(() => harness.client.changelog.list());
      assert.deepEqual(entries.map((e) => e.mutation.id), ["task:a"]);
      assert.equal(await page.evaluate(() => harness.eventsOf("storage_recovered").length), 0);

      // Still nothing refused is kept after a reload (the refused
      // transactions left nothing behind in IndexedDB).
      await page.evaluate(() => harness.client.sync.stop());
      await profile.context.setOffline(false);
      await page.reload();
      await page.waitForFunction("window.harnessReady === true");
      await page.evaluate(() => harness.open({ dbName: "quota-writes" }));
      entries = await page.evaluate(() => harness.client.changelog.list());
      assert.deepEqual(entries.map((e) => e.mutation.id), ["task:a"]);

      // Space returns (the reload cleared the shim's flag): the next write fits.
      const c = await page.evaluate(() =>
        harness.table().mutate({ operation: "insert", id: "task:c", record: { title: "C" } }),
      );
      assert.equal(c.ok, true);
      entries = await page.evaluate(() => harness.client.changelog.list());
      assert.deepEqual(entries.map((e) => e.mutation.id), ["task:a", "task:c"]);

      // Sync again: both accepted writes reach the server once, the refused one never.
      const requests = trackProtocolRequests(page);
      await page.evaluate(() => harness.client.sync.start());
      await waitFor(async () => (await page.evaluate(() => harness.client.sync.status())).pending === 0, {
        what: "pending 0",
      });
      assert.deepEqual((await env.server.rows("task")).map((r) => r.id), ["task:a", "task:c"]);
      const pushed = requests.filter((r) => r.op === "push").flatMap((r) => r.body.mutations.map((m) => m.id));
      assert.deepEqual(pushed.sort(), ["task:a", "task:c"]);
    } finally {
      await profile.close();
      await profile.remove();
    }
  });

  it("a clone refused for quota is retried by itself when space returns", async () => {
    for (const id of ["note:1", "note:2", "note:3"]) {
      const res = await env.server.call("mutation", {
        resource: "note",
        version: 2,
        operation: "insert",
        id,
        clientId: "seed",
        mutationId: `seed-${id}`,
        record: { body: id },
      });
      assert.equal(res.ok, true, JSON.stringify(res));
    }
    const profile = await launchProfile();
    try {
      const page = await quotaPage(profile);
      await page.evaluate(() => harness.open({ dbName: "quota-clone" }));
      await setFull(page, true);
      await page.evaluate(() => harness.client.sync.start());
      const status = await page.evaluate(() => harness.client.sync.status());
      assert.equal(status.hydration.note, "notStarted");
      const failedSync = await page.evaluate(() => harness.eventsOf("sync_failed"));
      assert.ok(failedSync.some((e) => e.context.phase === "clone" && e.context.error.code === "INTERNAL"));
      assert.ok((await page.evaluate(() => harness.eventsOf("storage_failed"))).length >= 1);

      // The engine retries on its own (1 s, then doubling) and fails again while full.
      await page.waitForFunction(() => harness.eventsOf("storage_failed").length >= 2, null, { timeout: 10000 });
      assert.equal(await page.evaluate(() => harness.eventsOf("storage_recovered").length), 0);

      await setFull(page, false);
      await page.waitForFunction(() => harness.eventsOf("storage_recovered").length === 1, null, { timeout: 15000 });
      await waitFor(async () => (await page.evaluate(() => harness.client.sync.status())).hydration.note === "ready", {
        what: "note ready",
      });
      const notes = await page.evaluate(() => harness.rows("note"));
      assert.deepEqual(notes.map((n) => n.id), ["note:1", "note:2", "note:3"]);
    } finally {
      await profile.close();
      await profile.remove();
    }
  });
});
