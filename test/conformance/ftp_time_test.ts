/**
 * Time against real servers: a pyftpdlib listing in its own zone (+05:30,
 * against RFC 3659), where synchronizeTimes must find the shift (twice: the
 * measurement must not depend on the shift already set), `auto` must measure
 * once and remember, and *-if-newer must decide right on both sides; and the
 * precision a listing carries (MLSD seconds, LIST minutes for recent files,
 * days for files older than six months).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpHost, type FtpHostOptions } from "../../endpoint/ftp/host.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { Precision, type Stat } from "../../endpoint/types.ts";
import { TimeShiftStore } from "../../endpoint/ftp/time_sync.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import type { FtpPeer } from "../peers/types.ts";

const KOLKATA = 19_800;
const hour = 3600_000;

function connect(peer: FtpPeer, extra: Partial<FtpHostOptions> = {}) {
  return FtpHost.connect({
    host: peer.host,
    port: peer.port,
    user: peer.user,
    password: peer.password,
    timeoutMs: 10_000,
    ...extra,
  });
}

/** Asserts the true time lies in [mtime, mtime + precision] (listings truncate). */
function assertCovers(stat: Stat, truth: Date, precision: number): void {
  assert.equal(stat.precision, precision, `precision of ${stat.name}`);
  const t = stat.mtime!.getTime();
  assert.ok(
    t <= truth.getTime() && truth.getTime() <= t + precision,
    `${stat.name}: ${stat.mtime!.toISOString()} (+${precision} ms) covers ${truth.toISOString()}`,
  );
}

for (const mlsd of [true, false]) {
  const kind = mlsd ? "MLSD" : "LIST";
  peerTest(`ftp time: synchronizeTimes finds +05:30 (${kind}), twice`, ["pyftpdlib"], async () => {
    await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata", mlsd });
    const truth = new Date(Date.now() - 3 * hour);
    await Deno.writeTextFile(join(peer.root, "f"), "x");
    await Deno.utime(join(peer.root, "f"), truth, truth);
    await using host = await connect(peer);
    assert.equal(await host.usesMlsd(), mlsd);
    const skewed = await host.stat("/f");
    assert.equal(skewed.mtime!.getTime() - truth.getTime() >= KOLKATA * 1000 - 60_000, true);
    assert.equal(await host.synchronizeTimes(), KOLKATA);
    assert.equal(host.timeShift(), KOLKATA);
    // pyftpdlib without GMT times writes MLSD in local time too: the probe's MLST shows it.
    assert.equal(host.mlsdLocalTime(), mlsd);
    // ftputil 5.0.4 measures through the current shift and finds 0 the second time.
    assert.equal(await host.synchronizeTimes(), KOLKATA);
    assertCovers(await host.stat("/f"), truth, mlsd ? Precision.seconds : Precision.minutes);
    assert.deepEqual(await host.listdir("/"), ["f"], "the probe file is gone");
  });
}

peerTest("ftp time: a given shift applies to LIST times; MLSD times are UTC unless told", [
  "pyftpdlib",
], async () => {
  const truth = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * hour);
  const cases = [
    // RFC 3659 MLSD (UTC): the shift must not touch it (lftp's ftp:timezone is LIST's).
    { useGmtTimes: true, mlsd: true, extra: {}, precision: Precision.seconds },
    // LIST in the server's zone: the shift makes it UTC.
    { useGmtTimes: false, mlsd: false, extra: {}, precision: Precision.minutes },
    // A server whose MLSD is local time, and the setting that says so.
    {
      useGmtTimes: false,
      mlsd: true,
      extra: { mlsdLocalTime: true },
      precision: Precision.seconds,
    },
  ];
  for (const { useGmtTimes, mlsd, extra, precision } of cases) {
    await using peer = await startPyftpdlib({ useGmtTimes, tz: "Asia/Kolkata", mlsd });
    await Deno.writeTextFile(join(peer.root, "f"), "x");
    await Deno.utime(join(peer.root, "f"), truth, truth);
    await using host = await connect(peer, { timeShift: "+05:30", ...extra });
    assert.equal(await host.usesMlsd(), mlsd);
    assertCovers(await host.stat("/f"), truth, precision);
    assertCovers((await host.list("/"))[0], truth, precision);
  }
});

peerTest("ftp time: *-if-newer decide right on both sides once the shift is known", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata", mlsd: false });
  const local = await Deno.makeTempDir();
  try {
    const remoteTime = new Date(Date.now() - 3 * hour);
    await Deno.writeTextFile(join(peer.root, "r.txt"), "remote");
    await Deno.utime(join(peer.root, "r.txt"), remoteTime, remoteTime);
    const at = async (name: string, offset: number) => {
      const path = join(local, name);
      await Deno.writeTextFile(path, name);
      const t = new Date(remoteTime.getTime() + offset);
      await Deno.utime(path, t, t);
      return path;
    };
    const newer = await at("newer", hour);
    const older = await at("older", -hour);

    // Without the shift the remote file looks 5.5 h newer than it is: both go wrong.
    await using naive = await connect(peer);
    assert.equal(await naive.uploadIfNewer(newer, "/r.txt"), false, "naive: no upload (wrong)");
    assert.equal(await naive.downloadIfNewer("/r.txt", newer), true, "naive: download (wrong)");
    await Deno.writeTextFile(newer, "newer");
    await Deno.utime(
      newer,
      new Date(remoteTime.getTime() + hour),
      new Date(remoteTime.getTime() + hour),
    );

    await using host = await connect(peer, { timeShift: "+05:30" });
    assert.equal(host.timeShift(), KOLKATA);
    assert.equal(await host.downloadIfNewer("/r.txt", newer), false, "local is newer");
    assert.equal(await host.downloadIfNewer("/r.txt", older), true, "local is older");
    assert.equal(await Deno.readTextFile(older), "remote");
    assert.equal(await host.uploadIfNewer(newer, "/r.txt"), true, "local is newer");
    assert.equal(await Deno.readTextFile(join(peer.root, "r.txt")), "newer");
    // The upload gave the remote file the time of the transfer: now it is newer.
    assert.equal(await host.uploadIfNewer(newer, "/r.txt"), false);
    assert.equal(
      await host.uploadIfNewer(join(local, "missing"), "/r.txt").catch((e) => e.name),
      "NotFoundError",
    );
  } finally {
    await Deno.remove(local, { recursive: true });
  }
});

peerTest("ftp time: auto measures once per server and remembers it", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata" });
  const state = await Deno.makeTempDir();
  try {
    const probes = () => (peer.log().match(/_ferry_sync_\w+/g) ?? []).length;
    {
      await using host = await connect(peer, { timeShift: "auto", stateDir: state });
      assert.equal(host.timeShift(), KOLKATA);
    }
    const afterFirst = probes();
    assert.ok(afterFirst > 0, "a probe was written");
    const key = `ftp://${peer.user}@${peer.host}:${peer.port}`;
    assert.equal(await TimeShiftStore.inStateDir(state).get(`${key} MLSD`, hour), KOLKATA);
    {
      await using host = await connect(peer, { timeShift: "auto", stateDir: state });
      assert.equal(host.timeShift(), KOLKATA);
    }
    assert.equal(probes(), afterFirst, "no second probe");
    // Through the endpoint options too.
    const ep = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      timeShift: "auto",
      options: { stateDir: state },
    });
    assert.equal(ep.host.timeShift(), KOLKATA);
    await ep.close();
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

peerTest("ftp time: listing precision: MLSD seconds, LIST minutes or days (old files)", [
  "pyftpdlib",
], async () => {
  for (const mlsd of [true, false]) {
    await using peer = await startPyftpdlib({ mlsd });
    const recent = new Date(Math.floor(Date.now() / 1000) * 1000 - 2 * hour + 17_000);
    const old = new Date("2019-03-04T15:16:17Z");
    await Deno.writeTextFile(join(peer.root, "recent"), "r");
    await Deno.utime(join(peer.root, "recent"), recent, recent);
    await Deno.writeTextFile(join(peer.root, "old"), "o");
    await Deno.utime(join(peer.root, "old"), old, old);
    await using host = await connect(peer);
    const list = await host.list("/");
    const get = (name: string) => list.find((s) => s.name === name)!;
    if (mlsd) {
      assertCovers(get("recent"), recent, Precision.seconds);
      assertCovers(get("old"), old, Precision.seconds);
      assert.equal(get("old").mtime!.getTime(), old.getTime());
    } else {
      assertCovers(get("recent"), recent, Precision.minutes);
      assertCovers(get("old"), old, Precision.days);
      assert.equal(get("old").mtime!.toISOString(), "2019-03-04T00:00:00.000Z");
    }
    const ep = await FtpEndpoint.onHost(host, "/");
    assert.equal(ep.capabilities().precision, mlsd ? Precision.seconds : Precision.minutes);
  }
});

peerTest("ftp time: day-precision LIST times in a server zone still cover the truth", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata", mlsd: false });
  const old = new Date("2019-03-04T20:00:00Z"); // already 5 March in Kolkata
  await Deno.writeTextFile(join(peer.root, "old"), "o");
  await Deno.utime(join(peer.root, "old"), old, old);
  await using host = await connect(peer, { timeShift: KOLKATA });
  const stat = await host.stat("/old");
  assertCovers(stat, old, Precision.days);
  assert.equal(stat.mtime!.toISOString(), "2019-03-04T18:30:00.000Z");
});

peerTest("ftp time: vsftpd use_localtime (+05:30): synchronize, MDTM-write, *-if-newer", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd({ useLocaltime: true, tz: "Asia/Kolkata" });
  const local = await Deno.makeTempDir();
  try {
    await using host = await connect(peer);
    assert.equal(await host.usesMlsd(), false);
    assert.equal(await host.mtimeMethod(), "mdtm");
    assert.equal(await host.synchronizeTimes(), KOLKATA);
    assert.equal(await host.synchronizeTimes(), KOLKATA);
    // MDTM-write reads the time in the server's zone: the host adds the shift.
    const truth = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * hour);
    await writeFile(host, "/r.txt", "remote");
    await host.setMtime("/r.txt", truth);
    assert.equal((await Deno.stat(join(peer.root, "r.txt"))).mtime?.getTime(), truth.getTime());
    assertCovers(await host.stat("/r.txt"), truth, Precision.minutes);
    const newer = join(local, "newer");
    const older = join(local, "older");
    await Deno.writeTextFile(newer, "newer");
    await Deno.utime(newer, new Date(truth.getTime() + hour), new Date(truth.getTime() + hour));
    await Deno.writeTextFile(older, "older");
    await Deno.utime(older, new Date(truth.getTime() - hour), new Date(truth.getTime() - hour));
    assert.equal(await host.downloadIfNewer("/r.txt", newer), false);
    assert.equal(await host.downloadIfNewer("/r.txt", older), true);
    assert.equal(await host.uploadIfNewer(newer, "/r.txt"), true);
    assert.equal(await host.uploadIfNewer(newer, "/r.txt"), false);
  } finally {
    await Deno.remove(local, { recursive: true });
  }
});

async function writeFile(host: FtpHost, path: string, content: string): Promise<void> {
  const stream = await host.open(path, "w");
  const writer = stream.getWriter();
  await writer.write(new TextEncoder().encode(content));
  await writer.close();
}
