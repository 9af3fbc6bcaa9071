/**
 * `ferry sync` as a whole process, local <-> local and local <-> a real FTP
 * server (vsftpd): no version is lost to a conflict, a file against a
 * directory settles in one run and the next run is clean, held-back
 * deletions exit 1 and name the option that lets them through.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { LocalEndpoint } from "../../endpoint/local.ts";
import type { Endpoint } from "../../endpoint/types.ts";
import { contents, put } from "../sync/helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { ferry } from "./helpers.ts";

interface Side {
  /** URL or path given to the CLI. */
  url: string;
  /** A fresh endpoint on it (a new connection each time: no stale cache). */
  open(): Promise<Endpoint>;
}

const env = { FTP_PW: "" };

async function onSide<T>(side: Side, fn: (ep: Endpoint) => Promise<T>): Promise<T> {
  const ep = await side.open();
  try {
    return await fn(ep);
  } finally {
    await ep.close();
  }
}

/** The whole story of issue 16's sync items on two sides, run through the CLI. */
async function story(dir: string, a: Side, b: Side, extra: string[] = []): Promise<void> {
  const sync = async (...more: string[]) => {
    const r = await ferry(
      ["sync", a.url, b.url, "--state-dir", join(dir, "state"), "--json", ...extra, ...more],
      { env, cwd: dir },
    );
    return { ...r, report: r.stdout ? JSON.parse(r.stdout) : undefined };
  };
  const old = new Date("2026-01-01T00:00:00Z");
  await onSide(a, async (ep) => {
    await put(ep, "notes.txt", "base", old);
    for (let i = 0; i < 6; i++) await put(ep, `d/f${i}.txt`, `file ${i}`, old);
  });
  const first = await sync();
  assert.equal(first.code, 0, first.stderr);

  // Both sides edit notes.txt: a's edit is the older one.
  await onSide(a, (ep) => put(ep, "notes.txt", "edit on a", new Date("2026-02-01T00:00:00Z")));
  await onSide(
    b,
    (ep) => put(ep, "notes.txt", "edit on b, newer", new Date("2026-03-01T00:00:00Z")),
  );
  const conflict = await sync();
  assert.equal(conflict.code, 0, conflict.stderr);
  const [c] = conflict.report.jobs[0].details.conflicts;
  assert.equal(c.path, "notes.txt");
  assert.deepEqual([c.a.size, c.b.size], [9, 16]);
  assert.equal(c.a.mtime, "2026-02-01T00:00:00.000Z");
  assert.match(c.keptAs, /^notes\.sync-conflict-\d{8}-\d{6}-a\.txt$/);
  assert.match(
    conflict.stderr,
    /conflict notes\.txt: a 9 bytes 2026-02-01T00:00:00\.000Z, b 16 bytes/,
  );
  for (const side of [a, b]) {
    const files = await onSide(side, (ep) => contents(ep));
    assert.equal(files["notes.txt"], "edit on b, newer");
    assert.equal(files[c.keptAs], "edit on a");
  }

  // A file on a against a directory on b: the directory keeps the name.
  await onSide(a, (ep) => put(ep, "x", "a file", old));
  await onSide(b, (ep) => put(ep, "x/inner.txt", "in a dir", old));
  const clash = await sync();
  assert.equal(clash.code, 0, clash.stderr);
  for (const side of [a, b]) {
    const files = await onSide(side, (ep) => contents(ep));
    assert.equal(files["x/inner.txt"], "in a dir");
    const kept = Object.keys(files).find((p) => /^x\.sync-conflict-\d{8}-\d{6}-a$/.test(p));
    assert.ok(kept, JSON.stringify(files));
    assert.equal(files[kept], "a file");
  }
  const clean = await sync();
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.report.jobs[0].counts.filesTransferred, 0);

  // a deletes 6 files: 6 of b's 10 is more than half of b: held back, exit 1.
  await onSide(a, async (ep) => {
    for (let i = 0; i < 6; i++) await ep.remove(`d/f${i}.txt`);
  });
  const held = await sync();
  assert.equal(held.code, 1, held.stderr);
  assert.match(
    held.stderr + held.stdout,
    /6 of 10 files on b \(60 %\) exceed maxDelete 50% per side/,
  );
  assert.match(held.stderr + held.stdout, /--force/);
  assert.equal(Object.keys(await onSide(b, (ep) => contents(ep, "d"))).length, 6);
  const forced = await sync("--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(await onSide(b, (ep) => contents(ep, "d")), {});
}

function local(path: string): Side {
  return { url: path, open: () => Promise.resolve(new LocalEndpoint(path, { create: true })) };
}

Deno.test("ferry sync local <-> local: keep-both, type clash, per-side deletion guard", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-sync-" });
  try {
    await story(dir, local(join(dir, "A")), local(join(dir, "B")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("ferry sync local <-> vsftpd: keep-both, type clash, per-side deletion guard", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd({ lockUploadFiles: false });
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-sync-" });
  env.FTP_PW = peer.password;
  const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
  const ftp: Side = {
    url,
    open: () =>
      FtpEndpoint.open(url, { credentials: { user: peer.user, password: peer.password } }),
  };
  try {
    await story(dir, local(join(dir, "A")), ftp, ["--password-env", "FTP_PW"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry sync: the summary lists each conflict with both versions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-sync-" });
  try {
    for (const [side, text] of [["A", "one"], ["B", "three"]]) {
      await Deno.mkdir(join(dir, side));
      await Deno.writeTextFile(join(dir, side, "n.txt"), text);
    }
    await Deno.utime(join(dir, "A/n.txt"), 0, new Date("2026-01-01T00:00:00Z"));
    const r = await ferry(["sync", "A", "B", "--state-dir", "st"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /sync: 1 conflict\(s\)\n +n\.txt: a 3 bytes 2026-01-01T00:00:00\.000Z, b 5 bytes .*; kept both: a's version is n\.sync-conflict-\d{8}-\d{6}-a\.txt/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
