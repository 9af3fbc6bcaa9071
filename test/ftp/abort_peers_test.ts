/**
 * A transfer cancelled while it runs, against real servers: the client sends
 * ABOR, reads its replies and resynchronises with a NOOP, and the session
 * serves the next command at once. To make the moment that matters certain,
 * the server's processes are stopped (SIGSTOP) while the client cancels, so
 * they wake with the transfer still running and everything the client sent
 * in their sockets; the control connection goes through a proxy that
 * delivers an ABOR together with whatever the client writes right behind it
 * (as a network does with two lines written back to back). Pure-FTPd reads
 * an ABOR in its transfer loop and drops whatever came in the same read, so a
 * NOOP sent along with the ABOR was never answered (the abort waited its whole
 * timeout and lost the session). The 3 s timeout makes that a failure here,
 * not a slow pass.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import type { FtpPeer } from "../peers/types.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { type Peer, peerTest } from "../peers/skip.ts";

const CHUNK = 64 << 10;

/**
 * `freeze`: stop the server while the client cancels (see the module doc).
 * Not vsftpd, which reads no command during a transfer (and whose session
 * did not answer after SIGCONT), nor pyftpdlib, which answers each line it
 * reads whatever the transfer does (and hung stopped): both cancel as they come.
 */
const peers: { name: string; needs: Peer; freeze: boolean; start: () => Promise<FtpPeer> }[] = [
  { name: "Pure-FTPd", needs: "pureftpd", freeze: true, start: () => startPureFtpd() },
  { name: "ProFTPD", needs: "proftpd", freeze: true, start: () => startProftpd() },
  { name: "vsftpd", needs: "vsftpd", freeze: false, start: () => startVsftpd() },
  { name: "pyftpdlib", needs: "pyftpdlib", freeze: false, start: () => startPyftpdlib() },
];

/** The processes this test process started, and theirs (the server's sessions). */
function descendants(): number[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry.name)]);
  }
  const found: number[] = [];
  for (const queue = [Deno.pid]; queue.length > 0;) {
    const next = children.get(queue.pop()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** Sends `sig` to `pid`, which may have ended since it was listed. */
function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Stops the server's processes until the returned function runs. */
function freezeServer(): () => void {
  const pids = descendants();
  for (const pid of pids) signal(pid, "SIGSTOP");
  let thawed = false;
  return () => {
    if (thawed) return;
    thawed = true;
    for (const pid of pids) signal(pid, "SIGCONT");
  };
}

/** How long the proxy holds an ABOR for a line written behind it. */
const HOLD_MS = 250;

/**
 * A control-connection proxy to `port`: a client chunk ending in `ABOR` is
 * held until the client's next bytes (sent with them in one write) or for
 * {@link HOLD_MS}. It counts the chunks with an ABOR written to the server
 * (`abors`) and the server's 1xx replies (`starts`: 125 or 150, a transfer
 * runs); `until` resolves once the counts say so.
 * Data connections go to the server itself (its EPSV port).
 */
interface Counts {
  abors: number;
  starts: number;
}

function coalescingProxy(
  port: number,
):
  & { port: number; counts: Counts; until(done: (counts: Counts) => boolean): Promise<void> }
  & AsyncDisposable {
  const counts: Counts = { abors: 0, starts: 0 };
  let wake = () => {};
  let changed = new Promise<void>((resolve) => wake = resolve);
  const bump = (key: keyof Counts) => {
    counts[key]++;
    const woken = wake;
    changed = new Promise<void>((resolve) => wake = resolve);
    woken();
  };
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const stops: (() => void)[] = [];
  const pipes: Promise<void>[] = [];
  const writeAll = async (to: Deno.Conn, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await to.write(bytes.subarray(at));
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn, hold: boolean) => {
    let held: Uint8Array | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    stops.push(() => clearTimeout(timer));
    let sending = Promise.resolve();
    const send = (bytes: Uint8Array) => {
      sending = sending.then(() => writeAll(to, bytes));
      if (hold && /(^|\n)ABOR\r\n/.test(new TextDecoder().decode(bytes))) {
        sending.then(() => bump("abors"), () => {});
      }
      return sending;
    };
    const buffer = new Uint8Array(64 << 10);
    try {
      for (let n; (n = await from.read(buffer)) !== null;) {
        let chunk = buffer.slice(0, n);
        if (!hold && /(^|\n)1\d\d /.test(new TextDecoder().decode(chunk))) bump("starts");
        if (held) chunk = new Uint8Array([...held, ...chunk]);
        held = undefined;
        clearTimeout(timer);
        if (hold && /(^|\n)ABOR\r\n$/.test(new TextDecoder().decode(chunk))) {
          held = chunk;
          timer = setTimeout(() => {
            if (held) void send(held);
            held = undefined;
          }, HOLD_MS);
        } else await send(chunk);
      }
      await sending;
    } catch { /* closed by the other side or by the end of the test */ }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(client, server);
      pipes.push(pipe(client, server, true), pipe(server, client, false));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    counts,
    async until(done) {
      while (!done(counts)) await changed;
    },
    async [Symbol.asyncDispose]() {
      stops.forEach((stop) => stop());
      listener.close();
      for (const conn of conns) conn.close();
      await Promise.all([accepting, ...pipes]);
    },
  };
}

async function loggedIn(port: number, peer: FtpPeer): Promise<FtpClient> {
  const ftp = await FtpClient.connect({
    host: peer.host,
    port,
    timeoutMs: 3_000,
  });
  await ftp.login(peer.user, peer.password);
  return ftp;
}

/** The session answers a command and a listing right after the abort. */
async function assertUsable(ftp: FtpClient, peer: string): Promise<void> {
  assert.equal(ftp.closed, false, `${peer}: the abort lost the session`);
  assert.equal(await ftp.pwd(), "/");
  assert.ok((await ftp.list("/")).some((e) => e.name === "keep.txt"), `${peer}: listing`);
}

/**
 * Cancels a running transfer with `cancel` while the server is stopped, and
 * lets it go on once the ABOR (with anything sent behind it) is in its socket.
 */
async function cancelFrozen(
  proxy: ReturnType<typeof coalescingProxy>,
  cancel: () => Promise<void>,
  freeze: boolean,
): Promise<void> {
  if (!freeze) return await cancel();
  const abors = proxy.counts.abors;
  const thaw = freezeServer();
  try {
    const cancelled = cancel();
    // (A cancel that ends without an ABOR fails below, not by a hang here.)
    await Promise.race([proxy.until((c) => c.abors > abors), cancelled]);
    thaw();
    await cancelled;
  } finally {
    thaw();
  }
}

async function setUp(peer: FtpPeer, files: Record<string, Uint8Array>) {
  for (const [name, bytes] of Object.entries({ "keep.txt": new Uint8Array(1), ...files })) {
    await Deno.writeFile(`${peer.root}/${name}`, bytes);
    if (peer.kind === "vsftpd") await chownForVsftpd(`${peer.root}/${name}`);
  }
}

for (const { name, needs, freeze, start } of peers) {
  peerTest(`${name}: an upload aborted mid-transfer leaves the session in step`, [
    needs,
  ], async () => {
    await using peer = await start();
    await setUp(peer, {});
    await using proxy = coalescingProxy(peer.port);
    const ftp = await loggedIn(proxy.port, peer);
    try {
      // A few times: the session must come out of each in step.
      for (let round = 0; round < 3; round++) {
        const starts = proxy.counts.starts;
        const writer = (await ftp.store(`big${round}.bin`)).getWriter();
        await writer.write(new Uint8Array(CHUNK));
        await proxy.until((c) => c.starts > starts); // the 150 (the bytes may go ahead of it)
        // More bytes that the server finds unread when it wakes to the ABOR.
        await cancelFrozen(proxy, async () => {
          await writer.write(new Uint8Array(CHUNK));
          await writer.abort(new Error("cancelled"));
        }, freeze);
        await assertUsable(ftp, name);
      }
    } finally {
      ftp.close();
    }
  });

  peerTest(`${name}: a download cancelled mid-transfer leaves the session in step`, [
    needs,
  ], async () => {
    await using peer = await start();
    await setUp(peer, { "big.bin": new Uint8Array(1024 * CHUNK) });
    await using proxy = coalescingProxy(peer.port);
    const ftp = await loggedIn(proxy.port, peer);
    try {
      const reader = (await ftp.retrieve("big.bin")).getReader();
      assert.ok(((await reader.read()).value?.length ?? 0) > 0);
      await cancelFrozen(proxy, () => reader.cancel(new Error("cancelled")), freeze);
      await assertUsable(ftp, name);
    } finally {
      ftp.close();
    }
  });
}
