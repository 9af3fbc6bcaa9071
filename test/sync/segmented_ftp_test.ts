/**
 * Segmented downloads from real FTP servers (vsftpd, pyftpdlib) through the
 * cutting proxy: mirror fetches a large file over several sessions of the
 * host's pool (never more than maxConnections at once, counted by the proxy),
 * bytes and mtimes arrive; a data connection cut inside one segment leaves
 * the partial and its record, and the re-run continues from there.
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../host.ts";
import { LocalEndpoint, mirror } from "../../mod.ts";
import { segmentStateName } from "../../endpoint/atomic.ts";
import { parseSegmentState, type SegmentState } from "../../sync/segments.ts";
import { randomFile, sha256, Wrapped } from "./helpers.ts";
import type { Capabilities } from "../../endpoint/types.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";

const MIB = 1024 * 1024;
const SIZE = 12 * MIB + 12_345;
const segments = { segments: 4, threshold: 4 * MIB };

/** The served tree: big.bin and three small files, with whole-second mtimes in the past. */
async function serve(peer: FtpPeer): Promise<{ content: Uint8Array; mtime: Date }> {
  const content = randomFile(SIZE);
  const mtime = new Date("2026-01-02T03:04:05Z");
  await Deno.writeFile(`${peer.root}/big.bin`, content);
  await Deno.utime(`${peer.root}/big.bin`, mtime, mtime);
  for (const n of [1, 2, 3]) {
    await Deno.writeTextFile(`${peer.root}/s${n}.txt`, `small ${n}\n`.repeat(n * 100));
  }
  if (peer.kind === "vsftpd") {
    for (const name of ["big.bin", "s1.txt", "s2.txt", "s3.txt"]) {
      await chownForVsftpd(`${peer.root}/${name}`);
    }
  }
  return { content, mtime };
}

const peers = [
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["pyftpdlib", () => startPyftpdlib()],
] as const;

for (const [name, start] of peers) {
  peerTest(`${name}: mirror fetches a large file in segments within maxConnections`, [
    name,
  ], async () => {
    await using peer = await start();
    await using proxy = await startCutProxy({ targetPort: peer.port });
    const { content, mtime } = await serve(peer);
    const local = await Deno.makeTempDir({ prefix: "ferry-segments-" });
    const remote = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      maxConnections: 3,
      timeout: 10,
    });
    try {
      const r = await mirror(remote, "", new LocalEndpoint(local), "", {
        segments,
        parallel: 4,
        retry: { baseDelayMs: 10 },
      });
      assert.ok(r.ok, JSON.stringify(r.errors));
      assert.equal(r.files.transferred, 4);
      const got = await Deno.readFile(`${local}/big.bin`);
      assert.equal(got.length, SIZE);
      assert.equal(sha256(got), sha256(content), "byte-identical");
      assert.equal((await Deno.stat(`${local}/big.bin`)).mtime?.getTime(), mtime.getTime());
      assert.ok(proxy.mostControlsAtOnce() <= 3, `${proxy.mostControlsAtOnce()} sessions at once`);
      // Three small files and three segments (as many as the pool has sessions); the
      // listing went over the control connection (STAT).
      assert.ok(proxy.dataConnections() >= 6, `${proxy.dataConnections()} data connections`);
      assert.deepEqual([...Deno.readDirSync(local)].map((e) => e.name).sort(), [
        "big.bin",
        "s1.txt",
        "s2.txt",
        "s3.txt",
      ]);
    } finally {
      await remote.close();
      await Deno.remove(local, { recursive: true });
    }
  });

  peerTest(`${name}: a cut inside one segment, then the re-run continues every segment`, [
    name,
  ], async () => {
    await using peer = await start();
    await using proxy = await startCutProxy({
      targetPort: peer.port,
      cut: { afterBytes: 1 * MIB },
    });
    const { content, mtime } = await serve(peer);
    await Deno.remove(`${peer.root}/s1.txt`);
    await Deno.remove(`${peer.root}/s2.txt`);
    await Deno.remove(`${peer.root}/s3.txt`);
    const local = await Deno.makeTempDir({ prefix: "ferry-segments-" });
    const open = () =>
      FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
        credentials: { user: peer.user, password: peer.password },
        maxConnections: 4,
        timeout: 10,
      });
    try {
      const disk = new LocalEndpoint(local);
      let remote = await open();
      const first = await mirror(remote, "", disk, "", { segments, retry: { retries: 0 } });
      await remote.close();
      assert.ok(proxy.cutDone(), "the data connection was cut");
      assert.ok(!first.ok, "the first run fails the file");
      const record = parseSegmentState(
        await Deno.readTextFile(`${local}/${segmentStateName("big.bin")}`),
      ) as SegmentState;
      assert.ok(!("invalid" in record), JSON.stringify(record));
      const confirmed = record.segments.reduce((n, s) => n + s.done, 0);
      assert.ok(confirmed > 0 && confirmed < SIZE, `${confirmed} bytes confirmed`);

      remote = await open();
      const second = await mirror(remote, "", disk, "", { segments, retry: { baseDelayMs: 10 } });
      await remote.close();
      assert.ok(second.ok, JSON.stringify(second.errors));
      assert.equal(second.resumed, 1, "continued, not started over");
      assert.equal(second.bytes.transferred, SIZE - confirmed);
      const got = await Deno.readFile(`${local}/big.bin`);
      assert.equal(sha256(got), sha256(content), "byte-identical");
      assert.equal((await Deno.stat(`${local}/big.bin`)).mtime?.getTime(), mtime.getTime());
      assert.deepEqual([...Deno.readDirSync(local)].map((e) => e.name), ["big.bin"]);
    } finally {
      await Deno.remove(local, { recursive: true });
    }
  });
}

peerTest("a near source (longLink false): no segments unless asked for", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd({ lockUploadFiles: false });
  await using proxy = await startCutProxy({ targetPort: peer.port });
  const { content } = await serve(peer);
  const local = await Deno.makeTempDir({ prefix: "ferry-segments-" });
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
    credentials: { user: peer.user, password: peer.password },
    timeout: 10,
  });
  // What FtpEndpoint says of a server whose quickest reply took under 5 ms (on a loaded machine
  // even loopback replies may take longer, so the test does not rely on measuring it).
  const remote = new Near(ftp);
  try {
    const r = await mirror(remote, "", new LocalEndpoint(local), "", {
      segments: { threshold: 4 * MIB },
      include: ["big.bin"],
    });
    assert.ok(r.ok, JSON.stringify(r.errors));
    // One download (the listing went over the control connection: STAT).
    assert.equal(proxy.dataConnections(), 1);
    assert.equal(sha256(await Deno.readFile(`${local}/big.bin`)), sha256(content));
  } finally {
    await ftp.close();
    await Deno.remove(local, { recursive: true });
  }
});

class Near extends Wrapped {
  override capabilities(): Capabilities {
    return { ...super.capabilities(), longLink: false };
  }
}
