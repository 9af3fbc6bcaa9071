/**
 * Plain passive data connections are `Deno.Conn`s (Deno.listen), TLS ones
 * node sockets: the foreign-peer check, ABOR, ASCII on the Deno path, and
 * PROT P sent between EPSV and the transfer (425, EPSV again).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { get, peerTest, put, testServer } from "./helpers.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { LocalEndpoint, type ReadOptions } from "../../plugin.ts";
import type { DirectReadOptions, ReadSource } from "../../endpoint/types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const epsv = async (c: Ctl) => Number(/\|\|\|(\d+)\|/.exec((await c.cmd("EPSV")).text)![1]);

Deno.test("foreign data peer dropped, real one accepted", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  const port = await epsv(c);
  const foreign = await new Promise<string>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
    s.on("error", (e) => resolve("error " + e.message));
    s.on("close", () => resolve("closed"));
    s.resume();
  });
  assert.equal(foreign, "closed", "a data connection from 127.0.0.2 is dropped");
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.ok([125, 150].includes((await c.cmd("STOR f.txt")).code));
  await writeAll(data, enc.encode("hello"));
  // closed by writeAll
  assert.equal((await c.reply()).code, 226);
  assert.equal(dec.decode(await get(t.ep, "f.txt")), "hello");
});

Deno.test("a data connection gone before its accept finished leaves the passive port open", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  // The passive listener's first accept fails as under load: a client that connected and
  // reset at once (ENOTCONN when Deno reads its address). Before: the port was closed and
  // the session's own data connection refused.
  const listen = Deno.listen;
  Deno.listen = ((options: Deno.TcpListenOptions) => {
    const real = listen(options);
    let failed = false;
    return new Proxy(real, {
      get(target, key) {
        if (key === "accept" && !failed) {
          failed = true;
          return () =>
            Promise.reject(
              new Deno.errors.NotConnected("Transport endpoint is not connected (os error 107)"),
            );
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }) as typeof Deno.listen;
  let port: number;
  try {
    port = await epsv(c);
  } finally {
    Deno.listen = listen;
  }
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.ok([125, 150].includes((await c.cmd("STOR g.txt")).code));
  await writeAll(data, enc.encode("still here"));
  assert.equal((await c.reply()).code, 226);
  assert.equal(dec.decode(await get(t.ep, "g.txt")), "still here");
});

Deno.test("ABOR during a plain upload, then another transfer", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  const data = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
  assert.ok([125, 150].includes((await c.cmd("STOR big.bin")).code));
  await data.write(new Uint8Array(1 << 20));
  assert.equal((await c.cmd("ABOR")).code, 426);
  assert.equal((await c.reply()).code, 226);
  try {
    data.close();
  } catch { /* */ }
  await put(t.ep, "pub/x.txt", "x");
  const d2 = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
  assert.ok([125, 150].includes((await c.cmd("RETR pub/x.txt")).code));
  assert.equal(dec.decode(await readAll(d2)), "x");
  assert.equal((await c.reply()).code, 226);
});

Deno.test("RETR from a local disk reads the endpoint's source without a stream, REST and ABOR too", async () => {
  // Counts the sources and streams opened, the synchronous reads and the sources let go.
  class Disk extends LocalEndpoint {
    sources = 0;
    streams = 0;
    syncReads = 0;
    cancelled = 0;
    override async readDirect(path: string, options?: DirectReadOptions): Promise<ReadSource> {
      const source = await super.readDirect(path, options);
      this.sources++;
      return {
        readInto: (into) => source.readInto(into),
        readSync: (into) => {
          this.syncReads++;
          return source.readSync!(into);
        },
        expected: source.expected,
        cancel: (reason) => {
          this.cancelled++;
          return source.cancel(reason);
        },
      };
    }
    override async read(path: string, options?: ReadOptions) {
      this.streams++;
      return await super.read(path, options);
    }
  }
  const root = await Deno.makeTempDir();
  try {
    const ep = new Disk(root);
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    await Deno.writeFile(`${root}/a.bin`, bytes);
    await Deno.writeFile(`${root}/big.bin`, new Uint8Array(64 << 20));
    await Deno.mkdir(`${root}/dir`);
    await using t = await testServer({ endpoint: ep });
    await using c = await Ctl.connect(t.port);
    await c.login("bob", "pw");
    await c.cmd("TYPE I");
    let d = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
    assert.ok([125, 150].includes((await c.cmd("RETR a.bin")).code));
    assert.deepEqual(await readAll(d), bytes);
    assert.equal((await c.reply()).code, 226);
    assert.equal(ep.sources, 1);
    assert.ok(ep.syncReads >= 5, `${ep.syncReads} synchronous reads`);

    assert.equal((await c.cmd("REST 1000")).code, 350);
    d = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
    assert.ok([125, 150].includes((await c.cmd("RETR a.bin")).code));
    assert.deepEqual(await readAll(d), bytes.subarray(1000));
    assert.equal((await c.reply()).code, 226);

    assert.equal((await c.cmd("RETR dir")).code, 550);
    assert.equal((await c.cmd("RETR none.bin")).code, 550);

    // ABOR while the data connection is not read: the source is let go.
    d = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
    assert.ok([125, 150].includes((await c.cmd("RETR big.bin")).code));
    assert.equal((await c.cmd("ABOR")).code, 426);
    assert.equal((await c.reply()).code, 226);
    d.close();
    assert.equal(ep.sources, 3);
    assert.ok(ep.cancelled >= 1, "the aborted download's source was cancelled");
    assert.equal(ep.streams, 0, "no stream built for a download");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ASCII upload and download over Deno.Conn", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  await c.cmd("TYPE A");
  let d = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
  assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
  await writeAll(d, enc.encode("a\r\nb\r\n"));
  // closed by writeAll
  assert.equal((await c.reply()).code, 226);
  assert.equal(dec.decode(await get(t.ep, "a.txt")), "a\nb\n");
  d = await Deno.connect({ hostname: "127.0.0.1", port: await epsv(c) });
  assert.ok([125, 150].includes((await c.cmd("RETR a.txt")).code));
  assert.equal(dec.decode(await readAll(d)), "a\r\nb\r\n");
  assert.equal((await c.reply()).code, 226);
});

peerTest("PROT P after EPSV: 425, then EPSV again works over TLS", ["openssl"], async () => {
  const certs = await testCertificates();
  await using t = await testServer({ tls: { cert: certs.good.cert, key: certs.good.key } });
  await using c = await Ctl.connect(t.port);
  await c.startTls([certs.caPem]);
  await c.login("bob", "pw");
  await c.cmd("PBSZ 0");
  const port = await epsv(c);
  assert.equal((await c.cmd("PROT P")).code, 200);
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.ok([125, 150].includes((await c.cmd("NLST")).code));
  const r = await c.reply();
  assert.match(r.text, /again after PROT P/);
  assert.equal(r.code, 425);
  await readAll(data).catch(() => {});
  const p2 = await epsv(c);
  const tdata = await Deno.connectTls({ hostname: "127.0.0.1", port: p2, caCerts: [certs.caPem] });
  assert.ok([125, 150].includes((await c.cmd("NLST")).code));
  assert.equal(dec.decode(await readAll(tdata)), "pub\r\n");
  assert.equal((await c.reply()).code, 226);
});
