// Page crash (issue #8): the page or the whole browser goes away in the middle
// of a push, of a paged clone, or of a loop of local mutations; a page opened
// again on the same persistent profile replays the changelog (protocol.md
// §11.5, §12.8), resumes the hydration from the stored clone progress (§11.2,
// §12.6), and the server ends up with every mutation exactly once. Local
// mutations that resolved before the crash are durable, and a row is never
// there without its changelog entry (§11.6).
//
// Every check against the server goes over HTTP: the change log from a
// baseline seq, one change per pull (lib/crash.js), counted per marker: each
// mutation writes a unique title (task) or body (note), so a change written
// twice for one mutation, or a missing one, shows.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  browserPid,
  changesSince,
  exactlyOnceProblems,
  latestCursor,
  mutationMarker,
  processGroupAlive,
  rawMeta,
  rowsVersusChangelog,
  serverTable,
  startHoldingProxy,
} from "./lib/crash.js";
import { launchProfile, openPage, startServer, trackProtocolRequests, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after);

const status = (page) => page.evaluate(() => harness.client.sync.status());
const changelog = (page) => page.evaluate(() => harness.client.changelog.list());

async function drained(page, what) {
  await waitFor(async () => (await status(page)).pending === 0, { timeout: 20000, what });
}

/** Opens a client on dbName (sync options merged over the harness defaults), not started. */
function openClient(page, dbName, sync = {}) {
  return page.evaluate(({ dbName, sync }) => harness.open({ dbName, sync }), { dbName, sync });
}

/** Local rows of table whose id starts with prefix, ordered by id. */
async function localRows(page, table, prefix = "") {
  const rows = await page.evaluate((table) => harness.rows(table), table);
  return rows.filter((r) => r.id.startsWith(prefix));
}

/** Server rows of table whose id starts with prefix, ordered by id. */
async function serverRows(server, table, prefix = "") {
  return (await serverTable(server, table)).filter((r) => r.id.startsWith(prefix));
}

/** Asserts each marker wrote exactly one change after baseline, and nothing else changed. */
async function assertExactlyOnce(server, baseline, markers) {
  const problems = exactlyOnceProblems(await changesSince(server, baseline), markers);
  assert.deepEqual(problems, { duplicated: [], missing: [], unexpected: [] }, "one change per mutation");
}

/** The mutationIds of each push request in requests. */
const pushedIds = (requests) =>
  requests.filter((r) => r.op === "push").map((r) => r.body.mutations.map((m) => m.mutationId));

/** The bodies of the /datafn/push answers the page receives. */
function pushAnswers(page) {
  const answers = [];
  page.on("response", async (res) => {
    if (new URL(res.url()).pathname === "/datafn/push") answers.push(await res.json().catch((e) => String(e)));
  });
  return answers;
}

// Two task inserts and a note insert, then merges of both tasks: merges are
// what a missing dedupe would write twice (an identical re-insert writes no
// change row, §8.3).
const pushBatch = (tag) => [
  ["task", { operation: "insert", id: `task:${tag}-a`, record: { title: `${tag}-a` } }],
  ["task", { operation: "insert", id: `task:${tag}-b`, record: { title: `${tag}-b` } }],
  ["note", { operation: "insert", id: `note:${tag}`, record: { body: `${tag}-n` } }],
  ["task", { operation: "merge", id: `task:${tag}-a`, record: { title: `${tag}-a2` } }],
  ["task", { operation: "merge", id: `task:${tag}-b`, record: { title: `${tag}-b2`, status: "done" } }],
];
const batchMarkers = (batch) => batch.map(([resource, m]) => mutationMarker({ resource, ...m }));

async function mutateAll(page, batch) {
  const results = await page.evaluate(async (batch) => {
    const out = [];
    for (const [table, m] of batch) out.push(await harness.table(table).mutate(m));
    return out;
  }, batch);
  assert.ok(results.every((r) => r.ok), JSON.stringify(results));
  return results.map((r) => r.mutationId);
}

/** Local rows equal the server's: tasks whole, notes by id and body (timestamps: the test after the replay). */
async function assertRowsLikeServer(page, server, tag) {
  await page.evaluate(() => harness.client.sync.pullNow());
  const tasks = await serverRows(server, "task", `task:${tag}`);
  assert.deepEqual(tasks.map((r) => [r.id, r.title, r.status]), [
    [`task:${tag}-a`, `${tag}-a2`, "active"],
    [`task:${tag}-b`, `${tag}-b2`, "done"],
  ]);
  assert.deepEqual(await localRows(page, "task", `task:${tag}`), tasks, "local tasks equal the server's");
  const notes = await serverRows(server, "note", `note:${tag}`);
  const byBody = (rows) => rows.map((r) => [r.id, r.body]);
  assert.deepEqual(byBody(notes), [[`note:${tag}`, `${tag}-n`]]);
  assert.deepEqual(byBody(await localRows(page, "note", `note:${tag}`)), byBody(notes));
}

describe("the checks can fail", () => {
  it("the exactly-once count sees a duplicated, a missing and an unexpected change on the server", async () => {
    const baseline = await latestCursor(env.server);
    const m = (mutationId, operation, record) => ({
      resource: "task", version: 1, operation, id: "task:dup", record, clientId: "checker", mutationId,
    });
    const push = async (mutations) => {
      const res = await env.server.call("push", { clientId: "checker", mutations });
      assert.equal(res.ok, true, JSON.stringify(res.error));
    };
    await push([m("c-1", "insert", { title: "dup-0" }), m("c-2", "merge", { title: "dup-1" })]);
    await push([m("c-2", "merge", { title: "dup-1" })]); // a replay: deduped, no change
    assert.deepEqual(exactlyOnceProblems(await changesSince(env.server, baseline), ["dup-0", "dup-1"]), {
      duplicated: [], missing: [], unexpected: [],
    });
    await push([m("c-3", "merge", { title: "dup-1" })]); // the same write under a new mutationId
    assert.deepEqual(exactlyOnceProblems(await changesSince(env.server, baseline), ["dup-0", "dup-1", "dup-2"]), {
      duplicated: ["dup-1 x2"], missing: ["dup-2"], unexpected: [],
    });
    assert.deepEqual(exactlyOnceProblems(await changesSince(env.server, baseline), ["dup-1"]).unexpected, ["dup-0 x1"]);
  });

  it("the rows-versus-changelog check sees a row without its entry and an entry without its row", () => {
    const entry = (operation, id, record) => ({ mutation: { resource: "task", operation, id, record } });
    const entries = [
      entry("insert", "task:x-1", { title: "x-1" }),
      entry("insert", "task:x-2", { title: "x-2" }),
      entry("merge", "task:x-1", { title: "x-1m", status: "done" }),
    ];
    const rows = [
      { id: "task:x-1", title: "x-1m", status: "done" },
      { id: "task:x-2", title: "x-2", status: "active" },
    ];
    const check = (local) => rowsVersusChangelog(local, entries, "task:x-");
    assert.deepEqual(check(rows), []);
    assert.deepEqual(check([...rows, { id: "task:x-3", title: "x-3", status: "active" }]), [
      "row task:x-3 has no changelog entry",
    ]);
    assert.deepEqual(check(rows.slice(1)), ["changelog entry for task:x-1 has no row"]);
    assert.equal(check([{ ...rows[0], title: "x-1" }, rows[1]]).length, 1, "a lost merge");
  });
});

describe("crash during a push", () => {
  const applied = { profile: null, page: null };
  after(async () => {
    await applied.profile?.close();
    await applied.profile?.remove();
  });

  it("page closed after the server applied the push: the changelog replays, the server dedupes", async () => {
    const profile = (applied.profile = await launchProfile());
    const page = await openPage(profile.context, env.url);
    const db = "crash-push-applied";
    // A long pushInterval: the one push below is sent by pushNow and carries every mutation.
    await openClient(page, db, { pushInterval: 3600000 });
    await page.evaluate(() => harness.client.sync.start());
    // start() requests one push cycle without waiting for it; an explicit
    // push queues behind it, so once it resolves that cycle has run and
    // cannot pick up the first mutation below on its own.
    await page.evaluate(() => harness.client.sync.pushNow());
    const baseline = await latestCursor(env.server);

    // Forward the push to the server, never give its answer to the page.
    const forwarded = [];
    await page.route("**/datafn/push", async (route) => {
      const res = await route.fetch();
      forwarded.push({ body: route.request().postDataJSON(), answer: await res.json() });
    });
    const batch = pushBatch("p1");
    const ids = await mutateAll(page, batch);
    page.evaluate(() => harness.client.sync.pushNow()).catch(() => {}); // never settles: the page goes first
    await waitFor(() => forwarded.length === 1, { what: "the push to reach the server" });
    assert.deepEqual(forwarded[0].body.mutations.map((m) => m.mutationId), ids, "one push carried every mutation");
    assert.deepEqual(forwarded[0].answer.result.applied, ids, "the server applied the push");
    await assertExactlyOnce(env.server, baseline, batchMarkers(batch));
    assert.equal((await status(page)).pending, 5, "the page never saw the answer");

    await page.close();
    const page2 = (applied.page = await openPage(profile.context, env.url));
    const requests = trackProtocolRequests(page2);
    const answers = pushAnswers(page2);
    await openClient(page2, db);
    assert.deepEqual((await changelog(page2)).map((e) => e.mutationId), ids, "the changelog survived the close");
    await page2.evaluate(() => harness.client.sync.start());
    await drained(page2, "the replayed changelog to drain");

    assert.deepEqual(pushedIds(requests)[0], ids, "the first push after reopening replays every entry");
    await waitFor(() => answers.length >= 1, { what: "the replayed push's answer" });
    assert.deepEqual(answers[0].result.applied, ids, "the server answers the replay as applied");
    assert.equal(answers[0].result.cursor, answers[0].result.cursorBefore, "the replay wrote nothing");
    await assertExactlyOnce(env.server, baseline, batchMarkers(batch));
    assert.deepEqual(await changelog(page2), []);
    await assertRowsLikeServer(page2, env.server, "p1");
  });

  // On reopening, the boot pull brings the server's rows of the already
  // applied push and re-applies the still pending entries over them with
  // their local timestamps (§12.5); the replayed push then answers cursor ==
  // cursorBefore == the stored global cursor, so no pull follows (§12.8.5).
  // The engine restores such timestamps rows after the acknowledgement.
  it(
    "after the replay the note carries the server's timestamps",
    async () => {
      assert.ok(applied.page, "runs after the test above");
      await applied.page.evaluate(() => harness.client.sync.pullNow());
      const server = await serverRows(env.server, "note", "note:p1");
      const local = async () =>
        (await localRows(applied.page, "note", "note:p1")).map((r) => ({
          ...r,
          createdAt: r.createdAt?.getTime?.() ?? r.createdAt,
          updatedAt: r.updatedAt?.getTime?.() ?? r.updatedAt,
        }));
      await waitFor(async () => JSON.stringify(await local()) === JSON.stringify(server), {
        what: "the note's server timestamps",
      });
      assert.deepEqual(await local(), server);
    },
  );

  it("browser closed before the push reached the server: the changelog is pushed once after reopening", async () => {
    const proxy = await startHoldingProxy(env.url);
    const profile = await launchProfile();
    let second;
    try {
      const page = await openPage(profile.context, proxy.url);
      const db = "crash-push-held";
      await openClient(page, db);
      await page.evaluate(() => harness.client.sync.start());
      const baseline = await latestCursor(env.server);

      proxy.hold("push");
      const batch = pushBatch("p2");
      const ids = await mutateAll(page, batch);
      await waitFor(() => proxy.held.length >= 1, { what: "a push to be in flight" });
      await profile.close();
      assert.deepEqual(await changesSince(env.server, baseline), [], "nothing reached the server");
      proxy.hold("push", false);

      second = await launchProfile(profile.dir);
      const page2 = await openPage(second.context, proxy.url);
      const requests = trackProtocolRequests(page2);
      await openClient(page2, db);
      assert.deepEqual((await changelog(page2)).map((e) => e.mutationId), ids, "the changelog survived the close");
      await page2.evaluate(() => harness.client.sync.start());
      await drained(page2, "the changelog to drain");

      assert.deepEqual(pushedIds(requests).flat(), ids, "each entry pushed once, in order");
      await assertExactlyOnce(env.server, baseline, batchMarkers(batch));
      assert.deepEqual(await changelog(page2), []);
      await assertRowsLikeServer(page2, env.server, "p2");
      // Here the push wrote the note, so the pull after it brings the server's timestamps.
      assert.deepEqual(
        await localRows(page2, "note", "note:p2").then((rows) =>
          rows.map((r) => [r.createdAt.getTime(), r.updatedAt.getTime()]),
        ),
        (await serverRows(env.server, "note", "note:p2")).map((r) => [r.createdAt, r.updatedAt]),
      );
      await page2.evaluate(() => harness.client.close());
    } finally {
      await second?.close();
      await profile.close().catch(() => {}); // a no-op unless the test failed before closing it
      await profile.remove();
      await proxy.close();
    }
  });
});

describe("crash during a paged clone", () => {
  const ROWS = 2000;
  const PAGE = 200;
  const HELD_PAGE = 4; // the task page whose request is held when the browser closes
  const taskId = (n) => `task:${String(n).padStart(5, "0")}`;
  let server;

  before(async () => {
    server = await startServer({ schemaPath: join(env.staticDir, "schema.json"), staticDir: env.staticDir });
    for (let from = 1; from <= ROWS; from += 500) {
      const mutations = [];
      for (let n = from; n < from + 500; n++) {
        mutations.push({
          resource: "task", version: 1, operation: "insert", id: taskId(n), record: { title: `seed-${n}` },
          clientId: "seeder", mutationId: `seed-${n}`,
        });
      }
      const res = await server.call("push", { clientId: "seeder", mutations });
      assert.equal(res.ok, true, JSON.stringify(res.error));
    }
  });
  after(() => server?.stop());

  it("resumes the hydration after the stored page, keeps local writes, ends equal to the server", async () => {
    const profile = await launchProfile();
    let second;
    try {
      const page = await openPage(profile.context, server.url);
      const db = "crash-clone";
      const sync = { hydration: { clonePageSize: PAGE } };
      const clientId = await openClient(page, db, sync);
      const baseline = await latestCursor(server);
      const heldAfter = taskId((HELD_PAGE - 1) * PAGE);
      let held = null;
      await page.route("**/datafn/clone", (route) => {
        const body = route.request().postDataJSON();
        if (body.page?.table === "task" && body.page.afterId === heldAfter) held = route;
        else route.continue();
      });
      // While task hydrates, its writes go to /mutation (§12.4): refused here,
      // they fall back to the changelog and the local rows.
      await page.route("**/datafn/mutation", (route) => route.abort("internetdisconnected"));
      page.evaluate(() => harness.client.sync.start()).catch(() => {}); // never settles: the browser goes first
      await waitFor(() => held, { what: `the clone page after ${heldAfter} to be in flight` });
      assert.deepEqual((await status(page)).hydration, { note: "ready", task: "hydrating" });

      const batch = [
        ["task", { operation: "insert", id: `${taskId(PAGE + 100)}x`, record: { title: "c-early" } }],
        ["task", { operation: "insert", id: `${taskId(ROWS - 500)}x`, record: { title: "c-late" } }],
        ["task", { operation: "merge", id: taskId(ROWS - 1), record: { title: "c-merge" } }],
        ["note", { operation: "insert", id: "note:c", record: { body: "c-n" } }],
      ];
      const ids = await mutateAll(page, batch);
      const progress = { afterId: heldAfter, cursor: baseline };
      assert.deepEqual(await rawMeta(page, db, "clone", "task"), progress, "clone progress stored before the close");
      await profile.close();

      second = await launchProfile(profile.dir);
      const page2 = await openPage(second.context, server.url);
      assert.deepEqual(await rawMeta(page2, db, "clone", "task"), progress, "clone progress survived the close");
      const requests = trackProtocolRequests(page2);
      await openClient(page2, db, sync);
      assert.deepEqual((await status(page2)).hydration, { note: "ready", task: "notStarted" });
      assert.deepEqual((await changelog(page2)).map((e) => e.mutationId), ids, "local writes survived the close");
      await page2.evaluate(() => harness.client.sync.start());

      const clones = requests.filter((r) => r.op === "clone").map((r) => r.body);
      assert.deepEqual(
        clones[0],
        { clientId, tables: ["task"], page: { table: "task", afterId: heldAfter, limit: PAGE }, includeJoins: true },
        "the first clone request after reopening continues after the stored afterId",
      );
      assert.ok(
        clones.every((c) => c.page?.table === "task" && c.page.afterId >= heldAfter),
        `no table or page cloned again: ${JSON.stringify(clones.map((c) => c.page))}`,
      );
      assert.equal(clones.length, (ROWS - (HELD_PAGE - 1) * PAGE) / PAGE, "one request per remaining page");
      assert.deepEqual((await status(page2)).hydration, { note: "ready", task: "ready" });
      await drained(page2, "the local writes to be pushed");
      await assertExactlyOnce(server, baseline, batchMarkers(batch));
      await page2.evaluate(() => harness.client.sync.pullNow());

      const serverTasks = await serverTable(server, "task");
      assert.equal(serverTasks.length, ROWS + 2);
      const local = await localRows(page2, "task");
      assert.equal(new Set(local.map((r) => r.id)).size, local.length, "no duplicate ids");
      assert.deepEqual(local, serverTasks, "the local table equals the server's");
      const byId = new Map(local.map((r) => [r.id, r]));
      assert.equal(byId.get(`${taskId(PAGE + 100)}x`).title, "c-early");
      assert.equal(byId.get(`${taskId(ROWS - 500)}x`).title, "c-late");
      assert.equal(byId.get(taskId(ROWS - 1)).title, "c-merge");
      assert.equal(byId.get(taskId(ROWS)).title, `seed-${ROWS}`);
      assert.deepEqual((await localRows(page2, "note")).map((r) => [r.id, r.body]), [["note:c", "c-n"]]);
      await page2.evaluate(() => harness.client.close());
    } finally {
      await second?.close();
      await profile.close().catch(() => {}); // a no-op unless the test failed before closing it
      await profile.remove();
    }
  });
});

describe("hard crash during local mutations", () => {
  /**
   * Runs a loop of local mutations in the page (sync stopped): insert
   * task:<tag>-<i>, and after each odd i a merge of the previous row. Each
   * resolved promise is reported on the console; crash() runs once `atLeast`
   * are reported. Returns the reports received, all of them resolved before
   * the crash.
   */
  async function mutateUntilCrash(page, tag, atLeast, crash) {
    const resolved = [];
    const failed = [];
    const requests = trackProtocolRequests(page);
    page.on("console", (msg) => {
      const m = msg.text().match(/^(RESOLVED|FAILED) (\S+) (.*)$/);
      if (m?.[1] === "RESOLVED") resolved.push({ marker: m[2], mutationId: m[3] });
      else if (m) failed.push(m[3]);
    });
    await page.evaluate((tag) => {
      const report = (marker, r) =>
        console.log(r.ok ? `RESOLVED ${marker} ${r.mutationId}` : `FAILED ${marker} ${JSON.stringify(r)}`);
      const id = (i) => `task:${tag}-${String(i).padStart(4, "0")}`;
      (async () => {
        const t = harness.table();
        for (let i = 0; ; i++) {
          report(`${tag}-${i}`, await t.mutate({ operation: "insert", id: id(i), record: { title: `${tag}-${i}` } }));
          if (i % 2 === 1) {
            const merge = { operation: "merge", id: id(i - 1), record: { title: `${tag}-${i}m`, status: "done" } };
            report(`${tag}-${i}m`, await t.mutate(merge));
          }
        }
      })().catch((err) => console.log(`FAILED loop ${err.message}`));
    }, tag);
    await waitFor(() => resolved.length >= atLeast || failed.length > 0, { what: `${atLeast} resolved mutations` });
    await crash();
    assert.deepEqual(failed, [], "every mutation before the crash succeeded");
    assert.deepEqual(requests.filter((r) => r.op === "push"), [], "nothing was pushed before the crash");
    return resolved;
  }

  /** The checks after reopening: durability, atomicity, then exactly once on the server. */
  async function checkAfterCrash(page, db, tag, resolved, baseline) {
    await openClient(page, db);
    const entries = await changelog(page);
    const rows = await localRows(page, "task", `task:${tag}-`);
    const byMutation = new Map(entries.map((e) => [e.mutationId, e]));
    assert.equal(byMutation.size, entries.length, "no mutationId twice in the changelog");
    for (const r of resolved) {
      const entry = byMutation.get(r.mutationId);
      if (!entry) {
        const { hydration } = await status(page);
        assert.fail(`resolved mutation ${r.marker} (${r.mutationId}) is not in the changelog ` +
          `(${entries.length} entries, ${rows.length} rows, hydration ${JSON.stringify(hydration)})`);
      }
      assert.equal(mutationMarker(entry.mutation), r.marker);
    }
    assert.deepEqual(rowsVersusChangelog(rows, entries, `task:${tag}-`), [], "rows and changelog agree");
    assert.ok(rows.length >= resolved.filter((r) => !r.marker.endsWith("m")).length);

    await page.evaluate(() => harness.client.sync.start());
    await drained(page, "the changelog to drain");
    await assertExactlyOnce(env.server, baseline, entries.map((e) => mutationMarker(e.mutation)));
    await page.evaluate(() => harness.client.sync.pullNow());
    const prefix = `task:${tag}-`;
    assert.deepEqual(await localRows(page, "task", prefix), await serverRows(env.server, "task", prefix));
    await page.evaluate(() => harness.client.close());
    return entries.length;
  }

  /**
   * A client on db, hydrated, then stopped so that nothing is pushed before
   * the crash. start() posts a push cycle after its boot phase; pushNow runs
   * or joins it while the changelog is still empty.
   */
  async function stoppedClient(context, db) {
    const page = await openPage(context, env.url);
    await openClient(page, db);
    await page.evaluate(async () => {
      await harness.client.sync.start();
      harness.client.sync.stop();
      await harness.client.sync.pushNow();
    });
    return page;
  }

  it("SIGKILL of every Chromium process: resolved mutations are durable and atomic, then pushed once", async (t) => {
    const profile = await launchProfile();
    let second;
    try {
      const db = "crash-kill";
      const page = await stoppedClient(profile.context, db);
      const pid = await browserPid(profile.dir);
      const baseline = await latestCursor(env.server);
      const resolved = await mutateUntilCrash(page, "k", 25, async () => {
        // The whole group at once: the storage service must not outlive the
        // browser and finish its writes in an orderly way.
        process.kill(-pid, "SIGKILL");
        await waitFor(async () => !(await processGroupAlive(pid)), { what: "every Chromium process to die" });
      });
      await profile.close().catch(() => {}); // the browser is already gone
      second = await launchProfile(profile.dir);
      const n = await checkAfterCrash(await openPage(second.context, env.url), db, "k", resolved, baseline);
      t.diagnostic(`SIGKILL: ${resolved.length} mutations reported resolved, ${n} in the changelog after reopening`);
    } finally {
      await second?.close();
      await profile.close().catch(() => {}); // a no-op unless the test failed before closing it
      await profile.remove();
    }
  });

  it("renderer crash (CDP Page.crash): resolved mutations are durable and atomic, then pushed once", async (t) => {
    const profile = await launchProfile();
    try {
      const db = "crash-renderer";
      const page = await stoppedClient(profile.context, db);
      const baseline = await latestCursor(env.server);
      const cdp = await profile.context.newCDPSession(page);
      const resolved = await mutateUntilCrash(page, "r", 25, async () => {
        const crashed = new Promise((resolve) => page.once("crash", resolve));
        cdp.send("Page.crash").catch(() => {}); // answered by the crash itself
        await crashed;
      });
      await page.close();
      const n = await checkAfterCrash(await openPage(profile.context, env.url), db, "r", resolved, baseline);
      t.diagnostic(`Page.crash: ${resolved.length} mutations reported resolved, ${n} in the changelog after reopening`);
    } finally {
      await profile.close();
      await profile.remove();
    }
  });
});
