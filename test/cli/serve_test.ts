/**
 * `ferry serve` as a user meets it: a directory that does not exist (or is a
 * file) is a usage error naming it (exit 2, no stack, nothing served), and the
 * user's password can come from FERRY_SERVE_PASSWORD instead of argv.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnFerry } from "./helpers.ts";

/** What a `ferry serve` child did: exited with a code, or started serving (then it is stopped). */
async function serveOutcome(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code?: number; port?: number; stderr: string; child: Deno.ChildProcess }> {
  const child = spawnFerry(["serve", "-i", "127.0.0.1", "-p", "0", ...args], { env });
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { done, value } = await lines.read();
    if (done) break;
    text += value;
    const m = /ferry serve: ftps?:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
    if (m) {
      lines.releaseLock();
      return { port: Number(m[1]), stderr: "", child };
    }
  }
  return { code: (await child.status).code, stderr: await stderr, child };
}

Deno.test("ferry serve DIR that does not exist, or is a file: exit 2 naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-serve-" });
  try {
    await Deno.writeTextFile(join(dir, "file.txt"), "x");
    for (
      const [target, why] of [
        [join(dir, "missing", "dir"), /does not exist/],
        [join(dir, "file.txt"), /not a directory/],
      ] as const
    ) {
      for (const args of [[target], ["-d", target]]) {
        const run = await serveOutcome(args);
        if (run.port !== undefined) {
          run.child.kill("SIGTERM");
          await run.child.status;
          assert.fail(`ferry serve ${args.join(" ")} started serving`);
        }
        assert.equal(run.code, 2, run.stderr);
        assert.ok(run.stderr.includes(target), run.stderr);
        assert.match(run.stderr, why);
        assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
