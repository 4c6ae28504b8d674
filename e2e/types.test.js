// npm/src/index.d.ts compiles under strict tsc together with a usage file
// (npm/test/types.test-d.ts) that exercises the documented API.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { it } from "node:test";
import { ROOT } from "./lib/env.js";

it("index.d.ts type-checks with the documented usage", () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const res = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "npm/tsconfig.json")], { encoding: "utf8" });
  assert.equal(res.status, 0, res.stdout + res.stderr);
});
