/**
 * One test (at least) per protection: login probing, brute force, anonymous
 * read-only, the home jail (.., absolute paths, symlinks on memory and on
 * disk), bounce protection, foreign data peers, connection limits, timeouts,
 * HTTP verbs, long lines, RNFR/RNTO sequencing, the STARTTLS injection
 * (CVE-2011-1575), TLS handshake timeouts, TLS-required switches and TLS
 * session reuse.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { LocalEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { bounded, dec, enc, peerTest, put, testServer } from "./helpers.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";

Deno.test("USER answers 331 for every name; a wrong password reads the same for all", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  const known = await c.cmd("USER bob");
  const unknown = await c.cmd("USER nosuchuser");
  assert.deepEqual(known, unknown);
  assert.equal(known.code, 331);
  const bad1 = await c.cmd("PASS wrong");
  await c.cmd("USER bob");
  const bad2 = await c.cmd("PASS wrong");
  assert.deepEqual(bad1, bad2);
  assert.equal(bad1.code, 530);
});

Deno.test("brute force: each failure waits, the last one disconnects", async () => {
  await using t = await testServer({ authFailedDelayMs: 200, maxLoginAttempts: 3 });
  await using c = await Ctl.connect(t.port);
  for (let i = 1; i <= 3; i++) {
    await c.cmd("USER bob");
    const t0 = performance.now();
    const r = await c.cmd("PASS wrong");
    assert.ok(performance.now() - t0 >= 180, "failure answered without the delay");
    assert.equal(r.code, 530);
    if (i === 3) assert.match(r.text, /Maximum login attempts/);
  }
  assert.ok(await c.closedByServer(2000));
});

Deno.test("anonymous is read-only by default", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.login("anonymous", "me@example.org")).code, 230);
  for (
    const line of [
      "MKD x",
      "DELE hello.txt",
      "RNFR hello.txt",
      "SITE CHMOD 777 hello.txt",
      "MFMT 20200101000000 hello.txt",
      "STOR new.txt",
      "APPE hello.txt",
    ]
  ) {
    assert.equal((await c.cmd(line)).code, 550, line);
  }
  const data = await c.epsv();
  assert.equal((await c.cmd("RETR hello.txt")).code, 125);
  assert.equal(dec.decode(await readAll(data)), "hello\r\nworld\r\n"); // TYPE A by default
  assert.equal((await c.reply()).code, 226);
});

Deno.test("home jail: .. and absolute paths stay inside the home", async () => {
  await using t = await testServer({}, (ep) => put(ep, "secret.txt", "top secret"));
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.login("ro", "pw")).code, 230);
  assert.equal((await c.cmd("CWD ..")).code, 250);
  assert.equal((await c.cmd("PWD")).text, '"/" is the current directory.');
  for (const p of ["../secret.txt", "/../secret.txt", "../../../../secret.txt", "/secret.txt"]) {
    assert.equal((await c.cmd(`SIZE ${p}`)).code, 550, p);
  }
  assert.equal((await c.cmd("TYPE I")).code, 200);
  assert.equal((await c.cmd("SIZE ../../hello.txt")).text, "12");
  const data = await c.epsv();
  await c.cmd("NLST ..");
  assert.equal(dec.decode(await readAll(data)), "hello.txt\r\n");
  assert.equal((await c.reply()).code, 226);
});

Deno.test("symlinks: links leaving the home are refused, links inside are followed", async () => {
  await using t = await testServer({}, async (ep) => {
    await put(ep, "secret.txt", "top secret");
    await ep.symlink("../secret.txt", "pub/up");
    await ep.symlink("/secret.txt", "pub/abs");
    await ep.symlink("hello.txt", "pub/inside");
    await ep.symlink("..", "pub/parent");
    await ep.symlink("parent/secret.txt", "pub/chain");
  });
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.login("ro", "pw")).code, 230);
  await c.cmd("TYPE I");
  for (const name of ["up", "abs", "chain", "parent/secret.txt"]) {
    assert.equal((await c.cmd(`SIZE ${name}`)).code, 550, name);
  }
  assert.equal((await c.cmd("CWD parent")).code, 550);
  assert.equal((await c.cmd("SIZE inside")).text, "12");
  const data = await c.epsv();
  await c.cmd("LIST");
  const listing = dec.decode(await readAll(data));
  await c.reply();
  assert.match(listing, /^l.* up -> \.\.\/secret\.txt\r$/m);
  assert.match(listing, /^-.* inside\r$/m);
  assert.equal((await c.cmd("STOR up")).code, 550, "ro has no w anyway");
  // The same link seen from a home that contains its target is fine.
  await using b = await Ctl.connect(t.port);
  await b.login("bob", "pw");
  await b.cmd("TYPE I");
  assert.equal((await b.cmd("SIZE pub/up")).text, "10");
  assert.equal((await b.cmd("SIZE pub/abs")).code, 550, "absolute targets are never followed");
});

Deno.test("local disk: symlinks to outside the served directory are refused", async () => {
  const root = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${outside}/secret`, "s");
    await Deno.writeTextFile(`${root}/ok.txt`, "ok");
    await Deno.mkdir(`${root}/home`);
    await Deno.symlink(outside, `${root}/home/out`);
    await Deno.symlink(`${outside}/secret`, `${root}/home/abs`);
    await Deno.symlink("../ok.txt", `${root}/home/rel`);
    const auth = new VirtualAuthorizer().addUser("u", {
      password: "pw",
      home: "home",
      perm: "elradfmw",
    });
    const srv = await startFtpServer({
      endpoint: new LocalEndpoint(root),
      authorizer: auth,
      port: 0,
    });
    try {
      await using c = await Ctl.connect(srv.port);
      await c.login("u", "pw");
      await c.cmd("TYPE I");
      for (const p of ["out/secret", "abs", "rel"]) {
        assert.equal((await c.cmd(`SIZE ${p}`)).code, 550, p);
      }
      assert.equal((await c.cmd("CWD out")).code, 550);
      assert.equal((await c.cmd("DELE abs")).code, 250, "deleting the link itself is fine");
      assert.equal(await Deno.readTextFile(`${outside}/secret`), "s");
    } finally {
      await srv.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("bounce protection: PORT/EPRT to other hosts or privileged ports are refused", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  assert.equal((await c.cmd("PORT 10,0,0,1,100,0")).code, 501);
  assert.equal((await c.cmd("PORT 127,0,0,1,0,21")).code, 501);
  assert.equal((await c.cmd("EPRT |1|192.0.2.1|6000|")).code, 501);
  assert.equal((await c.cmd("EPRT |1|127.0.0.1|25|")).code, 501);
  assert.equal((await c.cmd("EPRT |2|::1|6000|")).code, 522);
  assert.equal((await c.cmd("PORT 1,2,3")).code, 501);
});

Deno.test("passive data connections from another address are dropped", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  const r = await c.cmd("EPSV");
  const port = Number(/\|\|\|(\d+)\|/.exec(r.text)![1]);
  // 127.0.0.2 is this host too, but not the control connection's peer.
  const foreign = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
  await new Promise<void>((resolve) => foreign.once("close", () => resolve()));
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.equal((await c.cmd("RETR pub/hello.txt")).code, 125);
  assert.equal(dec.decode(await readAll(data)), "hello\r\nworld\r\n");
  assert.equal((await c.reply()).code, 226);
});

Deno.test("connection limits: overall and per IP answer 421", async () => {
  await using t = await testServer({ maxConnections: 2 });
  await using a = await Ctl.connect(t.port);
  await using b = await Ctl.connect(t.port);
  await using c = await Ctl.connect(t.port, { banner: false });
  const r = await c.reply();
  assert.equal(r.code, 421);
  assert.ok(await c.closedByServer());
  await using u = await testServer({ maxConnectionsPerIp: 1 });
  await using d = await Ctl.connect(u.port);
  await using e = await Ctl.connect(u.port, { banner: false });
  assert.match((await e.reply()).text, /same IP/);
  void a, b, d;
});

Deno.test("idle sessions are closed with 421", async () => {
  await using t = await testServer({ idleTimeoutMs: 200 });
  await using c = await Ctl.connect(t.port);
  const r = await c.reply(3000);
  assert.equal(r.code, 421);
  assert.ok(await c.closedByServer());
});

Deno.test("a stalled upload times out (421), the partial file can be dropped by a hook", async () => {
  const seen: string[] = [];
  // The server's own step is the event awaited: its hook runs once the partial
  // (staged under a temporary name) is dropped, as the session ends.
  let hooked!: () => void;
  const hookRan = new Promise<void>((resolve) => hooked = resolve);
  await using t = await testServer({
    dataTimeoutMs: 200,
    hooks: {
      onIncompleteFileReceived: (ev) => {
        seen.push(`${ev.path}:${ev.bytes}`);
        hooked();
        return "delete";
      },
    },
  });
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  await c.cmd("TYPE I");
  const data = await c.epsv();
  assert.equal((await c.cmd("STOR stall.bin")).code, 125);
  await data.write(enc.encode("partial"));
  const r = await c.reply(); // the 200 ms data timeout's 421 (the read's bound: 10 s)
  assert.equal(r.code, 421);
  assert.ok(await c.closedByServer());
  data.close();
  await bounded(hookRan, "onIncompleteFileReceived");
  assert.deepEqual(seen, ["/stall.bin:7"]);
  await assert.rejects(() => t.ep.stat("stall.bin"));
  assert.deepEqual((await t.ep.list("")).map((e) => e.name), ["pub"], "no partial left");
});

Deno.test("a data connection that never comes: 425 after the connect timeout", async () => {
  await using t = await testServer({ dataConnectTimeoutMs: 200 });
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  await c.cmd("EPSV");
  assert.equal((await c.cmd("RETR pub/hello.txt")).code, 150);
  assert.equal((await c.reply(3000)).code, 425);
  assert.equal((await c.cmd("NOOP")).code, 200);
  assert.equal((await c.cmd("RETR pub/hello.txt")).code, 425, "the listener is gone");
});

Deno.test("HTTP verbs on the control port close the connection", async () => {
  await using t = await testServer();
  for (const verb of ["GET / HTTP/1.1", "POST /x HTTP/1.0", "CONNECT example.org:443 HTTP/1.1"]) {
    await using c = await Ctl.connect(t.port);
    assert.equal((await c.cmd(verb)).code, 500);
    assert.ok(await c.closedByServer());
  }
});

Deno.test("over-long lines get 500 and the session carries on; unknown commands 500", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.raw("X".repeat(10_000));
  assert.equal((await c.reply()).code, 500);
  // The rest of the long line, in whatever reads it arrives, is dropped up to its end:
  // one 500 a line, and no tail of it runs as a command.
  await c.raw("X".repeat(10_000) + "DELE x\r\n");
  assert.equal((await c.cmd("NOOP")).code, 200);
  assert.match((await c.cmd("FOO bar")).text, /"FOO" not understood/);
  assert.equal((await c.cmd("PWD")).code, 530);
});

Deno.test("RNTO must come right after RNFR; overwriting by rename needs w", async () => {
  await using t = await testServer({}, (ep, auth) => {
    auth.addUser("ren", { password: "pw", perm: "elrf" });
    return put(ep, "a.txt", "a").then(() => put(ep, "b.txt", "b"));
  });
  await using c = await Ctl.connect(t.port);
  await c.login("ren", "pw");
  assert.equal((await c.cmd("RNFR a.txt")).code, 350);
  assert.equal((await c.cmd("NOOP")).code, 200);
  assert.equal((await c.cmd("RNTO c.txt")).code, 503);
  await c.cmd("RNFR a.txt");
  assert.equal((await c.cmd("RNTO b.txt")).code, 550, "b.txt exists and ren has no w");
  await c.cmd("RNFR a.txt");
  assert.equal((await c.cmd("RNTO c.txt")).code, 250);
  assert.equal(
    dec.decode(await (await t.ep.read("b.txt")).getReader().read().then((r) => r.value!)),
    "b",
  );
});

Deno.test("per-directory overrides: upload only where allowed", async () => {
  await using t = await testServer({}, async (ep, auth) => {
    await ep.mkdir("pub/incoming");
    auth.overridePerm("ro", "/incoming", "elrw", true);
  });
  await using c = await Ctl.connect(t.port);
  await c.login("ro", "pw");
  assert.equal((await c.cmd("STOR x.txt")).code, 550);
  let data = await c.epsv();
  assert.equal((await c.cmd("STOR incoming/x.txt")).code, 125);
  await writeAll(data, enc.encode("x"));
  assert.equal((await c.reply()).code, 226);
  assert.equal((await c.cmd("DELE incoming/x.txt")).code, 550);
  data = await c.epsv();
  assert.equal((await c.cmd("MLSD incoming")).code, 125);
  assert.match(dec.decode(await readAll(data)), /perm=rw; x\.txt/);
  await c.reply();
});

Deno.test("SITE commands pass the same gate: login and permission", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.cmd("SITE CHMOD 777 pub/hello.txt")).code, 530);
  assert.equal((await c.cmd("SITE HELP")).code, 214);
  await c.login("ro", "pw");
  assert.equal((await c.cmd("SITE CHMOD 777 hello.txt")).code, 550);
  assert.equal((await c.cmd("SITE EXEC ls")).code, 500);
});

peerTest(
  "CVE-2011-1575: plain text sent after AUTH TLS is never executed",
  ["openssl"],
  async () => {
    const certs = await testCertificates();
    await using t = await testServer({ tls: { cert: certs.good.cert, key: certs.good.key } });
    await using c = await Ctl.connect(t.port);
    await c.raw("AUTH TLS\r\nUSER bob\r\nPASS pw\r\nMKD injected\r\n");
    assert.equal((await c.reply()).code, 234);
    let upgraded = true;
    try {
      c.conn = await Deno.startTls(c.conn as Deno.TcpConn, {
        hostname: "127.0.0.1",
        caCerts: [certs.caPem],
      });
      const r = await c.cmd("PWD");
      assert.equal(r.code, 530, "the injected USER/PASS must not have logged us in");
    } catch {
      upgraded = false; // a handshake spoiled by the injected bytes is also a safe outcome
    }
    await assert.rejects(() => t.ep.stat("injected"));
    console.log(
      `handshake after injection: ${upgraded ? "succeeded, injection dropped" : "failed"}`,
    );
  },
);

peerTest("TLS handshakes time out (implicit and after AUTH TLS)", ["openssl"], async () => {
  const certs = await testCertificates();
  const tls = { cert: certs.good.cert, key: certs.good.key };
  await using imp = await testServer({ tls, implicitTls: true, tlsHandshakeTimeoutMs: 200 });
  await using c = await Ctl.connect(imp.port, { banner: false });
  assert.ok(await c.closedByServer(3000));
  await using exp = await testServer({ tls, tlsHandshakeTimeoutMs: 200 });
  await using d = await Ctl.connect(exp.port);
  assert.equal((await d.cmd("AUTH TLS")).code, 234);
  assert.ok(await d.closedByServer(3000));
});

peerTest("tlsControlRequired and tlsDataRequired; PBSZ/PROT sequencing", ["openssl"], async () => {
  const certs = await testCertificates();
  await using t = await testServer({
    tls: { cert: certs.good.cert, key: certs.good.key },
    tlsControlRequired: true,
    tlsDataRequired: true,
  });
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.cmd("USER bob")).code, 550);
  assert.equal((await c.cmd("PBSZ 0")).code, 503);
  await c.startTls([certs.caPem]);
  assert.equal((await c.login("bob", "pw")).code, 230);
  assert.equal((await c.cmd("EPSV")).code, 550);
  assert.equal((await c.cmd("PROT P")).code, 503, "PBSZ first");
  assert.equal((await c.cmd("PBSZ 0")).code, 200);
  assert.equal((await c.cmd("PROT S")).code, 536);
  assert.equal((await c.cmd("PROT P")).code, 200);
  assert.equal((await c.cmd("AUTH TLS")).code, 503);
  const r = await c.cmd("EPSV");
  assert.equal(r.code, 229);
  const port = Number(/\|\|\|(\d+)\|/.exec(r.text)![1]);
  const data = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [certs.caPem] });
  assert.equal((await c.cmd("NLST")).code, 125);
  assert.equal(dec.decode(await readAll(data)), "pub\r\n");
  assert.equal((await c.reply()).code, 226);
});

peerTest(
  "requireTlsSessionReuse: a data connection with a fresh TLS session gets 522",
  ["openssl"],
  async () => {
    const certs = await testCertificates();
    await using t = await testServer({
      tls: { cert: certs.good.cert, key: certs.good.key },
      requireTlsSessionReuse: true,
    });
    await using c = await Ctl.connect(t.port);
    await c.startTls([certs.caPem]);
    await c.login("bob", "pw");
    await c.cmd("PBSZ 0");
    await c.cmd("PROT P");
    const r = await c.cmd("EPSV");
    const port = Number(/\|\|\|(\d+)\|/.exec(r.text)![1]);
    // Deno's client never resumes a session (FACTS.md), so this is the refused case.
    const data = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [certs.caPem] });
    assert.equal((await c.cmd("NLST")).code, 125);
    assert.equal((await c.reply()).code, 522);
    await readAll(data).catch(() => {});
  },
);

// ferry serve over an FTP server that shows links in its MLSD (ProFTPD, Pure-FTPd): the jail
// follows them itself, as on a local disk; the server behind would follow one out of the home.
for (
  const [peer, start] of [["proftpd", startProftpd], ["pureftpd", startPureFtpd]] as const
) {
  peerTest(`${peer} behind ferry serve: links leaving the home are refused`, [peer], async () => {
    await using backend = await start();
    await Deno.writeTextFile(`${backend.root}/secret.txt`, "top secret");
    await Deno.mkdir(`${backend.root}/home`);
    await Deno.writeTextFile(`${backend.root}/home/ok.txt`, "fine");
    await Deno.symlink("../secret.txt", `${backend.root}/home/up`);
    await Deno.symlink("ok.txt", `${backend.root}/home/inside`);
    const chown = ["-R", "-h", "--reference", backend.root, backend.root];
    await new Deno.Command("chown", { args: chown }).output();
    const endpoint = await FtpEndpoint.open(`ftp://${backend.host}:${backend.port}/`, {
      credentials: { user: backend.user, password: backend.password },
      timeout: 10,
    });
    const auth = new VirtualAuthorizer().addUser("u", {
      password: "pw",
      home: "home",
      perm: "elr",
    });
    const srv = await startFtpServer({ endpoint, authorizer: auth, port: 0 });
    try {
      await using c = await Ctl.connect(srv.port);
      await c.login("u", "pw");
      await c.cmd("TYPE I");
      assert.equal((await c.cmd("SIZE up")).code, 550);
      assert.equal((await c.cmd("SIZE inside")).text, "4");
    } finally {
      await srv.close();
      await endpoint.close();
    }
  });
}
