/**
 * Ctrl-C and SIGTERM against the whole CLI while a transfer is under way on a
 * server that has gone silent mid-file (the worst case: no reply to ABOR or
 * QUIT ever comes). Every command must end soon with 130 (SIGINT) or 143
 * (SIGTERM), and no file may exist under its real name with wrong content.
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { collect } from "../../endpoint/streams.ts";
import { StallingEndpoint } from "../peers/stalling.ts";
import { spawnFerry } from "./helpers.ts";

const env = { FTP_PW: "pw-5ecret" };
const pw = ["--password-env", "FTP_PW"];
/** Generous: the process must be gone this long after the signal (measured: see docs/CLI.md). */
const BOUND_MS = 5000;

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 11 + seed + (i >> 9)) & 255;
  return bytes;
}

/** Resolves once `path` holds a byte (what the server sent before it stalled reaches the disk). */
async function grown(path: string): Promise<void> {
  const filled = async () => ((await Deno.stat(path).catch(() => undefined))?.size ?? 0) > 0;
  using watcher = Deno.watchFs(dirname(path)); // before the first look: no write is missed
  if (await filled()) return;
  for await (const _ of watcher) if (await filled()) return;
}

interface Case {
  name: string;
  signal: "SIGINT" | "SIGTERM";
  /** Which way the stalled file goes. */
  direction: "down" | "up";
  /** The command line after `ferry`, given the server URL and a work directory. */
  args: (url: string, dir: string) => string[];
  /** Where the file would land under its real name. */
  target: "local" | "server";
  /** `get`: whether its local `.big.bin.ferry.part` stays (`-c`, for a resume) or goes. */
  partial?: "kept" | "removed";
}

const cases: Case[] = [
  {
    name: "mirror down, Ctrl-C",
    signal: "SIGINT",
    direction: "down",
    args: (url, dir) => ["mirror", `${url}/pub`, join(dir, "got"), ...pw],
    target: "local",
  },
  {
    name: "mirror up, SIGTERM",
    signal: "SIGTERM",
    direction: "up",
    args: (url, dir) => ["mirror", join(dir, "up"), `${url}/back`, ...pw],
    target: "server",
  },
  {
    name: "sync, SIGTERM",
    signal: "SIGTERM",
    direction: "down",
    args: (
      url,
      dir,
    ) => ["sync", `${url}/pub`, join(dir, "got"), "--state-dir", join(dir, "state"), ...pw],
    target: "local",
  },
  {
    name: "run of a workflow, Ctrl-C",
    signal: "SIGINT",
    direction: "down",
    args: (_url, dir) => ["run", join(dir, "flow.yaml")],
    target: "local",
  },
  {
    name: "get, Ctrl-C",
    signal: "SIGINT",
    direction: "down",
    args: (url, dir) => ["get", `${url}/pub/big.bin`, join(dir, "got/big.bin"), ...pw],
    target: "local",
    partial: "removed",
  },
  {
    name: "get -c, Ctrl-C",
    signal: "SIGINT",
    direction: "down",
    args: (url, dir) => ["get", "-c", `${url}/pub/big.bin`, join(dir, "got/big.bin"), ...pw],
    target: "local",
    partial: "kept",
  },
  {
    name: "put, SIGTERM",
    signal: "SIGTERM",
    direction: "up",
    args: (url, dir) => ["put", join(dir, "up/big.bin"), `${url}/back/`, ...pw],
    target: "server",
  },
];

for (const c of cases) {
  Deno.test(`${c.name} on a server gone silent mid-file: ends soon, no half file under its name`, async () => {
    const mem = new MemoryEndpoint();
    await mem.mkdir("pub");
    await mem.mkdir("back");
    const down = pattern(4 << 20, 1);
    await ReadableStream.from([down]).pipeTo(await mem.write("pub/big.bin"));
    const rule = { name: "big.bin", after: 256 << 10 };
    const ep = new StallingEndpoint(mem, c.direction === "down" ? { read: rule } : { write: rule });
    const authorizer = new VirtualAuthorizer().addUser("bob", {
      password: env.FTP_PW,
      perm: "elradfmwMT",
    });
    const srv = await startFtpServer({ endpoint: ep, authorizer, port: 0, authFailedDelayMs: 0 });
    const dir = await Deno.makeTempDir({ prefix: "ferry-signals-" });
    try {
      const url = `ftp://bob@127.0.0.1:${srv.port}`;
      // Larger than the loopback buffers, so an upload is still sending when the server stalls.
      const up = pattern(32 << 20, 2);
      await Deno.mkdir(join(dir, "up"));
      await Deno.mkdir(join(dir, "got"));
      await Deno.writeFile(join(dir, "up/big.bin"), up);
      await Deno.writeTextFile(
        join(dir, "flow.yaml"),
        `version: 1\nendpoints:\n  origin: { url: "${url}/pub", auth: { method: password, user: bob, password: "\${env:FTP_PW}" } }\n` +
          `  here: { url: "${
            join(dir, "got")
          }" }\njobs:\n  pull: { mirror: { from: "origin:/", to: "here:/" } }\n`,
      );
      const child = spawnFerry(c.args(url, dir), { env, cwd: dir });
      const stderr = new Response(child.stderr).text();
      const stdout = new Response(child.stdout).text();
      await ep.stalled; // the transfer is under way and the server now says nothing
      if (c.partial === "kept") await grown(join(dir, "got/.big.bin.ferry.part"));
      const sent = performance.now();
      child.kill(c.signal);
      const status = await child.status;
      const ms = performance.now() - sent;
      const err = await stderr;
      await stdout;
      assert.equal(status.code, c.signal === "SIGINT" ? 130 : 143, err);
      assert.ok(ms < BOUND_MS, `ended ${Math.round(ms)} ms after ${c.signal}`);
      if (c.target === "local") {
        const got = await Deno.readFile(join(dir, "got/big.bin")).catch(() => undefined);
        assert.ok(got === undefined || got.length === down.length, "no half file locally");
        if (got) assert.deepEqual(got, down);
        const part = await Deno.readFile(join(dir, "got/.big.bin.ferry.part")).catch(() =>
          undefined
        );
        if (c.partial === "removed") assert.equal(part, undefined, "the partial is removed");
        if (c.partial === "kept") {
          assert.ok(
            part && part.length > 0 && part.length < down.length,
            `partial: ${part?.length}`,
          );
          assert.deepEqual(part, down.subarray(0, part.length));
        }
      } else {
        const names = (await mem.list("back")).map((s) => s.name);
        if (names.includes("big.bin")) {
          assert.deepEqual(await collect(await mem.read("back/big.bin")), up);
        }
      }
    } finally {
      ep.release();
      await srv.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
