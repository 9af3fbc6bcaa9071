/**
 * Exact mtimes from a server that lists only minutes (vsftpd has no MLSD): the
 * copies carry the second MDTM gives, asked in the same write as the download,
 * and the no-change re-runs of mirror and two-way sync still copy nothing.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { Precision } from "../../endpoint/types.ts";
import { mirror } from "../../sync/mirror.ts";
import { StateStore } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

/** Recent times (so LIST shows hours and minutes), each with seconds inside its minute. */
const DAY = 86_400_000;
const base = Math.floor((Date.now() - 3 * DAY) / 60_000) * 60_000;
const files: Record<string, Date> = {
  "a.txt": new Date(base + 37_000),
  "d/b.txt": new Date(base - 7 * 60_000 + 59_000),
  "d/e/c.bin": new Date(base + 60_000 + 1_000),
};

async function serve(peer: FtpPeer): Promise<void> {
  for (const [path, mtime] of Object.entries(files)) {
    const full = `${peer.root}/pub/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, `content of ${path}`);
    await Deno.utime(full, mtime, mtime);
  }
}

async function connect(peer: FtpPeer, timeShift?: string): Promise<FtpEndpoint> {
  return await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/pub`, {
    credentials: { user: peer.user, password: peer.password },
    maxConnections: 4,
    ...(timeShift ? { timeShift } : {}),
  });
}

async function assertExact(root: string): Promise<void> {
  for (const [path, mtime] of Object.entries(files)) {
    const got = (await Deno.stat(`${root}/${path}`)).mtime?.getTime();
    assert.equal(got, mtime.getTime(), `${path}: ${new Date(got ?? 0).toISOString()}`);
  }
}

for (
  const [name, start, shift] of [
    ["UTC", () => startVsftpd(), undefined],
    [
      "use_localtime in +05:30",
      () => startVsftpd({ useLocaltime: true, tz: "Asia/Kolkata" }),
      "+05:30",
    ],
  ] as const
) {
  peerTest(
    `sync/ftp vsftpd (${name}): mirrored and synced files carry the exact second`,
    ["vsftpd"],
    async () => {
      await using peer = await start();
      await serve(peer);
      const ftp = await connect(peer, shift);
      try {
        // The listing alone says only the minute.
        assert.equal((await ftp.stat("a.txt")).precision, Precision.minutes);
        await using local = await tempLocal();
        const first = await mirror(ftp, "", local, "m", { ...fast, parallel: 4 });
        assert.equal(first.ok, true, JSON.stringify(first.errors));
        assert.equal(first.files.transferred, 3);
        await assertExact(`${local.root}/m`);
        const again = await mirror(ftp, "", local, "m", fast);
        assert.equal(again.files.transferred, 0, JSON.stringify(again.plan ?? again.errors));

        // Two-way: the copy's exact time is what the state remembers, so it is not "changed".
        const state = StateStore.open(":memory:");
        const synced = await sync(ftp, "", local, "s", { ...fast, state });
        assert.equal(synced.ok, true, JSON.stringify(synced.errors));
        assert.equal(synced.files.transferred, 3);
        await assertExact(`${local.root}/s`);
        const quiet = await sync(ftp, "", local, "s", { ...fast, state, dryRun: true });
        const moves = (quiet.plan ?? []).filter((a) => a.op !== "skip");
        assert.deepEqual(moves, [], JSON.stringify(quiet.plan));
        state.close();
      } finally {
        await ftp.close();
      }
    },
  );
}

peerTest(
  "sync/ftp vsftpd: readDirect gives the bytes and the MDTM time as read() does; a cancel frees the session",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await serve(peer);
    const ftp = await connect(peer);
    try {
      const heard: Date[] = [];
      const source = await ftp.readDirect("a.txt", { onMtime: (mtime) => heard.push(mtime) });
      const buffer = new Uint8Array(1024);
      let text = "";
      for (let n; (n = await source.readInto(buffer)) !== null;) {
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      assert.equal(text, "content of a.txt");
      assert.deepEqual(heard, [files["a.txt"]]);
      // From an offset; left early: ABOR, and every session can serve again.
      const rest = await ftp.readDirect("d/b.txt", { offset: 11 });
      assert.ok((await rest.readInto(buffer))! > 0);
      await rest.cancel();
      for (let i = 0; i < 5; i++) {
        const again = await ftp.readDirect("d/b.txt", { offset: 11 });
        const n = await again.readInto(buffer);
        assert.equal(new TextDecoder().decode(buffer.subarray(0, n!)), "d/b.txt");
        assert.equal(await again.readInto(buffer), null);
      }
    } finally {
      await ftp.close();
    }
  },
);
