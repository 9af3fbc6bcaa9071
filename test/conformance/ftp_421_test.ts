/**
 * A command the server answers 421 as its first reply ("closing control
 * connection": RFC 959's service not available, so not carried out) runs once
 * more on a new session, as lftp and rclone do. pyftpdlib answers a command
 * that reaches it as its idle timeout strikes "421 Control connection timed
 * out." and closes: a hook here answers the armed command exactly so, with no
 * wait for a timer. A 421 after a 150 (a transfer under way) is not taken as
 * "never ran".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpHost } from "../../endpoint/ftp/host.ts";
import { FtpTemporaryError } from "../../ftp/errors.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import type { FtpPeer } from "../peers/types.ts";

const text = (s: string) => new TextEncoder().encode(s);

/**
 * pyftpdlib whose next command named in the arm file (comma-separated names,
 * "STOR150" for a STOR answered 150 then 421) is answered as its timeout
 * answers, then the session closed; every connection and command is logged.
 */
async function start(): Promise<
  { peer: FtpPeer; arm(cmds: string): Promise<void>; seen(): Promise<string[]> } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-421-" });
  const armFile = join(dir, "arm");
  const logFile = join(dir, "log");
  const py = String.raw`
import os
_ARM, _LOG = ${JSON.stringify(armFile)}, ${JSON.stringify(logFile)}
def _note(s):
    with open(_LOG, "a") as f:
        f.write(s + "\n")
_pre421 = Handler.pre_process_command
def _pre(self, line, cmd, arg):
    _note(cmd)
    armed = open(_ARM).read().split(",") if os.path.exists(_ARM) else []
    if cmd in armed or cmd + "150" in armed:
        os.remove(_ARM)
        if cmd + "150" in armed:
            self.respond("150 File status okay. About to open data connection.")
        self.respond("421 Control connection timed out.")
        self.close_when_done()
        return
    return _pre421(self, line, cmd, arg)
Handler.pre_process_command = _pre
_conn421 = Handler.on_connect
def _connect(self):
    _note("CONNECT")
    return _conn421(self)
Handler.on_connect = _connect
`;
  const peer = await startPyftpdlib({ extraPython: py });
  return {
    peer,
    arm: (cmds) => Deno.writeTextFile(armFile, cmds),
    seen: async () => (await Deno.readTextFile(logFile).catch(() => "")).split("\n"),
    async [Symbol.asyncDispose]() {
      await peer[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

function connect(peer: FtpPeer) {
  return FtpHost.connect({
    host: peer.host,
    port: peer.port,
    user: peer.user,
    password: peer.password,
    timeoutMs: 10_000,
    statCache: { disabled: true },
  });
}

/** Runs `act` with `cmds` armed; returns what the server saw meanwhile (commands, CONNECTs). */
async function armed(
  s: Awaited<ReturnType<typeof start>>,
  cmds: string,
  act: () => Promise<unknown>,
): Promise<string[]> {
  const before = (await s.seen()).length;
  await s.arm(cmds);
  const failed = await act().then(() => undefined, (e) => e);
  const after = await s.seen();
  if (failed) throw new Error(`${failed}; the server saw: ${after.slice(before - 1).join(" ")}`);
  return after.slice(before - 1).filter((l) => l !== "");
}

const count = (lines: string[], what: string) => lines.filter((l) => l === what).length;

peerTest("ftp 421: MKD, DELE, rename, SIZE answered 421 first run once more on a new session", [
  "pyftpdlib",
], async () => {
  await using s = await start();
  await using host = await connect(s.peer);
  assert.deepEqual(await host.listdir("/"), []);

  let seen = await armed(s, "MKD", () => host.mkdir("/d"));
  assert.equal(count(seen, "MKD"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));
  assert.ok((await Deno.stat(join(s.peer.root, "d"))).isDirectory);

  await Deno.writeTextFile(join(s.peer.root, "d", "a.txt"), "hello");
  seen = await armed(s, "SIZE", () => host.freshLstat("/d/a.txt"));
  assert.equal(count(seen, "SIZE"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));
  assert.equal((await host.freshLstat("/d/a.txt")).size, 5);

  seen = await armed(s, "RNFR", () => host.rename("/d/a.txt", "/d/b.txt"));
  assert.equal(count(seen, "RNFR"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));
  assert.equal(await Deno.readTextFile(join(s.peer.root, "d", "b.txt")), "hello");

  seen = await armed(s, "RNTO", () => host.rename("/d/b.txt", "/d/c.txt"));
  assert.equal(count(seen, "RNTO"), 2, seen.join(" "));
  assert.equal(await Deno.readTextFile(join(s.peer.root, "d", "c.txt")), "hello");

  seen = await armed(s, "DELE", () => host.remove("/d/c.txt"));
  assert.equal(count(seen, "DELE"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));
  await assert.rejects(Deno.stat(join(s.peer.root, "d", "c.txt")), Deno.errors.NotFound);
});

peerTest("ftp 421: a listing, a RETR and a STOR answered 421 first run once more", [
  "pyftpdlib",
], async () => {
  await using s = await start();
  await using host = await connect(s.peer);
  await Deno.writeTextFile(join(s.peer.root, "a.txt"), "hello");
  assert.deepEqual(await host.listdir("/"), ["a.txt"]);
  // A child session open and idle already: a retry makes exactly one more.
  await collect(await host.open("/a.txt", "rb") as ReadableStream<Uint8Array>);

  let listed: string[] = [];
  let seen = await armed(s, "MLSD,LIST,STAT,NLST", async () => listed = await host.listdir("/"));
  assert.deepEqual(listed, ["a.txt"]);
  const listings = seen.filter((l) => ["MLSD", "LIST", "STAT", "NLST"].includes(l));
  assert.equal(listings.length, 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));

  let got = "";
  seen = await armed(s, "RETR", async () => {
    got = new TextDecoder().decode(
      await collect(await host.open("/a.txt", "rb") as ReadableStream<Uint8Array>),
    );
  });
  assert.equal(got, "hello");
  assert.equal(count(seen, "RETR"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));

  seen = await armed(s, "STOR", async () => {
    await writeAll(await host.open("/b.txt", "wb") as WritableStream<Uint8Array>, text("world"));
  });
  assert.equal(await Deno.readTextFile(join(s.peer.root, "b.txt")), "world");
  assert.equal(count(seen, "STOR"), 2, seen.join(" "));
  assert.equal(count(seen, "CONNECT"), 1, seen.join(" "));
});

peerTest("ftp 421: a STOR answered 150 then 421 is not sent again from 0", [
  "pyftpdlib",
], async () => {
  await using s = await start();
  await using host = await connect(s.peer);
  assert.deepEqual(await host.listdir("/"), []);
  let failure: unknown;
  const seen = await armed(s, "STOR150", async () => {
    try {
      await writeAll(await host.open("/b.txt", "wb") as WritableStream<Uint8Array>, text("world"));
    } catch (error) {
      failure = error;
    }
  });
  assert.equal(count(seen, "STOR"), 1, seen.join(" "));
  assert.ok(failure instanceof FtpTemporaryError, String(failure));
  assert.equal(failure.ftpCode, 421);
  assert.equal(failure.notRun, false);
});
