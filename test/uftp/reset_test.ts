/**
 * No client can stop `ferry uftp-serve` (issue 17): data connections reset
 * (TCP RST) in the middle of RETR and STOR, over one stream and over four,
 * 100 times each; the process lives on and the next client is served whole.
 * Before the fix, the first reset ended the process (`write EPIPE` with one
 * stream, `read ECONNRESET` with four).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { authenticate } from "../../plugins/uftp/mod.ts";
import { BlockWriter } from "../../plugins/uftp/multistream.ts";
import { MemoryEndpoint } from "../../mod.ts";
import { peerTest } from "../peers/skip.ts";
import { startTestSite, type TestSite } from "./_site.ts";

const ROUNDS = 100;
const SIZE = 16 << 20;

/** A control connection of lines, and data connections opened through EPSV. */
async function session(site: TestSite, secret: string) {
  const control = net.connect({ host: "127.0.0.1", port: site.stack.uftpd.port });
  await new Promise((resolve, reject) => control.once("connect", resolve).once("error", reject));
  control.on("error", () => {});
  let buffer = "";
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  control.on("data", (c: Uint8Array) => {
    buffer += new TextDecoder().decode(c);
    for (let nl; (nl = buffer.indexOf("\n")) >= 0; buffer = buffer.slice(nl + 1)) {
      lines.push(buffer.slice(0, nl).trimEnd());
    }
    wake?.();
  });
  control.on("close", () => {
    closed = true;
    wake?.();
  });
  const line = async (): Promise<string | null> => {
    while (!lines.length && !closed) await new Promise<void>((r) => wake = r);
    return lines.shift() ?? null;
  };
  const cmd = async (text: string) => {
    control.write(`${text}\r\n`);
    return await line();
  };
  assert.match((await line())!, /^220 /);
  assert.match((await cmd("USER anonymous"))!, /^331 /);
  assert.match((await cmd(`PASS ${secret}`))!, /^230 /);
  const open = async (streams: number) => {
    assert.match((await cmd(`NOOP ${streams}`))!, /^22[23] /);
    const links: net.Socket[] = [];
    for (let i = 0; i < streams; i++) {
      const port = Number(/\|\|\|(\d+)\|/.exec((await cmd("EPSV"))!)![1]);
      const link = net.connect({ host: "127.0.0.1", port });
      await new Promise((resolve, reject) => link.once("connect", resolve).once("error", reject));
      link.on("error", () => {});
      links.push(link);
    }
    return links;
  };
  return { cmd, line, open, close: () => control.destroy() };
}

/** A secret for demouser that serves several sessions, each with `streams` streams. */
function persistentGrant(site: TestSite, streams: number) {
  const user = { kind: "password", user: "demouser", password: "test123" } as const;
  return authenticate(site.stack.authUrl, "TEST", user, {
    baseDir: "/data",
    persistent: true,
    streamCount: streams,
  }, { ca: site.ca });
}

/** Resolves once `n` bytes arrived over `links` (any of them). */
function received(links: net.Socket[], n: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    for (const l of links) {
      l.on("data", (c: Uint8Array) => {
        got += c.length;
        if (got >= n) resolve();
      });
    }
  });
}

for (const streams of [1, 4]) {
  peerTest(
    `uftpd: ${ROUNDS} data connections reset mid-RETR and mid-STOR, ${streams} stream(s)`,
    ["openssl"],
    async () => {
      await using site = await startTestSite();
      const data = new Uint8Array(SIZE).map((_, i) => (i * 7) & 255);
      await Deno.writeFile(`${site.root}/data/big.bin`, data);
      const g = await persistentGrant(site, streams);
      // A persistent job ends with its last session: this one keeps it for every round.
      const anchor = await session(site, g.secret);
      for (let round = 0; round < ROUNDS; round++) {
        const s = await session(site, g.secret);
        let links = await s.open(streams);
        const some = received(links, 256 * 1024);
        assert.match((await s.cmd("RETR big.bin"))!, /^150 /, `round ${round}`);
        await some;
        for (const l of links) l.resetAndDestroy();
        // The session answers the broken transfer (or ends); either way only it is affected.
        await s.line();
        links = await s.open(streams).catch(() => []);
        if (links.length) {
          assert.match((await s.cmd(`STOR up${round % 3}.bin`))!, /^150 /);
          if (streams > 1) {
            const w = new BlockWriter(links);
            await w.write(data.subarray(0, 512 * 1024)).catch(() => {});
          } else {
            await new Promise((r) => links[0].write(data.subarray(0, 512 * 1024), r));
          }
          for (const l of links) l.resetAndDestroy();
          await s.line();
        }
        s.close();
      }
      // The next client gets the whole file, the server is still the same process.
      const s = await session(site, g.secret);
      const links = await s.open(1);
      const chunks: Uint8Array[] = [];
      links[0].on("data", (c: Uint8Array) => chunks.push(c));
      const done = new Promise((r) => links[0].once("close", r));
      assert.match((await s.cmd("RETR big.bin"))!, /^150 /);
      assert.match((await s.line())!, /^226 /);
      await done;
      assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), data);
      s.close();
      assert.match((await anchor.cmd("PWD"))!, /^257 /);
      anchor.close();
    },
  );
}

peerTest("uftpd: a fault in one session closes only that session", ["openssl"], async () => {
  // Storage with a bug: any stat of a path holding "boom" throws a TypeError.
  class Faulty extends MemoryEndpoint {
    override stat(path: string) {
      if (path.includes("boom")) return Promise.reject(new TypeError("injected fault"));
      return super.stat(path);
    }
  }
  const storage = new Faulty();
  await storage.mkdir("data");
  await using site = await startTestSite({ endpoint: storage });
  const g = await persistentGrant(site, 1);
  const a = await session(site, g.secret);
  const b = await session(site, g.secret);
  a.cmd("SIZE boom");
  assert.equal(await a.line(), null, "the faulty session is closed");
  assert.match((await b.cmd("PWD"))!, /^257 /);
  assert.match((await b.cmd("SIZE nothing"))!, /^550 /);
  const c = await session(site, g.secret);
  assert.match((await c.cmd("PWD"))!, /^257 /);
  b.close();
  c.close();
});
