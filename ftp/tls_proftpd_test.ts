/**
 * FTPS against a real ProFTPD 1.3.8 with its default TLSOptions: every data
 * connection must resume *its own* control connection's TLS session (docs/TLS.md,
 * "Session scoping"). Many FtpClients in one process, as a session pool makes
 * them, to one server and to two servers under one name, explicit and implicit.
 */
import assert from "node:assert/strict";
import { peerTest } from "../test/peers/skip.ts";
import { startProftpd } from "../test/peers/proftpd.ts";
import type { FtpPeer } from "../test/peers/types.ts";
import { FtpClient } from "./client.ts";
import { FtpError } from "./errors.ts";

const needs = ["proftpd", "openssl"] as const;

/** Distinct bytes per name, so a file mixed up with another shows. */
function content(seed: number, size: number): Uint8Array {
  return new Uint8Array(size).map((_, k) => (seed * 31 + k * 7) & 255);
}

interface Tally {
  refused: number;
  transfers: number;
}

/**
 * One worker of a pool: `rounds` x (STOR, MLSD, RETR) on its own session,
 * replaced by a new one when it closes itself (as SessionPool does). A 425 is
 * counted and the step tried again, so the bytes are checked either way.
 */
async function worker(
  peer: FtpPeer,
  host: string,
  tls: "explicit" | "implicit",
  id: string,
  rounds: number,
  tally: Tally,
): Promise<void> {
  const open = async () => {
    const c = await FtpClient.connect({
      host,
      port: peer.port,
      tls,
      tlsOptions: { ca: peer.caPem },
      timeoutMs: 15_000,
    });
    await c.login(peer.user, peer.password);
    return c;
  };
  let client = await open();
  const step = async <T>(fn: (c: FtpClient) => Promise<T>): Promise<T> => {
    for (let attempt = 0;; attempt++) {
      if (client.closed) client = await open();
      tally.transfers++;
      try {
        return await fn(client);
      } catch (error) {
        if (!(error instanceof FtpError && error.ftpCode === 425) || attempt >= 2) throw error;
        tally.refused++;
        console.error("REFUSED", String(error), (error as { cause?: unknown }).cause);
      }
    }
  };
  try {
    for (let r = 0; r < rounds; r++) {
      const name = `${id}-${r}.bin`;
      const bytes = content(r + id.length, 20_000 + r);
      await step(async (c) => await ReadableStream.from([bytes]).pipeTo(await c.store(name)));
      const names = await step((c) => c.mlsd(""));
      assert.ok(names.some((e) => e.name === name), `${name} listed`);
      const back = await step(async (c) => await new Response(await c.retrieve(name)).bytes());
      assert.deepEqual(back, bytes, name);
    }
  } finally {
    await client.quit();
  }
}

async function parallelRounds(
  targets: Array<{ peer: FtpPeer; host: string }>,
  tls: "explicit" | "implicit",
  clients: number,
  rounds: number,
): Promise<Tally> {
  const tally = { refused: 0, transfers: 0 };
  await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const { peer, host } = targets[i % targets.length];
      return worker(peer, host, tls, `c${i}`, rounds, tally);
    }),
  );
  return tally;
}

for (const tls of ["explicit", "implicit"] as const) {
  for (const clients of [4, 8]) {
    peerTest(
      `ProFTPD (reuse required, TLS 1.2), ${tls}: ${clients} sessions in one process, none refused`,
      [...needs],
      async () => {
        await using peer = await startProftpd({ tls, tlsProtocols: "TLSv1.2" });
        const tally = await parallelRounds([{ peer, host: "localhost" }], tls, clients, 4);
        assert.equal(tally.refused, 0, `${tally.refused} of ${tally.transfers} refused`);
      },
    );
  }
  for (const clients of [4, 8]) {
    peerTest(
      `ProFTPD (reuse required, TLS 1.2 + 1.3 offered), ${tls}: ${clients} sessions, none refused (TLS 1.2 first)`,
      [...needs],
      async () => {
        await using peer = await startProftpd({ tls });
        const tally = await parallelRounds([{ peer, host: "localhost" }], tls, clients, 8);
        assert.equal(tally.refused, 0, `${tally.refused} of ${tally.transfers} refused`);
      },
    );
  }
}

peerTest(
  "two ProFTPD servers under one host name (and by IP) at once: none refused",
  [...needs],
  async () => {
    await using a = await startProftpd({ tls: "explicit", tlsProtocols: "TLSv1.2" });
    await using b = await startProftpd({ tls: "explicit", tlsProtocols: "TLSv1.2" });
    const tally = await parallelRounds(
      [
        { peer: a, host: "localhost" },
        { peer: b, host: "localhost" },
        { peer: a, host: "127.0.0.1" },
        { peer: b, host: "127.0.0.1" },
      ],
      "explicit",
      8,
      4,
    );
    assert.equal(tally.refused, 0, `${tally.refused} of ${tally.transfers} refused`);
  },
);

peerTest(
  "ProFTPD: a resumed (REST) download over TLS ends, with or without the size known",
  [...needs],
  async () => {
    // ProFTPD sends its 226 only after our close_notify, which we send once every
    // byte is in: after REST it announces what is left, vsftpd the whole file.
    await using peer = await startProftpd({ tls: "explicit" });
    const bytes = content(7, 200_000);
    await Deno.writeFile(`${peer.root}/f.bin`, bytes);
    const client = await FtpClient.connect({
      host: "localhost",
      port: peer.port,
      tls: "explicit",
      tlsOptions: { ca: peer.caPem },
      timeoutMs: 5_000,
    });
    try {
      await client.login(peer.user, peer.password);
      for (const offset of [1000, 1000, 199_999, 150_000]) {
        const back = await new Response(await client.retrieve("f.bin", { offset })).bytes();
        assert.deepEqual(back, bytes.subarray(offset), `from ${offset}`);
      }
      const told = await client.retrieve("f.bin", { offset: 1000, expectedSize: 199_000 });
      assert.deepEqual(await new Response(told).bytes(), bytes.subarray(1000));
    } finally {
      await client.quit();
    }
  },
);
