// The demo app of web/ served by bin/datafn-server: it renders (a screenshot
// is saved under e2e/artifacts/), adds, edits, completes, filters and deletes
// todos, and keeps working offline, pushing its writes when back online.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchProfile, openPage, screenshot, useServer, waitFor } from "./lib/env.js";

const env = useServer(before, after, { demo: true });

const titles = (page) => page.locator("#list .todo .title").allTextContents();

async function add(page, title) {
  await page.fill("#new-title", title);
  await page.click("#new-todo button[type=submit]");
  await page.locator("#list .todo .title", { hasText: title }).first().waitFor();
}

describe("demo app", () => {
  it("renders, edits and works offline", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, env.url, { readyFn: "document.body.dataset.ready !== undefined" });
      assert.equal(await page.evaluate(() => document.body.dataset.ready), "true", await page.textContent("#error"));
      await page.locator("#hydration", { hasText: "todos: ready" }).waitFor();
      assert.equal(await page.textContent("#online"), "online");

      await add(page, "Buy milk");
      await add(page, "Write tests");
      assert.deepEqual((await titles(page)).sort(), ["Buy milk", "Write tests"]);
      const shot = await screenshot(page, "demo");
      assert.ok(shot.bytes > 1000, `screenshot ${shot.path}`);

      // Complete one, filter, edit the other.
      const milk = page.locator("#list .todo", { hasText: "Buy milk" });
      await milk.locator(".toggle").check();
      await page.locator('#list .todo[data-status="done"]', { hasText: "Buy milk" }).waitFor();
      await page.click('[data-filter="done"]');
      await waitFor(async () => JSON.stringify(await titles(page)) === '["Buy milk"]', { what: "done filter" });
      await page.click('[data-filter="active"]');
      await waitFor(async () => JSON.stringify(await titles(page)) === '["Write tests"]', { what: "active filter" });
      await page.click('[data-filter="all"]');
      const tests = page.locator("#list .todo", { hasText: "Write tests" });
      await tests.locator(".rename").click();
      await tests.locator(".edit").fill("Write more tests");
      await tests.locator(".edit").press("Enter");
      await page.locator("#list .todo .title", { hasText: "Write more tests" }).waitFor();

      await waitFor(async () => (await page.textContent("#pending")) === "0", { what: "pending 0" });
      await waitFor(async () => {
        const rows = await env.server.rows("todos");
        return rows.map((r) => `${r.title}/${r.status}`).sort().join() === "Buy milk/done,Write more tests/active";
      }, { what: "server to have the online edits" });

      // Offline: the app keeps working and counts pending writes.
      await profile.context.setOffline(true);
      await page.locator("#online", { hasText: "offline" }).waitFor();
      await add(page, "Offline todo");
      await page.locator("#list .todo", { hasText: "Write more tests" }).locator(".toggle").check();
      await page.locator("#list .todo", { hasText: "Buy milk" }).locator(".delete").click();
      await waitFor(async () => !(await titles(page)).includes("Buy milk"), { what: "delete to render" });
      assert.equal(await page.textContent("#pending"), "3");
      await page.locator("#log li", { hasText: "connectivity_changed offline" }).waitFor();
      await screenshot(page, "demo-offline");
      assert.equal((await env.server.rows("todos")).some((r) => r.title === "Offline todo"), false);

      await profile.context.setOffline(false);
      await page.locator("#online", { hasText: "online" }).waitFor();
      await waitFor(async () => (await page.textContent("#pending")) === "0", { what: "pending 0 after online" });
      const rows = await env.server.rows("todos");
      assert.deepEqual(
        rows.map((r) => `${r.title}/${r.status}`).sort(),
        ["Offline todo/active", "Write more tests/done"],
      );
      for (const r of rows) assert.equal(typeof r.createdAt, "number");
      assert.equal(await page.locator("#error").isHidden(), true);
    } finally {
      await profile.close();
      await profile.remove();
    }
  });
});
