// The README's usage snippet, run as written in a page: the only change is
// the server's address (the test server listens on a free port, not 8080).
// The page is served with npm/dist at its root, so `./index.js` resolves as
// it would next to the package, and `schema` is the demo's web/schema.json.
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DIST, ROOT, launchProfile, openPage, requireBuild, startServer, waitFor } from "./lib/env.js";

let server;
let dir;

/** The first ```js block of README.md. */
async function readmeSnippet() {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const m = readme.match(/```js\n([\s\S]*?)```/);
  assert.ok(m, "README.md has a ```js block");
  return m[1];
}

before(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), "datafn-e2e-readme-"));
  await cp(DIST, dir, { recursive: true });
  await cp(join(ROOT, "web/schema.json"), join(dir, "schema.json"));
  server = await startServer({ schemaPath: join(ROOT, "web/schema.json"), staticDir: dir });
  const snippet = (await readmeSnippet()).replaceAll("http://localhost:8080", server.url);
  // Import declarations must stay at the module's top level.
  const lines = snippet.split("\n");
  const imports = lines.filter((l) => l.startsWith("import ")).join("\n");
  const body = lines.filter((l) => !l.startsWith("import ")).join("\n");
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
${imports}
const schema = await (await fetch("./schema.json")).json();
try {
${body}
  window.readme = { data, status: await client.sync.status() };
} catch (err) {
  window.readme = { error: String(err && err.message || err) };
}
</script>`;
  await writeFile(join(dir, "index.html"), page);
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("README", () => {
  it("the usage snippet runs as shown", async () => {
    const profile = await launchProfile();
    try {
      const page = await openPage(profile.context, server.url, { readyFn: "window.readme !== undefined" });
      const got = await page.evaluate(() => window.readme);
      assert.equal(got.error, undefined, got.error);
      assert.equal(got.data.length, 1);
      assert.equal(got.data[0].title, "milk");
      assert.equal(got.status.hydration.todos, "ready");
      // The write reaches the server.
      await waitFor(async () => (await server.rows("todos")).length === 1, { what: "the insert on the server" });
    } finally {
      await profile.close();
      await profile.remove();
    }
  });
});
