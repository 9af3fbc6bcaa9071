/**
 * A session that met a LIST refused with and without `-a` (a missing
 * directory: a stat of a name in it, an earlier job of the run) kept listing
 * without `-a`, so a later mirror --delete from a server whose plain LIST
 * hides dot files (ProFTPD, Pure-FTPd; here pyftpdlib made to list so) saw
 * no dot files in its source and deleted the target's. `-a` is dropped only
 * where plain LIST works (ftp/listing_commands.ts `withListAll`).
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { NotFoundError } from "../../endpoint/errors.ts";
import { mirror } from "../../sync/mirror.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { put, tempLocal, text } from "./helpers.ts";

peerTest(
  "sync/ftp: a stat in a missing directory does not make a later mirror --delete lose dot files",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({ mlsd: false, unixListAll: true });
    await Deno.mkdir(`${peer.root}/d`);
    await Deno.writeTextFile(`${peer.root}/d/.config`, "server's");
    await Deno.writeTextFile(`${peer.root}/d/plain.txt`, "plain");
    await using local = await tempLocal();
    await put(local, "d/.config", "mine");
    // One session, so the stat's listing and the mirror's are on the same one.
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      maxConnections: 1,
    });
    try {
      await assert.rejects(ftp.stat("gone/x.txt"), NotFoundError);
      const r = await mirror(ftp, "", local, "", { delete: true, retry: { baseDelayMs: 0 } });
      assert.equal(r.ok, true, JSON.stringify(r.errors));
      assert.equal(r.files.deleted, 0, JSON.stringify(r.plan));
      assert.equal(await text(local, "d/.config"), "server's");
      assert.equal(await text(local, "d/plain.txt"), "plain");
    } finally {
      await ftp.close();
    }
  },
);
