/**
 * A server that stops sending or reading in the middle of a file, with its
 * connections open: the whole CLI's mirror must end that transfer at its
 * data timeout (`--net-timeout`) and finish the file by resuming it, over
 * plain FTP and over FTPS data connections.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import type { FtpServerOptions } from "../../server.ts";
import { collect } from "../../endpoint/streams.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { StallingEndpoint, type StallRule } from "../peers/stalling.ts";
import { ferry } from "./helpers.ts";

const env = { FTP_PW: "pw-5ecret" };
const SIZE = 4 << 20;
const STALL_AT = 256 << 10;

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + seed + (i >> 12)) & 255;
  return bytes;
}

/** ferry's server over a memory tree (pub/big.bin) whose reads or writes stall once. */
async function stallingServer(
  rules: { read?: StallRule; write?: StallRule },
  extra: Partial<FtpServerOptions> = {},
) {
  const mem = new MemoryEndpoint();
  await mem.mkdir("pub");
  await mem.mkdir("back");
  const big = pattern(SIZE, 1);
  await ReadableStream.from([big]).pipeTo(await mem.write("pub/big.bin"));
  const ep = new StallingEndpoint(mem, rules);
  const authorizer = new VirtualAuthorizer().addUser("bob", {
    password: env.FTP_PW,
    perm: "elradfmwMT",
  });
  const srv = await startFtpServer({
    endpoint: ep,
    authorizer,
    port: 0,
    authFailedDelayMs: 0,
    ...extra,
  });
  const stop = async () => {
    ep.release();
    await srv.close();
  };
  return { srv, mem, ep, big, stop };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-stuck-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const flags = ["--password-env", "FTP_PW", "--net-timeout", "1s", "--retry-delay", "10ms"];

Deno.test("mirror down: a server that stops sending mid-file is cut at the data timeout and resumed", async () => {
  const s = await stallingServer({ read: { name: "big.bin", after: STALL_AT } });
  try {
    await withDir(async (dir) => {
      const r = await ferry([
        "mirror",
        `ftp://bob@127.0.0.1:${s.srv.port}/pub`,
        join(dir, "m"),
        ...flags,
      ], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /data connection of RETR \/pub\/big\.bin idle for 1000 ms/);
      assert.deepEqual(await Deno.readFile(join(dir, "m/big.bin")), s.big);
      const reads = s.ep.opened.filter((o) => o.op === "read").map((o) => o.offset);
      // A third read from 0 is the server's HASH: a resumed file is checked by hash.
      assert.ok(reads.length === 2 || reads.length === 3, JSON.stringify(reads));
      assert.equal(reads[0], 0);
      assert.ok(reads[1] > 0, "the second read resumed");
    });
  } finally {
    await s.stop();
  }
});

Deno.test("mirror up: a server that stops reading mid-file is cut at the data timeout and resumed", async () => {
  const s = await stallingServer({ write: { name: "big.bin", after: STALL_AT } });
  try {
    await withDir(async (dir) => {
      // Larger than the loopback buffers, so the client's writes block.
      const up = pattern(32 << 20, 2);
      await Deno.mkdir(join(dir, "up"));
      await Deno.writeFile(join(dir, "up/big.bin"), up);
      const r = await ferry([
        "mirror",
        join(dir, "up"),
        `ftp://bob@127.0.0.1:${s.srv.port}/back`,
        ...flags,
      ], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /data connection of STOR \S*big\.bin\S* idle for 1000 ms/);
      assert.deepEqual(await collect(await s.mem.read("back/big.bin")), up);
      assert.equal(s.ep.opened.filter((o) => o.op === "write").length, 2);
    });
  } finally {
    await s.stop();
  }
});

Deno.test("mirror down over FTPS: a stalled TLS data connection ends at the data timeout too", async () => {
  const certs = await testCertificates();
  const s = await stallingServer(
    { read: { name: "big.bin", after: STALL_AT } },
    { tls: { cert: certs.good.cert, key: certs.good.key } },
  );
  try {
    await withDir(async (dir) => {
      const r = await ferry([
        "mirror",
        `ftpes://bob@127.0.0.1:${s.srv.port}/pub`,
        join(dir, "m"),
        "--ca",
        certs.caFile,
        ...flags,
      ], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /data connection of RETR \/pub\/big\.bin idle for 1000 ms/);
      assert.deepEqual(await Deno.readFile(join(dir, "m/big.bin")), s.big);
    });
  } finally {
    await s.stop();
  }
});
