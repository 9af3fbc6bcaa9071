/**
 * Servers that turn sessions away, with the whole CLI as a child process: a
 * server answering 421 to the first logins (a job retry must connect again),
 * and servers limited to fewer connections than the job asks for (the pool
 * goes on with the ones that work, said once, no file failing).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import type { FtpServerOptions } from "../../server.ts";
import { collect } from "../../endpoint/streams.ts";
import { startBusyGate } from "../peers/gate.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

const env = { FTP_PW: "pw-5ecret" };

/** Distinct bytes per file, so a file mixed up with another shows. */
function content(i: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let k = 0; k < size; k++) bytes[k] = (i * 31 + k * 7) & 255;
  return bytes;
}

/**
 * Files for a pool that must find the server's limit: each larger than the
 * 1 MiB a download may be queued behind another on one session (ftp/
 * transfer_start.ts QUEUE_BEHIND_BYTES). Smaller ones queued on the sessions
 * the pool had, so under some schedules it never asked for a third one and
 * the limit was not met (no "going on with 2 connections" warning).
 */
const OVER_QUEUE_BYTES = (1 << 20) + (64 << 10);

/** `count` files of `size` bytes under `dir`: name -> bytes. */
function tree(count: number, size: number): Map<string, Uint8Array> {
  return new Map(Array.from({ length: count }, (_, i) => [`f${i}.bin`, content(i, size)]));
}

/** ferry's own server over a memory tree with `files` in pub/; counts logins. */
async function ferryServer(
  files: Map<string, Uint8Array>,
  extra: Partial<FtpServerOptions> = {},
) {
  const ep = new MemoryEndpoint();
  await ep.mkdir("pub");
  for (const [name, bytes] of files) {
    await ReadableStream.from([bytes]).pipeTo(await ep.write(`pub/${name}`));
  }
  let logins = 0;
  const authorizer = new VirtualAuthorizer().addUser("bob", {
    password: env.FTP_PW,
    perm: "elradfmwMT",
  });
  const srv = await startFtpServer({
    endpoint: ep,
    authorizer,
    port: 0,
    authFailedDelayMs: 0,
    hooks: { onLogin: () => void logins++ },
    ...extra,
  });
  return { srv, ep, logins: () => logins };
}

async function assertLocalTree(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assert.deepEqual(names.sort(), [...files.keys()].sort());
  for (const [name, bytes] of files) {
    assert.deepEqual(await Deno.readFile(join(dir, name)), bytes, name);
  }
}

async function assertMemoryTree(
  ep: MemoryEndpoint,
  dir: string,
  files: Map<string, Uint8Array>,
): Promise<void> {
  const names = (await ep.list(dir)).map((s) => s.name);
  assert.deepEqual(names.sort(), [...files.keys()].sort());
  for (const [name, bytes] of files) {
    assert.deepEqual(await collect(await ep.read(`${dir}/${name}`)), bytes, name);
  }
}

async function writeLocalTree(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await Deno.writeFile(join(dir, name), bytes);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-limits-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The lines of a run's stderr that say a file was tried again. */
const fileRetries = (stderr: string) => stderr.split("\n").filter((l) => /retrying /.test(l));
/** The pool's "going on with N connection(s)" warnings. */
const limitWarnings = (stderr: string) =>
  stderr.split("\n").filter((l) => /going on with \d+ connection/.test(l));

Deno.test("mirror --retries connects again after a server answered 421 to the first logins", async () => {
  const files = tree(3, 1000);
  const { srv, logins } = await ferryServer(files);
  await using gate = await startBusyGate({ upstreamPort: srv.port, refuseFirst: 3 });
  try {
    await withDir(async (dir) => {
      const r = await ferry([
        "mirror",
        `ftp://bob@127.0.0.1:${gate.port}/pub`,
        join(dir, "m"),
        "--password-env",
        "FTP_PW",
        "--retries",
        "3",
        "--retry-delay",
        "10ms",
        "--json",
      ], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(gate.refused(), 3, "every attempt knocked again");
      assert.ok(gate.passed() >= 1 && logins() >= 1);
      assert.equal(JSON.parse(r.stdout).jobs[0].attempts, 4);
      await assertLocalTree(join(dir, "m"), files);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("a server taking 2 sessions per address: mirror with 4 connections goes on with 2, down and up", async () => {
  const files = tree(12, OVER_QUEUE_BYTES);
  const { srv, ep } = await ferryServer(files, { maxConnectionsPerIp: 2 });
  try {
    await withDir(async (dir) => {
      const url = `ftp://bob@127.0.0.1:${srv.port}`;
      const flags = ["--password-env", "FTP_PW", "--connections", "4", "-P", "4", "--json"];
      const down = await ferry(["mirror", `${url}/pub`, join(dir, "down"), ...flags], { env });
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(fileRetries(down.stderr), [], "no file failed for want of a session");
      assert.equal(limitWarnings(down.stderr).length, 1, down.stderr);
      assert.match(limitWarnings(down.stderr)[0], /going on with 2 connection/);
      await assertLocalTree(join(dir, "down"), files);

      await writeLocalTree(join(dir, "up"), files);
      await ep.mkdir("back");
      const up = await ferry(["mirror", join(dir, "up"), `${url}/back`, ...flags], { env });
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual(fileRetries(up.stderr), []);
      assert.equal(limitWarnings(up.stderr).length, 1, up.stderr);
      await assertMemoryTree(ep, "back", files);
    });
  } finally {
    await srv.close();
  }
});

/**
 * Mirrors 12 files down from and up to a real server that takes 2 sessions, asking for 4;
 * `sessions` is what the pool may find it can keep.
 */
async function mirrorThroughLimit(peer: FtpPeer, sessions: RegExp): Promise<void> {
  const files = tree(12, OVER_QUEUE_BYTES);
  await writeLocalTree(join(peer.root, "pub"), files);
  await Deno.mkdir(join(peer.root, "back"));
  for (const p of ["pub", "back", ...[...files.keys()].map((n) => `pub/${n}`)]) {
    await chownForVsftpd(join(peer.root, p));
  }
  await withDir(async (dir) => {
    const url = `ftp://${peer.user}@127.0.0.1:${peer.port}`;
    const penv = { FTP_PW: peer.password };
    const flags = ["--password-env", "FTP_PW", "--connections", "4", "-P", "4", "--json"];
    const down = await ferry(["mirror", `${url}/pub`, join(dir, "down"), ...flags], {
      env: penv,
    });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(fileRetries(down.stderr), [], "no file failed for want of a session");
    assert.equal(limitWarnings(down.stderr).length, 1, down.stderr);
    assert.match(limitWarnings(down.stderr)[0], sessions);
    await assertLocalTree(join(dir, "down"), files);
    const up = await ferry(["mirror", join(dir, "down"), `${url}/back`, ...flags], { env: penv });
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(fileRetries(up.stderr), []);
    await assertLocalTree(join(peer.root, "back"), files);
  });
}

peerTest("vsftpd with max_per_ip=2: mirror with 4 connections completes down and up", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd({
    lockUploadFiles: false,
    extraConfig: { max_per_ip: "2" },
  });
  // vsftpd's master counts connections as it accepts them: the first two get in.
  await mirrorThroughLimit(peer, /going on with 2 connection/);
});

peerTest(
  "ProFTPD with MaxClientsPerHost 2 (530 at login): mirror with 4 connections completes down and up",
  [
    "proftpd",
  ],
  async () => {
    await using peer = await startProftpd({ maxClients: 2 });
    // ProFTPD counts every session in its scoreboard at PASS, those still logging in
    // too: of four logging in at once, one or two get in depending on timing.
    await mirrorThroughLimit(peer, /going on with [12] connection/);
  },
);
