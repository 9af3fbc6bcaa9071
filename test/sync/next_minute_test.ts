/**
 * mirror and download-if-newer against a server that lists only minutes
 * (vsftpd): a same-size edit made after the copy, listed in a later minute
 * than the copy's exact time, is a change. Found from the outside (session
 * 18): the local copy carried MDTM's 10:00:40, the server file was rewritten
 * at 10:01:20 (listed 10:01), and `ferry download-if-newer` said "skip
 * recent.txt (same size and mtime)"; `ferry mirror` skipped it the same way
 * (|10:02 - 10:01:20| = 40 s was inside the 60 s window).
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { Precision } from "../../endpoint/types.ts";
import { copyIfNewer } from "../../sync/if_newer.ts";
import { mirror } from "../../sync/mirror.ts";
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

async function withFtp<T>(peer: FtpPeer, fn: (ftp: FtpEndpoint) => Promise<T>): Promise<T> {
  // A new connection each run: no stat cache between runs.
  const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
    credentials: { user: peer.user, password: peer.password },
  });
  try {
    return await fn(ftp);
  } finally {
    await ftp.close();
  }
}

peerTest(
  "mirror and download-if-newer from vsftpd: a same-size edit listed a minute after the copy is carried",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await using local = await tempLocal();
    await serverFile(peer, "f.txt", "version 1", minute + 40_000);
    const runs = {
      mirror: (ftp: FtpEndpoint) => mirror(ftp, "", local, "m", fast),
      "download-if-newer": (ftp: FtpEndpoint) => copyIfNewer(ftp, "", local, "d", fast),
    };
    for (const run of Object.values(runs)) {
      const first = await withFtp(peer, run);
      assert.equal(first.files.transferred, 1, JSON.stringify(first.errors));
    }
    assert.equal(
      await withFtp(peer, (ftp) => ftp.stat("f.txt")).then((s) => s.precision),
      Precision.minutes,
    );
    // The copies carry the exact second (MDTM): 40 s into the listed minute.
    assert.equal((await Deno.stat(`${local.root}/m/f.txt`)).mtime?.getTime(), minute + 40_000);
    // Nothing changed: nothing is copied again.
    for (const run of Object.values(runs)) {
      assert.equal((await withFtp(peer, run)).files.transferred, 0);
    }

    // Rewritten on the server, same size, at 10:01:20: listed one minute on, 40 s after the copies.
    await serverFile(peer, "f.txt", "version 2", minute + 80_000);
    for (const [name, run] of Object.entries(runs)) {
      const again = await withFtp(peer, run);
      assert.equal(again.files.transferred, 1, `${name}: ${JSON.stringify(again.plan ?? again)}`);
    }
    assert.equal(await Deno.readTextFile(`${local.root}/m/f.txt`), "version 2");
    assert.equal(await Deno.readTextFile(`${local.root}/d/f.txt`), "version 2");
    for (const run of Object.values(runs)) {
      assert.equal((await withFtp(peer, run)).files.transferred, 0);
    }
  },
);
