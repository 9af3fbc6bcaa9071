/**
 * `LIST -a` is given up (plain LIST from then on) only when the server
 * refuses the option, i.e. when plain LIST works where `LIST -a` was refused.
 * A refusal of both is the directory's (missing, unreadable): `-a` stays, or
 * every later listing of the session would leave dot files out on servers
 * whose plain LIST hides them (ProFTPD, Pure-FTPd), and a mirror with delete
 * would delete them on its target.
 *
 * The server: pyftpdlib with `unixListAll` (`LIST -a` read the way Unix
 * servers read it, its plain LIST hiding dot files as ProFTPD's and
 * Pure-FTPd's does); a missing directory gets 550 either way (pyftpdlib's answer). Real pyftpdlib (which
 * reads `-a` as a path and answers 550) still makes the client drop `-a`.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";

async function login(peer: { host: string; port: number; user: string; password: string }) {
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  await ftp.login(peer.user, peer.password);
  return ftp;
}

peerTest(
  "client: a LIST -a refused for a missing directory, where plain LIST fails too, keeps -a for later listings",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({ mlsd: false, unixListAll: true });
    await Deno.mkdir(`${peer.root}/d`);
    await Deno.writeTextFile(`${peer.root}/d/.hidden`, "h");
    await Deno.writeTextFile(`${peer.root}/d/shown`, "s");
    const ftp = await login(peer);
    try {
      // The server as set up: -a shows dot files, plain LIST does not.
      assert.deepEqual((await ftp.list("d", { hidden: false })).map((e) => e.name), ["shown"]);
      await assert.rejects(ftp.list("gone"), (e) => e instanceof FtpPermanentError);
      const names = (await ftp.list("d")).map((e) => e.name).sort();
      assert.deepEqual(names, [".hidden", "shown"], "LIST -a is still used");
    } finally {
      await ftp.quit();
    }
  },
);

peerTest(
  "client: a server that refuses LIST -a where LIST works gets plain LIST from then on",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({ mlsd: false });
    await Deno.mkdir(`${peer.root}/d`);
    await Deno.writeTextFile(`${peer.root}/d/.hidden`, "h");
    const ftp = await login(peer);
    try {
      // pyftpdlib reads "-a d" as a path: 550; plain LIST works (and shows dot files).
      assert.deepEqual((await ftp.list("d")).map((e) => e.name), [".hidden"]);
      // From then on without -a: a missing directory is the plain LIST's 550.
      await assert.rejects(ftp.list("gone"), (e) => e instanceof FtpPermanentError);
      assert.deepEqual((await ftp.listLines("d")).length, 1);
    } finally {
      await ftp.quit();
    }
  },
);
