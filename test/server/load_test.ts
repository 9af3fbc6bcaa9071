/**
 * 300 clients at once on loopback, each logging in, uploading its own file,
 * downloading it back and quitting; the whole run is bounded in time.
 * A second run does the same over explicit FTPS.
 */
import assert from "node:assert/strict";
import { testCertificates } from "../fixtures/certs.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { peerTest, randomBytes, testServer } from "./helpers.ts";

const CLIENTS = 300;

async function client(
  port: number,
  i: number,
  body: Uint8Array,
  caPem?: string,
): Promise<void> {
  await using c = await Ctl.connect(port);
  if (caPem) await c.startTls([caPem]);
  assert.equal((await c.login("bob", "pw")).code, 230);
  if (caPem) {
    await c.cmd("PBSZ 0");
    await c.cmd("PROT P");
  }
  await c.cmd("TYPE I");
  const open = async () => {
    const r = await c.cmd("EPSV");
    const p = Number(/\|\|\|(\d+)\|/.exec(r.text)![1]);
    return caPem
      ? await Deno.connectTls({ hostname: "127.0.0.1", port: p, caCerts: [caPem] })
      : await Deno.connect({ hostname: "127.0.0.1", port: p });
  };
  let data = await open();
  assert.ok([125, 150].includes((await c.cmd(`STOR f${i}.bin`)).code));
  await writeAll(data, body);
  assert.equal((await c.reply(60_000)).code, 226);
  data = await open();
  assert.ok([125, 150].includes((await c.cmd(`RETR f${i}.bin`)).code));
  const got = await readAll(data);
  assert.equal((await c.reply(60_000)).code, 226);
  assert.deepEqual(got, body);
  assert.equal((await c.cmd("QUIT")).code, 221);
}

async function stampede(caPem?: string) {
  const certs = caPem ? await testCertificates() : undefined;
  await using t = await testServer(
    certs ? { tls: { cert: certs.good.cert, key: certs.good.key } } : {},
  );
  const body = randomBytes(20_000);
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: CLIENTS }, (_, i) => client(t.port, i, body, caPem)),
  );
  const failed = results.filter((r) => r.status === "rejected");
  assert.equal(failed.length, 0, String((failed[0] as PromiseRejectedResult)?.reason));
  assert.equal((await t.ep.list("")).length, CLIENTS + 1);
  console.log(
    `${CLIENTS} clients (login, STOR, RETR, QUIT${caPem ? ", FTPS" : ""}): ${
      ((performance.now() - t0) / 1000).toFixed(2)
    } s`,
  );
}

Deno.test({
  name: `${CLIENTS} concurrent clients log in, upload, download and quit`,
  sanitizeOps: true,
  fn: () => stampede(),
});

peerTest(`${CLIENTS} concurrent FTPS clients (explicit TLS, PROT P)`, ["openssl"], async () => {
  await stampede((await testCertificates()).caPem);
});
