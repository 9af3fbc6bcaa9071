/**
 * startTlsClient / startTlsData against a real vsftpd 3.0.3 with
 * `require_ssl_reuse=YES` (its default): a raw, minimal FTPS exchange (AUTH TLS,
 * USER/PASS, PBSZ 0, PROT P, PASV, RETR/LIST/STOR) on node:net sockets, with no
 * other ferry code in the way, so a failure here is a TLS failure.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { peerTest } from "../test/peers/skip.ts";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import type { FtpPeer } from "../test/peers/types.ts";
import { describeTls, startTlsClient, startTlsData, type TlsOptions } from "./tls.ts";
import { TlsVerificationError } from "./tls/errors.ts";

const needs = ["vsftpd", "openssl"] as const;

/** A control connection that reads final reply lines ("ddd text"). */
class Control {
  #buffer = "";
  #lines: string[] = [];
  #waiters: Array<(line: string) => void> = [];
  #onData = (chunk: Buffer) => {
    this.#buffer += chunk.toString("latin1");
    for (let i; (i = this.#buffer.indexOf("\r\n")) >= 0;) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      if (!/^\d{3} /.test(line)) continue; // continuation lines of a multi-line reply
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    }
  };
  constructor(public socket: net.Socket) {
    socket.on("data", this.#onData);
  }
  reply(): Promise<string> {
    const line = this.#lines.shift();
    return line ? Promise.resolve(line) : new Promise((resolve) => this.#waiters.push(resolve));
  }
  async command(line: string, expect?: number): Promise<string> {
    this.socket.write(`${line}\r\n`);
    const reply = await this.reply();
    if (expect !== undefined) assert.equal(reply.slice(0, 3), String(expect), `${line}: ${reply}`);
    return reply;
  }
  /** AUTH TLS, then hands the plain socket to startTlsClient. */
  async secure(host: string, options: TlsOptions): Promise<tls.TLSSocket> {
    await this.command("AUTH TLS", 234);
    this.socket.off("data", this.#onData);
    const secure = await startTlsClient(this.socket, host, options, 5_000);
    this.socket = secure;
    secure.on("data", this.#onData);
    return secure;
  }
  async close(): Promise<void> {
    this.socket.destroy();
    if (!this.socket.closed) await once(this.socket, "close");
  }
}

async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

/** Connects, secures, logs in and sets PBSZ 0 / PROT P. */
async function login(peer: FtpPeer, host: string, options: TlsOptions) {
  const control = new Control(await dial(peer.port));
  assert.match(await control.reply(), /^220 /);
  const secure = await control.secure(host, options);
  await control.command(`USER ${peer.user}`, 331);
  await control.command(`PASS ${peer.password}`, 230);
  await control.command("PBSZ 0", 200);
  await control.command("PROT P", 200);
  return { control, secure };
}

/**
 * One transfer: PASV, connect, start the data TLS handshake *before* sending the
 * command (as ftp/transfer_start.ts does), then read or write until the end.
 */
async function transfer(
  control: Control,
  secure: tls.TLSSocket,
  command: string,
  options: TlsOptions,
  upload?: string,
) {
  const pasv = await control.command("PASV", 227);
  const [p1, p2] = /,(\d+),(\d+)\)/.exec(pasv)!.slice(1).map(Number);
  const handshake = startTlsData(await dial(p1 * 256 + p2), secure, options, 5_000);
  handshake.catch(() => {});
  const preliminary = await control.command(command);
  assert.match(preliminary, /^150 /, `${command}: ${preliminary}`);
  const data = await handshake;
  const { reused } = describeTls(data);
  const chunks: Buffer[] = [];
  data.on("data", (chunk: Buffer) => chunks.push(chunk));
  if (upload !== undefined) data.end(upload);
  await once(data, "close");
  const final = await control.reply();
  return { reused, final, body: Buffer.concat(chunks).toString() };
}

async function withPeer(fn: (peer: FtpPeer) => Promise<void>): Promise<void> {
  await using peer = await startVsftpd({ tls: "explicit", requireSslReuse: true, forceTls: true });
  await Deno.writeTextFile(`${peer.root}/hello.txt`, "hello over TLS\n");
  await chownForVsftpd(`${peer.root}/hello.txt`);
  await fn(peer);
}

// TLS 1.2 first: in Deno 2.9.6 a TLS 1.2-only handshake takes a stored TLS 1.3
// ticket for the same name (if any) instead of the TLS 1.2 session, so it would
// not resume after TLS 1.3 connections to "localhost" (docs/TLS.md, Limits).
for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
  peerTest(`vsftpd require_ssl_reuse: RETR, LIST, STOR resume the session over ${version}`, [
    ...needs,
  ], async () => {
    await withPeer(async (peer) => {
      const options: TlsOptions = { ca: peer.caPem, minVersion: version, maxVersion: version };
      const { control, secure } = await login(peer, "localhost", options);
      try {
        assert.equal(describeTls(secure).protocol, version);
        for (let round = 0; round < 3; round++) {
          const retr = await transfer(control, secure, "RETR hello.txt", options);
          assert.deepEqual([retr.final.slice(0, 3), retr.body, retr.reused], [
            "226",
            "hello over TLS\n",
            true,
          ]);
          const list = await transfer(control, secure, "LIST", options);
          assert.equal(list.final.slice(0, 3), "226");
          assert.match(list.body, /hello\.txt/);
          assert.equal(list.reused, true);
          const stor = await transfer(control, secure, `STOR up${round}.txt`, options, "payload");
          assert.deepEqual([stor.final.slice(0, 3), stor.reused], ["226", true]);
          assert.equal(await Deno.readTextFile(`${peer.root}/up${round}.txt`), "payload");
        }
        await control.command("QUIT", 221);
      } finally {
        await control.close();
      }
    });
  });
}

peerTest("vsftpd refuses a data connection that does not resume (the check is real)", [
  ...needs,
], async () => {
  await withPeer(async (peer) => {
    const { control, secure } = await login(peer, "localhost", { ca: peer.caPem });
    try {
      const pasv = await control.command("PASV", 227);
      const [p1, p2] = /,(\d+),(\d+)\)/.exec(pasv)!.slice(1).map(Number);
      const plain = await dial(p1 * 256 + p2);
      await control.command("RETR hello.txt", 150);
      // Same options as startTlsData but no session: a fresh handshake.
      const data = tls.connect({
        socket: plain,
        servername: "localhost",
        rejectUnauthorized: false,
      });
      data.on("error", () => {});
      data.on("data", () => {});
      assert.match(await control.reply(), /^522 .*session reuse required/);
      data.destroy();
      assert.ok(secure.encrypted);
    } finally {
      await control.close();
    }
  });
});

peerTest("vsftpd: two parallel control connections each resume a session", [
  ...needs,
], async () => {
  await withPeer(async (peer) => {
    const options: TlsOptions = { ca: peer.caPem };
    const a = await login(peer, "localhost", options);
    const b = await login(peer, "localhost", options);
    try {
      for (let round = 0; round < 3; round++) {
        const [ra, rb] = await Promise.all([
          transfer(a.control, a.secure, "RETR hello.txt", options),
          transfer(b.control, b.secure, "RETR hello.txt", options),
        ]);
        for (const r of [ra, rb]) {
          assert.deepEqual([r.final.slice(0, 3), r.body, r.reused], [
            "226",
            "hello over TLS\n",
            true,
          ]);
        }
      }
    } finally {
      await a.control.close();
      await b.control.close();
    }
  });
});

peerTest("vsftpd by IP literal (no SNI): verified against the IP SAN, session resumed", [
  ...needs,
], async () => {
  await withPeer(async (peer) => {
    const options: TlsOptions = { ca: peer.caPem };
    const { control, secure } = await login(peer, "127.0.0.1", options);
    try {
      const retr = await transfer(control, secure, "RETR hello.txt", options);
      assert.deepEqual([retr.final.slice(0, 3), retr.reused], ["226", true]);
    } finally {
      await control.close();
    }
  });
});

peerTest("vsftpd's test certificate is refused under the system roots", [...needs], async () => {
  await withPeer(async (peer) => {
    const control = new Control(await dial(peer.port));
    assert.match(await control.reply(), /^220 /);
    await assert.rejects(control.secure("localhost", {}), (e: unknown) => {
      assert.ok(e instanceof TlsVerificationError, String(e));
      assert.equal(e.code, "ECERTUNTRUSTED");
      return true;
    });
    await control.close();
  });
});
