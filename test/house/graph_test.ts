/**
 * The house rules hold for the whole project: no import circle, layers import
 * only downward, plugins only entry points, npm packages only in deps/.
 * @module
 */
import assert from "node:assert/strict";
import {
  type Edge,
  ENTRY_POINTS,
  findCycles,
  layerProblems,
  moduleGraph,
  sourceFiles,
} from "./graph.ts";

const root = new URL("../../", import.meta.url);
const e = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });

Deno.test("house: the project has no import circle (type-only imports count)", async () => {
  const graph = await moduleGraph(root, await sourceFiles(root));
  assert.ok(graph.modules.includes("mod.ts") && graph.modules.includes("cli/main.ts"));
  const cycles = findCycles(graph.edges).map((c) => c.join(" -> "));
  assert.deepEqual(cycles, [], `import circles:\n${cycles.join("\n")}`);
});

Deno.test("house: the entry points plugins may import are deno.json's exports", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const exported = Object.values(config.exports as Record<string, string>)
    .map((path) => path.replace(/^\.\//, ""));
  assert.deepEqual([...ENTRY_POINTS].sort(), exported.sort());
});

Deno.test("house: every import follows the layer rules", async () => {
  const graph = await moduleGraph(root, await sourceFiles(root));
  const problems = layerProblems(graph.edges);
  assert.deepEqual(problems, [], problems.join("\n"));
});

Deno.test("house: findCycles names each circle as a path back to its start", () => {
  assert.deepEqual(findCycles([e("a.ts", "b.ts"), e("b.ts", "c.ts"), e("c.ts", "d.ts")]), []);
  assert.deepEqual(
    findCycles([
      e("sync/plan.ts", "sync/walk.ts"),
      e("sync/walk.ts", "sync/report.ts"),
      e("sync/report.ts", "sync/plan.ts", true),
      e("ftp/errors.ts", "ftp/reply.ts", true),
      e("ftp/reply.ts", "ftp/errors.ts"),
      e("x.ts", "x.ts"),
    ]),
    [
      ["ftp/errors.ts", "ftp/reply.ts", "ftp/errors.ts"],
      ["sync/plan.ts", "sync/walk.ts", "sync/report.ts", "sync/plan.ts"],
      ["x.ts", "x.ts"],
    ],
  );
});

Deno.test("house: layerProblems flags each kind of wrong import", () => {
  assert.deepEqual(
    layerProblems([
      e("ftp/client.ts", "sync/walk.ts"),
      e("endpoint/local.ts", "ftp/listing/types.ts", true),
      e("sync/if_newer.ts", "endpoint/ftp/time_shift.ts"),
      e("workflow/run.ts", "mod.ts"),
      e("sync/walk.ts", "plugins/uftp/mod.ts"),
      e("plugins/s3/mod.ts", "endpoint/types.ts"),
      e("plugins/s3/mod.ts", "plugins/uftp/keys.ts"),
      e("cli/main.ts", "npm:commander@14"),
    ]),
    [
      "cli/main.ts names external package npm:commander@14 outside deps/",
      "endpoint/local.ts imports ftp/listing/types.ts (only endpoint/ftp/ speaks FTP)",
      "ftp/client.ts imports upward into sync/walk.ts",
      "plugins/s3/mod.ts reaches into endpoint/types.ts (plugins import entry points only)",
      "plugins/s3/mod.ts reaches into plugins/uftp/keys.ts (plugins import entry points only)",
      "sync/if_newer.ts imports endpoint/ftp/time_shift.ts (jobs work on the endpoint contract)",
      "sync/walk.ts imports plugins/uftp/mod.ts (layers import neither plugins nor entry points)",
      "workflow/run.ts imports mod.ts (layers import neither plugins nor entry points)",
    ],
  );
  assert.deepEqual(
    layerProblems([
      e("plugins/s3/mod.ts", "plugin.ts"),
      e("plugins/s3/mod.ts", "deps/aws.ts"),
      e("plugins/s3/client.ts", "plugins/s3/sign.ts"),
      e("deps/aws.ts", "npm:@aws-sdk/client-s3@3"),
      e("cli/commands/demo.ts", "server.ts"),
      e("sync/walk.ts", "endpoint/types.ts", true),
      e("endpoint/ftp/stat.ts", "ftp/listing/types.ts"),
      e("ftp/client.ts", "node:net"),
    ]),
    [],
  );
});
