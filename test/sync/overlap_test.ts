/**
 * Two trees of which one is inside the other (found from the outside, session
 * 18): `ferry sync ./p ./p/sub` copied p into p/sub, the next run p/sub into
 * p/sub/sub, and so on each run (p/sub/sub/sub/sub2/... after four runs).
 * rclone refuses overlapping remotes; sync and copy-if-newer now do too,
 * before they list or write anything, on a real server as on local disks. A
 * mirror left the inner tree out only when both roots were on one endpoint;
 * `ferry mirror ./p ./p/copy` (two local endpoints) copied p/copy into
 * p/copy/copy on its second run. It now finds the nesting by location.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { copyIfNewer } from "../../sync/if_newer.ts";
import { mirror } from "../../sync/mirror.ts";
import { OverlappingTreesError } from "../../sync/overlap.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(p);
      if (e.isDirectory) await walk(`${dir}/${e.name}`, p);
    }
  };
  await walk(root, "");
  return out.sort();
}

peerTest(
  "sync/ftp vsftpd: sync and copy-if-newer refuse a tree and a tree inside it; mirror leaves it out",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await Deno.mkdir(`${peer.root}/p/sub`, { recursive: true });
    await Deno.writeTextFile(`${peer.root}/p/x.txt`, "x");
    await chownForVsftpd(`${peer.root}/p`);
    await chownForVsftpd(`${peer.root}/p/sub`);
    await chownForVsftpd(`${peer.root}/p/x.txt`);
    const before = await tree(peer.root);
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
    });
    const state = StateStore.open(":memory:");
    try {
      const refused = async (name: string, run: () => Promise<unknown>) => {
        await assert.rejects(run, (e: unknown) => {
          assert.ok(e instanceof OverlappingTreesError, `${name}: ${String(e)}`);
          assert.equal(e.code, "EOVERLAP");
          assert.match(e.message, /\/p\/sub\b.* (is inside|are one tree)/);
          return true;
        }, name);
      };
      await refused("sync", () => sync(ftp, "p", ftp, "p/sub", { ...fast, state }));
      await refused("sync b in a", () => sync(ftp, "/p/sub/", ftp, "/p", { ...fast, state }));
      await refused("copy-if-newer", () => copyIfNewer(ftp, "p", ftp, "p/sub", fast));
      await refused("the same tree", () => sync(ftp, "p/sub", ftp, "p/sub", { ...fast, state }));
      assert.deepEqual(await tree(peer.root), before);
      // A sibling whose name merely starts the same is no overlap.
      const ok = await mirror(ftp, "p", ftp, "p2", fast);
      assert.equal(ok.ok, true, JSON.stringify(ok.errors));
    } finally {
      state.close();
      await ftp.close();
    }
    // Local disks, each tree its own endpoint as the CLI opens them.
    await using local = await tempLocal();
    await Deno.mkdir(`${local.root}/p/sub`, { recursive: true });
    await Deno.writeTextFile(`${local.root}/p/x.txt`, "x");
    const { LocalEndpoint } = await import("../../endpoint/local.ts");
    const at = (path: string) => new LocalEndpoint(`${local.root}/${path}`, { create: true });
    await assert.rejects(
      () => sync(at("p"), "", at("p/sub"), "", { ...fast, statePath: ":memory:" }),
      OverlappingTreesError,
    );
    for (let i = 0; i < 2; i++) {
      const r = await mirror(at("p"), "", at("p/copy"), "", fast);
      assert.equal(r.ok, true, JSON.stringify(r.errors));
      assert.equal(r.files.transferred, i === 0 ? 1 : 0, `run ${i + 1}`);
    }
    assert.deepEqual(await tree(`${local.root}/p`), [
      "copy",
      "copy/sub",
      "copy/x.txt",
      "sub",
      "x.txt",
    ]);
    // A source inside the target is not "extraneous": a mirror with delete keeps it.
    const up = await mirror(at("p/sub"), "", at("p"), "", { ...fast, delete: true });
    assert.equal(up.ok, true, JSON.stringify(up.errors));
    assert.deepEqual(await tree(`${local.root}/p`), ["sub"]);
  },
);
