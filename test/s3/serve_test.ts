/**
 * ferry's FTP server over an s3:// endpoint, in-process, where a program
 * embeds it with hooks (test/s3/serve_cli_test.ts drives `ferry serve` as a
 * process with real clients): an upload `onFileReceived` vetoes, small or
 * multipart, leaves the old object and no staging object behind.
 */
import assert from "node:assert/strict";
import { startFtpServer, type TransferEvent, VirtualAuthorizer } from "../../server.ts";
import { openOn } from "./helpers.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { Ctl, writeAll as send } from "../server/client.ts";
import { startS3rver } from "./s3rver.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test({
  name: "s3 serve (in-process): a vetoed upload leaves the old object and no staging object",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const ep = await openOn(s3, "served");
    const seen: TransferEvent[] = [];
    const auth = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" });
    const srv = await startFtpServer({
      endpoint: ep,
      authorizer: auth,
      port: 0,
      hooks: {
        onFileReceived(event) {
          seen.push(event);
          return event.path.endsWith(".exe") ? "no programs" : undefined;
        },
      },
    });
    try {
      await writeAll(await ep.write("a.exe"), enc.encode("old"));
      const c = await Ctl.connect(srv.port);
      assert.equal((await c.login("bob", "pw")).code, 230);
      await c.cmd("TYPE I");
      // One PUT (small) and a multipart upload (12 MiB > the 8 MiB part).
      for (const size of [10, 12 * 1024 * 1024]) {
        const data = await c.epsv();
        assert.ok([125, 150].includes((await c.cmd("STOR a.exe")).code));
        await send(data, new Uint8Array(size).fill(0x4e));
        const r = await c.reply();
        assert.equal(r.code, 550, r.text);
        assert.match(r.text, /no programs/);
        assert.equal(dec.decode(await collect(await ep.read("a.exe"))), "old");
        assert.deepEqual((await ep.list("")).map((s) => s.name), ["a.exe"]);
      }
      assert.equal(seen.length, 2);
      assert.ok(seen.every((e) => e.stagedPath && e.stagedPath !== "a.exe"));
      c.close();
    } finally {
      await srv.close();
      await ep.close();
    }
  },
});
