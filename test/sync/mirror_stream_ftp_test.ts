/**
 * The streamed mirror (`stream: true`) against real servers: ProFTPD over MLSD
 * and vsftpd over LIST. Copies start while the walks go on; the result must be
 * the tree, the mtimes and the deletions of a mirror that plans first.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import { mirror } from "../../sync/mirror.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { at, contents, pattern, put, tempLocal } from "./helpers.ts";

const streamed = { retry: { baseDelayMs: 0 }, stream: true, parallel: 4 };

const servers: [string, "vsftpd" | "proftpd", () => Promise<FtpPeer>][] = [
  ["ProFTPD (MLSD)", "proftpd", () => startProftpd()],
  ["vsftpd (LIST)", "vsftpd", () => startVsftpd({ lockUploadFiles: false })],
];

/** 30 files in 6 directories, one of them 3 levels down, and one large file. */
async function sourceTree(ep: Endpoint): Promise<void> {
  for (let d = 0; d < 6; d++) {
    for (let f = 0; f < 5; f++) {
      const dir = d === 5 ? "d5/x/y" : `d${d}`;
      await put(ep, `${dir}/f${f}.txt`, `file ${d}/${f}`, at(d * 100 + f));
    }
  }
  await put(ep, "big.bin", pattern(300_000), at(7));
}

/** Every file's mtime in seconds, by path, as the server's own disk has it (vsftpd's LIST shows only the day of an old file). */
async function diskMtimes(dir: string, prefix = ""): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) Object.assign(out, await diskMtimes(dir, path));
    else out[path] = Math.floor((await Deno.stat(`${dir}/${path}`)).mtime!.getTime() / 1000);
  }
  return out;
}

/** Every file's mtime in seconds, by path. */
async function mtimes(ep: Endpoint, root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const path of Object.keys(await contents(ep, root))) {
    if (path.endsWith("/")) continue;
    const st = await ep.stat(`${root}/${path}`);
    out[path] = Math.floor(st.mtime!.getTime() / 1000);
  }
  return out;
}

for (const [name, peerName, start] of servers) {
  peerTest(
    `streamed mirror ${name}: up and down with --delete, same tree and mtimes, stale files removed`,
    [peerName],
    async () => {
      await using peer = await start();
      await using local = await tempLocal();
      await sourceTree(local);
      // Stale entries on the server, in a directory the source has and in one it has not.
      await Deno.mkdir(`${peer.root}/pub/d2`, { recursive: true });
      await Deno.writeTextFile(`${peer.root}/pub/d2/stale.txt`, "old");
      await Deno.mkdir(`${peer.root}/pub/gone/deep`, { recursive: true });
      await Deno.writeTextFile(`${peer.root}/pub/gone/deep/z.txt`, "old");
      await chownForVsftpd(`${peer.root}/pub`);
      const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
        credentials: { user: peer.user, password: peer.password },
        maxConnections: 4,
      });
      try {
        const up = await mirror(local, "", ftp, "pub", { ...streamed, delete: true });
        assert.equal(up.ok, true, JSON.stringify(up.errors));
        assert.equal(up.files.transferred, 31);
        assert.deepEqual(await contents(ftp, "pub"), await contents(local, ""));
        assert.deepEqual(await diskMtimes(`${peer.root}/pub`), await mtimes(local, ""));

        const again = await mirror(local, "", ftp, "pub", { ...streamed, delete: true });
        assert.equal(again.files.transferred, 0, JSON.stringify(again.plan ?? again.errors));

        await using down = await tempLocal();
        await put(down, "copy/stale.txt", "old", at(0));
        const r = await mirror(ftp, "pub", down, "copy", { ...streamed, delete: true });
        assert.equal(r.ok, true, JSON.stringify(r.errors));
        assert.deepEqual(await contents(down, "copy"), await contents(local, ""));
        assert.deepEqual(await mtimes(down, "copy"), await mtimes(local, ""));
      } finally {
        await ftp.close();
      }
    },
  );
}
