/**
 * `ferry sync` killed (SIGKILL) in the middle of a download: the partial it
 * leaves is resumed by the next sync when the file is still there, and removed
 * when its source was deleted meanwhile; no partial is left after a clean run.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { StallingEndpoint } from "../peers/stalling.ts";
import { ferry, spawnFerry } from "./helpers.ts";

const env = { FTP_PW: "pw-5ecret" };
const SIZE = 4 << 20;
const STALL_AT = 256 << 10;

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 10)) & 255;
  return bytes;
}

for (const sourceDeleted of [false, true]) {
  const what = sourceDeleted ? "the source deleted: removed" : "the source still there: resumed";
  Deno.test(`sync killed mid-transfer, ${what}, and no partial after two syncs`, async () => {
    const mem = new MemoryEndpoint();
    await mem.mkdir("pub");
    const big = pattern(SIZE);
    await ReadableStream.from([big]).pipeTo(await mem.write("pub/big.bin"));
    const ep = new StallingEndpoint(mem, { read: { name: "big.bin", after: STALL_AT } });
    const authorizer = new VirtualAuthorizer().addUser("bob", {
      password: env.FTP_PW,
      perm: "elradfmwMT",
    });
    const srv = await startFtpServer({ endpoint: ep, authorizer, port: 0, authFailedDelayMs: 0 });
    const dir = await Deno.makeTempDir({ prefix: "ferry-sync-partials-" });
    const got = join(dir, "got");
    const args = [
      "sync",
      `ftp://bob@127.0.0.1:${srv.port}/pub`,
      got,
      "--state-dir",
      join(dir, "state"),
      "--password-env",
      "FTP_PW",
      "--json",
    ];
    try {
      await Deno.mkdir(got);
      const watcher = Deno.watchFs(got);
      const child = spawnFerry(args, { env, cwd: dir });
      const out = Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      await ep.stalled;
      // Kill once every byte the server sent before it stalled is in the partial.
      for await (const _ of watcher) {
        const st = await Deno.stat(join(got, ".big.bin.ferry.part")).catch(() => undefined);
        if (st?.size === STALL_AT) break;
      }
      watcher.close();
      child.kill("SIGKILL");
      await child.status;
      await out;
      ep.release();
      const partial = await Deno.stat(join(got, ".big.bin.ferry.part"));
      assert.equal(partial.size, STALL_AT);
      if (sourceDeleted) await mem.remove("pub/big.bin");

      const first = await ferry(args, { env, cwd: dir });
      assert.equal(first.code, 0, first.stderr);
      const report = JSON.parse(first.stdout).jobs[0];
      if (sourceDeleted) {
        assert.equal(report.counts.filesTransferred, 0);
        assert.deepEqual([...Deno.readDirSync(got)], []);
      } else {
        assert.equal(report.details.resumed, 1, first.stdout);
        assert.equal(report.counts.bytesTransferred, SIZE - partial.size);
        assert.deepEqual(await Deno.readFile(join(got, "big.bin")), big);
        const reads = ep.opened.filter((o) => o.op === "read").map((o) => o.offset);
        assert.ok(reads.includes(STALL_AT), `read from where the partial ended: ${reads}`);
      }
      const second = await ferry(args, { env, cwd: dir });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(JSON.parse(second.stdout).jobs[0].counts.filesTransferred, 0);
      const names = [...Deno.readDirSync(got)].map((e) => e.name);
      assert.deepEqual(names, sourceDeleted ? [] : ["big.bin"]);
    } finally {
      ep.release();
      await srv.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
