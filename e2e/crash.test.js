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
  processAlive,
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

/** Local rows equal the server's: tasks whole, notes by id and body (see the todo test on timestamps). */
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

  // Known engine bug, see the report of issue #8: on reopening, the boot pull
  // brings the server's rows of the already applied push and re-applies the
  // still pending entries over them with their local timestamps (§12.5); the
  // replayed push then answers cursor == cursorBefore == the stored global
  // cursor, so no pull follows (§12.8.5) and the note keeps its optimistic
  // createdAt/updatedAt for good.
  it(
    "after the replay the note carries the server's timestamps",
    { todo: "engine keeps optimistic timestamps after a replayed push (§12.8.5)" },
    async () => {
      assert.ok(applied.page, "runs after the test above");
      await applied.page.evaluate(() => harness.client.sync.pullNow());
      const server = await serverRows(env.server, "note", "note:p1");
      const local = (await localRows(applied.page, "note", "note:p1")).map((r) => ({
        ...r,
        createdAt: r.createdAt?.getTime?.() ?? r.createdAt,
        updatedAt: r.updatedAt?.getTime?.() ?? r.updatedAt,
      }));
      assert.deepEqual(local, server);
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
      await profile.remove();
      await proxy.close();
    }
  });
});
