/**
 * mirror sends nothing into a target directory whose listing failed (a 500
 * from the service to that listing, once): what is there is not known and may
 * be newer. Those names are skipped ("target directory not listed"), the
 * listing is the job's error, exit 1. Before: every file of that directory was
 * sent again over the objects there (s3rver: 1,099 files re-sent in 1m05s).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { collect } from "../../endpoint/streams.ts";
import { startS3rver } from "./s3rver.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const NAMES = ["a", "b", "c", "d", "e"];

Deno.test({
  name: "s3 mirror: no file is sent into a target directory whose listing failed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let failing = false;
    const refused: string[] = [];
    const puts: string[] = [];
    await using s3 = await startS3rver({
      fault: (r) => {
        if (r.method === "PUT") puts.push(r.url);
        if (!failing || r.method !== "GET" || !/prefix=up%2Fsub%2F/.test(r.url)) return;
        if (refused.length > 0) return;
        refused.push(r.url);
        return 500;
      },
    });
    const view = await openOn(s3);
    const dir = await Deno.makeTempDir();
    try {
      for (const n of NAMES) await view.client.put(`up/sub/${n}`, enc.encode(`remote ${n}`));
      const src = join(dir, "src");
      await Deno.mkdir(join(src, "sub"), { recursive: true });
      await Deno.writeTextFile(join(src, "top.txt"), "top");
      for (const n of NAMES) await Deno.writeTextFile(join(src, "sub", n), `local ${n}`);
      failing = true;
      puts.length = 0;
      const run = await ferry(["mirror", "--retries", "0", src, "s3://test/up"], {
        env: s3.env,
        cwd: dir,
      });
      const out = run.stdout + run.stderr;
      assert.ok(refused.length > 0, `the listing of up/sub/ was asked for and refused:\n${out}`);
      assert.equal(run.code, 1, out);
      assert.match(out, /target listing: .*InternalError/, out);
      for (const n of NAMES) {
        assert.equal(
          dec.decode(await collect(await view.read(`up/sub/${n}`))),
          `remote ${n}`,
          `up/sub/${n} was sent over a listing that failed:\n${out}`,
        );
      }
      assert.equal(puts.filter((u) => u.includes("/sub/")).length, 0, puts.join("\n"));
      assert.equal(dec.decode(await collect(await view.read("up/top.txt"))), "top");
    } finally {
      await view.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
