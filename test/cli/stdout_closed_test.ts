import assert from "node:assert/strict";
import { MAIN } from "./helpers.ts";

// `ferry schema | head -1`: once the reader has gone, the rest of the output is
// not wanted. Before: "ferry: Broken pipe (os error 32)" on stderr and exit 1.
Deno.test("cli: stdout closed by its reader ends the command quietly with 141", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", MAIN, "schema"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  // The reader goes before ferry has loaded, so its first write meets a closed pipe.
  await child.stdout.cancel();
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  assert.equal(stderr, "");
  assert.equal(status.code, 141);
});
