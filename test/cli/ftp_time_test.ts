/**
 * `ls -l`, `get` and `put` honour `--time-shift` (LIST times only; MLSD is
 * UTC) and `--no-mlsd`, against pyftpdlib in +05:30.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import type { FtpPeer } from "../peers/types.ts";
import { ferry } from "./helpers.ts";

const hour = 3600_000;

/** The `ls -l` time of `name` as a Date (the column is UTC). */
function lsTime(stdout: string, name: string): Date {
  const line = stdout.split("\n").find((l) => l.endsWith(`  ${name}`));
  assert.ok(line, stdout);
  return new Date(line.split(/\s{2,}/)[2].replace(" ", "T"));
}

async function seed(peer: FtpPeer, truth: Date): Promise<void> {
  await Deno.writeTextFile(join(peer.root, "f.txt"), "remote");
  await Deno.utime(join(peer.root, "f.txt"), truth, truth);
}

const minute = (d: Date) => Math.floor(d.getTime() / 60_000) * 60_000;

peerTest("cli: ls -l and get apply --time-shift to LIST times", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata", mlsd: false });
  const truth = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * hour);
  await seed(peer, truth);
  const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
  const env = { PW: peer.password };
  const auth = ["--password-env", "PW"];

  const naive = await ferry(["ls", "-l", url, ...auth], { env });
  assert.equal(naive.code, 0, naive.stderr);
  assert.equal(lsTime(naive.stdout, "f.txt").getTime(), minute(truth) + 5.5 * hour);

  const shifted = await ferry(["ls", "-l", url, ...auth, "--time-shift", "+05:30"], { env });
  assert.equal(shifted.code, 0, shifted.stderr);
  assert.equal(lsTime(shifted.stdout, "f.txt").getTime(), minute(truth));

  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "f.txt");
    const get = await ferry(["get", `${url}f.txt`, target, ...auth, "--time-shift", "+05:30"], {
      env,
    });
    assert.equal(get.code, 0, get.stderr);
    assert.equal((await Deno.stat(target)).mtime?.getTime(), minute(truth));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest(
  "cli: over MLSD (UTC) --time-shift leaves times alone; --no-mlsd lists with LIST; put keeps the mtime",
  [
    "pyftpdlib",
  ],
  async () => {
    await using peer = await startPyftpdlib({ tz: "Asia/Kolkata" });
    const truth = new Date(Math.floor(Date.now() / 1000) * 1000 - 3 * hour);
    await seed(peer, truth);
    const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
    const env = { PW: peer.password };
    const auth = ["--password-env", "PW"];

    const mlsd = await ferry(["ls", "-l", url, ...auth, "--time-shift", "+05:30", "--debug"], {
      env,
    });
    assert.equal(mlsd.code, 0, mlsd.stderr);
    assert.equal(lsTime(mlsd.stdout, "f.txt").getTime(), truth.getTime());
    assert.match(mlsd.stderr, /MLSD/);

    const list = await ferry(["ls", "-l", url, ...auth, "--no-mlsd", "--debug"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(lsTime(list.stdout, "f.txt").getTime(), minute(truth));
    assert.doesNotMatch(list.stderr, /MLSD/);

    const dir = await Deno.makeTempDir();
    try {
      const source = join(dir, "up.txt");
      await Deno.writeTextFile(source, "up");
      const then = new Date("2024-05-06T07:08:09Z");
      await Deno.utime(source, then, then);
      const put = await ferry(["put", source, url, ...auth], { env });
      assert.equal(put.code, 0, put.stderr);
      assert.equal((await Deno.stat(join(peer.root, "up.txt"))).mtime?.getTime(), then.getTime());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("cli: a bad --time-shift on ls/get/put is a usage error before any connection", async () => {
  for (const args of [["ls"], ["get"], ["put", "./x"]]) {
    const r = await ferry([...args, "ftp://127.0.0.1:9/x", "--anonymous", "--time-shift", "+5h"]);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    // commander names the option: "option '--time-shift <shift>' argument '+5h' is invalid. ..."
    assert.match(r.stderr, /--time-shift.*invalid time shift "\+5h"/);
  }
});
