// Push retry (protocol.md §12.8.3): the first three /datafn/push attempts fail
// (dropped connection, 503 with an HTML body, 500 with an error envelope);
// attempts are spaced by the configured backoff and the write reaches the
// server exactly once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);

const BACKOFF = { baseDelayMs: 300, multiplier: 2, maxDelayMs: 10000, jitterMs: 0 };
// Timer and scheduling slack allowed on a busy 2-core machine.
const EARLY_MS = 30;
const LATE_MS = 1500;

describe("push retry", () => {
  it("retries a failing push with backoff and delivers the write once", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, env.url);
      await page.evaluate(async (backoff) => {
        await harness.open({ dbName: "retry", sync: { pushMaxRetries: 3, pushRetryBackoff: backoff } });
        await harness.client.sync.start();
      }, BACKOFF);

      const attempts = [];
      let reachedServer = 0;
      await page.route("**/datafn/push", async (route) => {
        attempts.push(Date.now());
        switch (attempts.length) {
          case 1:
            return route.abort("connectionreset");
          case 2:
            return route.fulfill({ status: 503, contentType: "text/html", body: "<h1>down</h1>" });
          case 3:
            return route.fulfill({
              status: 500,
              contentType: "application/json",
              body: JSON.stringify({ ok: false, error: { code: "INTERNAL", message: "Internal error", details: { path: "$" } } }),
            });
          default:
            reachedServer++;
            return route.continue();
        }
      });

      const res = await page.evaluate(() =>
        harness.table().mutate({ operation: "insert", id: "task:retry", record: { title: "retry me" } }),
      );
      assert.equal(res.ok, true);
      await waitFor(async () => (await page.evaluate(() => harness.client.sync.status())).pending === 0, {
        timeout: 30000,
        what: "the push to succeed",
      });

      assert.equal(attempts.length, 4, "1 + pushMaxRetries attempts");
      assert.equal(reachedServer, 1);
      const expected = [300, 600, 1200];
      for (let i = 1; i < attempts.length; i++) {
        const gap = attempts[i] - attempts[i - 1];
        const want = expected[i - 1];
        assert.ok(gap >= want - EARLY_MS && gap <= want + LATE_MS, `gap ${i}: ${gap} ms, want about ${want} ms`);
      }

      const retries = await page.evaluate(() => harness.eventsOf("sync_retry").map((e) => e.context));
      assert.deepEqual(retries, [
        { phase: "push", attempt: 1, delayMs: 300 },
        { phase: "push", attempt: 2, delayMs: 600 },
        { phase: "push", attempt: 3, delayMs: 1200 },
      ]);
      // pending reaches 0 when the acknowledgement commits; sync_applied is
      // delivered to JS after that.
      await page.waitForFunction(() => harness.events.some((e) => e.type === "sync_applied" && e.context?.phase === "push"));
      const pushEvents = await page.evaluate(() =>
        harness.events.filter((e) => e.context?.phase === "push").map((e) => e.type),
      );
      assert.deepEqual(pushEvents, ["sync_started", "sync_retry", "sync_retry", "sync_retry", "sync_applied"]);

      const onServer = (await env.server.rows("task")).filter((r) => r.id === "task:retry");
      assert.deepEqual(onServer, [{ id: "task:retry", title: "retry me", status: "active" }]);
      await page.evaluate(() => harness.client.sync.pushNow());
      assert.equal(attempts.length, 4, "nothing left to push");
      await page.evaluate(() => harness.client.close());
    } finally {
      await profile.close();
      await profile.remove();
    }
  });

  it("gives up after pushMaxRetries and keeps the write pending", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, env.url);
      await page.evaluate(async () => {
        await harness.open({
          dbName: "retry-fail",
          sync: { pushMaxRetries: 1, pushRetryBackoff: { baseDelayMs: 50, jitterMs: 0 } },
        });
        await harness.client.sync.start();
      });
      let attempts = 0;
      await page.route("**/datafn/push", (route) => {
        attempts++;
        return route.fulfill({ status: 502, statusText: "Bad Gateway", contentType: "text/html", body: "<p>bad</p>" });
      });
      await page.evaluate(() =>
        harness.table().mutate({ operation: "insert", id: "task:stuck", record: { title: "stuck" } }),
      );
      const failure = await page.evaluate(() => harness.failure(() => harness.client.sync.pushNow()));
      assert.equal(failure.code, "TRANSPORT_ERROR");
      assert.equal(failure.message, "HTTP Error 502: Bad Gateway");
      const failed = await page.evaluate(() => harness.eventsOf("sync_failed").map((e) => e.context));
      assert.ok(failed.some((c) => c.phase === "push" && c.attempts === 2), JSON.stringify(failed));
      assert.ok(attempts >= 2);
      const status = await page.evaluate(() => harness.client.sync.status());
      assert.equal(status.pending, 1);
      assert.equal(status.lastError?.phase, "push");
      assert.equal((await env.server.rows("task")).some((r) => r.id === "task:stuck"), false);
      await page.evaluate(() => harness.client.close());
    } finally {
      await profile.close();
      await profile.remove();
    }
  });
});
