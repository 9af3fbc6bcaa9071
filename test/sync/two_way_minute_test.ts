/**
 * Two-way sync against a server that lists only minutes (vsftpd: Unix LIST, no
 * MLSD): an edit of the same size made after the last run, in a later listed
 * minute, is a change. Found from the outside (session 18): `ferry sync` took a
 * server file edited one minute later (listed 15:11 against a remembered 15:10)
 * as unchanged, so the next edit on the other side overwrote it without a
 * conflict.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { Precision } from "../../endpoint/types.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };
const DAY = 86_400_000;
/** A recent whole minute (LIST shows hours and minutes for it). */
const minute = Math.floor((Date.now() - 2 * DAY) / 60_000) * 60_000;

async function serverFile(peer: FtpPeer, path: string, text: string, mtime: number) {
  const full = `${peer.root}/${path}`;
  await Deno.writeTextFile(full, text);
  await Deno.utime(full, new Date(mtime), new Date(mtime));
  await chownForVsftpd(full);
}

async function connect(peer: FtpPeer): Promise<FtpEndpoint> {
  return await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
    credentials: { user: peer.user, password: peer.password },
  });
}

peerTest(
  "sync/ftp vsftpd: a same-size edit listed in the next minute is carried, not taken as unchanged",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await using local = await tempLocal();
    const state = StateStore.open(":memory:");
    // down.txt starts on the server (its snapshot there is the listed minute), up.txt
    // on the local side (its snapshot on the server is the exact time sent with it).
    await serverFile(peer, "down.txt", "version 1", minute + 5_000);
    await Deno.writeTextFile(`${local.root}/up.txt`, "version 1");
    await Deno.utime(`${local.root}/up.txt`, new Date(minute + 5_000), new Date(minute + 5_000));
    const run = async () => {
      const ftp = await connect(peer); // a new connection each run: no stat cache between runs
      try {
        return await sync(local, "", ftp, "", { ...fast, state });
      } finally {
        await ftp.close();
      }
    };
    const first = await run();
    assert.equal(first.ok, true, JSON.stringify(first.errors));
    assert.equal(first.files.transferred, 2);
    const ftp = await connect(peer);
    assert.equal((await ftp.stat("down.txt")).precision, Precision.minutes);
    await ftp.close();

    // Someone edits both on the server, same size, 70 s later: listed one minute on.
    await serverFile(peer, "down.txt", "version 2", minute + 75_000);
    await serverFile(peer, "up.txt", "version 2", minute + 75_000);
    const second = await run();
    assert.equal(second.ok, true, JSON.stringify(second.errors));
    assert.equal(
      await Deno.readTextFile(`${local.root}/down.txt`),
      "version 2",
      `down.txt not carried: ${JSON.stringify(second.plan ?? second.files)}`,
    );
    assert.equal(await Deno.readTextFile(`${local.root}/up.txt`), "version 2");
    // And the run after is quiet: nothing is taken as changed again.
    const third = await run();
    assert.equal(third.files.transferred, 0);
    state.close();
  },
);
