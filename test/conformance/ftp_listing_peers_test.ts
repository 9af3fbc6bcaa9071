/**
 * Listings and times against the real servers a user found them wrong on:
 * ProFTPD refusing MLSD (`<Limit MLSD MLST> DenyAll`, MLST still in FEAT),
 * ProFTPD with `TimesGMT off` (LIST local, MLSD UTC), and Pure-FTPd (LIST
 * local, MLSD UTC) with `timeShift: auto` remembered across LIST and MLSD runs,
 * and the real UNICORE UFTPD, whose MLSD is local time.
 * Every server runs in Asia/Kolkata (+05:30); times are checked against the
 * files' real mtimes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import type { FtpPeer } from "../peers/types.ts";
import { ferry } from "../cli/helpers.ts";

const hour = 3600_000;
const TZ = "Asia/Kolkata";

/** A tree with known mtimes (recent, so LIST shows hours and minutes). */
async function seed(peer: FtpPeer): Promise<Map<string, Date>> {
  const base = Math.floor(Date.now() / 1000) * 1000 - 3 * hour;
  const files = new Map<string, Date>([
    ["a.txt", new Date(base + 17_000)],
    ["d1/b.txt", new Date(base - 600_000 + 41_000)],
    ["d1/d2/c.txt", new Date(base - 1_200_000 + 5_000)],
    ["d3/e.txt", new Date(base + 59_000)],
  ]);
  for (const [path, mtime] of files) {
    const full = join(peer.root, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, `content of ${path}\n`);
    await Deno.utime(full, mtime, mtime);
  }
  // The server's user writes the time shift probe in its root.
  await new Deno.Command("chown", { args: ["-R", "--reference", peer.root, peer.root] }).output();
  return files;
}

interface WalkLine {
  path: string;
  type: string;
  mtime?: string;
  precision: number;
}

function walkLines(stdout: string): WalkLine[] {
  return stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** Every file's listed mtime is its real one (MLSD: to the second; LIST: its minute). */
function assertTimes(lines: WalkLine[], files: Map<string, Date>, precision: number): void {
  const listed = lines.filter((l) => l.type === "file");
  assert.deepEqual(listed.map((l) => l.path).sort(), [...files.keys()].sort());
  for (const line of listed) {
    const truth = files.get(line.path)!.getTime();
    assert.equal(line.precision, precision, line.path);
    assert.equal(
      Date.parse(line.mtime!),
      Math.floor(truth / precision) * precision,
      `${line.path}: listed ${line.mtime}, real ${new Date(truth).toISOString()}`,
    );
  }
}

const refusals = (stderr: string) => stderr.match(/refused (MLSD|MLST)/g)?.length ?? 0;

function url(peer: FtpPeer, path = ""): string {
  return `ftp://${peer.user}@${peer.host}:${peer.port}/${path}`;
}

peerTest("proftpd refusing MLSD: ls, mirror down and up, walk work through LIST, said once each", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ denyMlsd: true, timesGmt: false, tz: TZ });
  const files = await seed(peer);
  const env = { PW: peer.password };
  const auth = ["--password-env", "PW"];
  const dir = await Deno.makeTempDir({ prefix: "ferry-mlsd-denied-" });
  try {
    const ls = await ferry(["ls", "-l", url(peer, "d1"), ...auth], { env, cwd: dir });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /b\.txt/);
    assert.match(ls.stdout, /^d .* d2$/m);
    assert.equal(refusals(ls.stderr), 1, ls.stderr);
    assert.match(ls.stderr, /550 Unable to handle command/);

    const missing = await ferry(["ls", url(peer, "nope"), ...auth], { env, cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or directory: \/nope/);

    const mirror = await ferry(
      ["mirror", url(peer), join(dir, "copy"), ...auth, "-P", "4", "--time-shift", "+05:30"],
      { env, cwd: dir },
    );
    assert.equal(mirror.code, 0, mirror.stderr);
    assert.equal(refusals(mirror.stderr), 1, mirror.stderr);
    for (const [path, mtime] of files) {
      assert.equal(
        await Deno.readTextFile(join(dir, "copy", path)),
        `content of ${path}\n`,
        path,
      );
      // LIST gives minutes (with the shift, the real ones); the MDTM asked with each
      // download (UTC in ProFTPD) the second, which fits the listed minute.
      const copied = (await Deno.stat(join(dir, "copy", path))).mtime!.getTime();
      assert.equal(copied, Math.floor(mtime.getTime() / 1000) * 1000, path);
    }

    // `auto`: the probe's MLST is refused too, so LIST's shift is measured and remembered.
    const walk = await ferry(["walk", url(peer), ...auth, "--time-shift", "auto"], {
      env,
      cwd: dir,
    });
    assert.equal(walk.code, 0, walk.stderr);
    assert.equal(refusals(walk.stderr), 1, walk.stderr);
    assertTimes(walkLines(walk.stdout), files, 60_000);
    const state = JSON.parse(await Deno.readTextFile(join(dir, ".ferry", "time-shift.json")));
    const key = `ftp://${peer.user}@${peer.host}:${peer.port}`;
    assert.deepEqual(Object.keys(state).sort(), [`${key} LIST`, `${key} MLSD`]);
    assert.equal(state[`${key} LIST`].shift, 19_800);
    assert.equal(state[`${key} MLSD`].refused, true);
    // The next run knows: no second probe, same times.
    const probes = () => (peer.log().match(/_ferry_sync_\w+/g) ?? []).length;
    const before = probes();
    assert.ok(before > 0, "the first walk wrote a probe");
    const again = await ferry(["walk", url(peer), ...auth, "--time-shift", "auto"], {
      env,
      cwd: dir,
    });
    assert.equal(again.code, 0, again.stderr);
    assertTimes(walkLines(again.stdout), files, 60_000);
    assert.equal(probes(), before, "no second probe");

    // And back up (the target's listings go through LIST too), with --delete on.
    await Deno.writeTextFile(join(peer.root, "d3", "stale.txt"), "stale");
    const up = await ferry(
      ["mirror", join(dir, "copy", "d1"), url(peer, "d3"), ...auth, "--delete", "-P", "4"],
      { env, cwd: dir },
    );
    assert.equal(up.code, 0, up.stderr);
    assert.equal(refusals(up.stderr), 1, up.stderr);
    assert.equal(
      await Deno.readTextFile(join(peer.root, "d3/d2/c.txt")),
      "content of d1/d2/c.txt\n",
    );
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(join(peer.root, "d3")))).map((e) => e.name).sort(),
      ["b.txt", "d2"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("proftpd TimesGMT off: --time-shift corrects LIST and leaves UTC MLSD alone", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ timesGmt: false, tz: TZ });
  const files = await seed(peer);
  const env = { PW: peer.password };
  const auth = ["--password-env", "PW", "--time-shift", "+05:30"];

  const mlsd = await ferry(["walk", url(peer), ...auth], { env });
  assert.equal(mlsd.code, 0, mlsd.stderr);
  assertTimes(walkLines(mlsd.stdout), files, 1000);

  const list = await ferry(["walk", url(peer), ...auth, "--no-mlsd"], { env });
  assert.equal(list.code, 0, list.stderr);
  assertTimes(walkLines(list.stdout), files, 60_000);

  const truth = files.get("a.txt")!;
  for (const extra of [[], ["--no-mlsd"]]) {
    const ls = await ferry(["ls", "-l", url(peer), ...auth, ...extra], { env });
    assert.equal(ls.code, 0, ls.stderr);
    const line = ls.stdout.split("\n").find((l) => l.endsWith("  a.txt"))!;
    const shown = Date.parse(line.split(/\s{2,}/)[2].replace(" ", "T"));
    const precision = extra.length ? 60_000 : 1000;
    assert.equal(shown, Math.floor(truth.getTime() / precision) * precision, `ls ${extra}`);
  }
});

peerTest("pure-ftpd: a workflow with timeShift auto, run in LIST mode and then MLSD, state kept", [
  "pureftpd",
], async () => {
  await using peer = await startPureFtpd({ tz: TZ });
  const files = await seed(peer);
  const dir = await Deno.makeTempDir({ prefix: "ferry-auto-shift-" });
  try {
    const workflow = (useMlsd: boolean) =>
      [
        "version: 1",
        "name: tz",
        "endpoints:",
        "  srv:",
        `    url: ${url(peer)}`,
        "    auth: { method: password, passwordEnv: PW }",
        "    timeShift: auto",
        `    options: { useMlsd: ${useMlsd} }`,
        "jobs:",
        `  list: { walk: { at: "srv:/", output: ${useMlsd ? "mlsd" : "list"}.ndjson } }`,
        "",
      ].join("\n");
    const run = async (useMlsd: boolean) => {
      const file = join(dir, `${useMlsd}.yaml`);
      await Deno.writeTextFile(file, workflow(useMlsd));
      const r = await ferry(["run", file], { env: { PW: peer.password }, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      return walkLines(await Deno.readTextFile(join(dir, `${useMlsd ? "mlsd" : "list"}.ndjson`)));
    };
    assertTimes(await run(false), files, 60_000);
    // Same state dir: the LIST shift must not be applied to MLSD's UTC times.
    assertTimes(await run(true), files, 1000);
    const state = JSON.parse(await Deno.readTextFile(join(dir, ".ferry", "time-shift.json")));
    const key = `ftp://${peer.user}@${peer.host}:${peer.port}`;
    assert.equal(state[`${key} LIST`].shift, 19_800);
    assert.equal(state[`${key} MLSD`].shift, 0);
    // A third run reuses both without a probe.
    assertTimes(await run(true), files, 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("real uftpd in +05:30: its local-time MLSD is read right, MFMT too", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ tz: TZ });
  const truth = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * hour + 17_000);
  await Deno.writeTextFile(`${site.root}/data/t.txt`, "t");
  await Deno.utime(`${site.root}/data/t.txt`, truth, truth);
  // The session runs as the Unix account, which must own the file to set its time.
  const data = await Deno.stat(`${site.root}/data`);
  await Deno.chown(`${site.root}/data/t.txt`, data.uid, data.gid);
  const remote = await UftpEndpoint.open(site.dataUrl, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
    timeout: 10,
  });
  try {
    // FileInfo.py writes MLSD `modify` with localtime(): the shift applies to MLSD here.
    assert.equal(remote.inner.host.mlsdLocalTime(), true);
    assert.equal(remote.inner.host.timeShift(), 19_800);
    assert.equal((await remote.stat("t.txt")).mtime?.getTime(), truth.getTime());
    const set = new Date("2024-05-06T07:08:09Z");
    await remote.setMtime("t.txt", set);
    assert.equal((await Deno.stat(`${site.root}/data/t.txt`)).mtime?.getTime(), set.getTime());
  } finally {
    await remote.close();
  }
});
