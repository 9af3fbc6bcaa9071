/**
 * `ferry put - s3://bucket/key`: standard input to S3 as a whole process, of
 * no size known ahead (an empty input, a small one, one larger than a part,
 * which goes up as a multipart upload); the object read back whole. `put -`
 * to a key ending in `/` has no name to keep: a usage error (exit 2).
 */
import assert from "node:assert/strict";
import { MAIN } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { collect } from "../../endpoint/streams.ts";
import { startS3rver } from "./s3rver.ts";
import { pattern } from "../sync/helpers.ts";

/** `ferry ARGS` with `input` on its standard input. */
async function run(
  args: string[],
  env: Record<string, string>,
  input: Uint8Array,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A usage error ends ferry before it reads: the pipe is then broken.
  await ReadableStream.from([input]).pipeTo(child.stdin).catch((error) => {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  });
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "s3 cli: put - s3://bucket/key sends standard input (empty, small, multipart)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const inputs: [string, Uint8Array][] = [
      ["empty.bin", new Uint8Array(0)],
      ["small.txt", new TextEncoder().encode("from standard input\n")],
      ["big.bin", pattern(9 * 1024 * 1024 + 17)], // more than one 8 MiB part
    ];
    for (const [name, bytes] of inputs) {
      const put = await run(["put", "-", `s3://${s3.bucket}/in/${name}`], s3.env, bytes);
      assert.equal(put.code, 0, `${name}: ${put.stderr}${put.stdout}`);
    }
    const ep = await openOn(s3);
    try {
      for (const [name, bytes] of inputs) {
        assert.equal((await ep.stat(`in/${name}`)).size, bytes.length, name);
        assert.deepEqual(await collect(await ep.read(`in/${name}`)), bytes, name);
      }
    } finally {
      await ep.close();
    }
    const noName = await run(["put", "-", `s3://${s3.bucket}/in/`], s3.env, new Uint8Array(3));
    assert.equal(noName.code, 2, noName.stderr);
    assert.match(noName.stderr, /standard input \(-\) has no name to keep/);
  },
});
