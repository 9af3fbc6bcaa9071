/**
 * The UFTPD at the wire: its login rules (secrets used once unless
 * persistent, expired after 300 s unused, only from the registered address,
 * nothing but USER/SYST before login), the jail, the dialect's replies
 * (RANG, ALLO, KEEP-ALIVE, NOOP n, MLSD local time, STAT, HASH, MFMT, no reply
 * to QUIT) and the command port's real message.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import { FtpClient, type FtpError } from "../../ftp.ts";
import {
  authenticate,
  type AuthRequestOptions,
  openUftpSession,
  sendTransferRequest,
  type UftpGrant,
  uftpHash,
} from "../../plugins/uftp/mod.ts";
import { peerTest } from "../peers/skip.ts";
import { startTestSite, type TestSite } from "./_site.ts";

const demo = { kind: "password", user: "demouser", password: "test123" } as const;

function grant(site: TestSite, request: Partial<AuthRequestOptions> = {}): Promise<UftpGrant> {
  return authenticate(site.stack.authUrl, "TEST", demo, { baseDir: "/data", ...request }, {
    ca: site.ca,
  });
}

/** A raw control connection: lines in, lines out, LF endings seen as they are. */
async function raw(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let buffer = "";
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  socket.on("data", (c: Uint8Array) => {
    buffer += new TextDecoder().decode(c);
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      lines.push(buffer.slice(0, nl + 1));
      buffer = buffer.slice(nl + 1);
    }
    waiters.splice(0).forEach((w) => w());
  });
  socket.on("close", () => {
    ended = true;
    waiters.splice(0).forEach((w) => w());
  });
  return {
    send: (line: string) => void socket.write(`${line}\r\n`),
    /** The next line with its line end, or null once the server closed. */
    async line(): Promise<string | null> {
      while (lines.length === 0 && !ended) await new Promise<void>((r) => waiters.push(r));
      return lines.shift() ?? null;
    },
    close: () => socket.destroy(),
  };
}

peerTest("uftpd: strict login, LF replies, and no reply to QUIT", ["openssl"], async () => {
  await using site = await startTestSite();
  const port = site.stack.uftpd.port;
  const a = await raw(port);
  assert.match((await a.line())!, /^220 UFTPD .*, https:\/\/www\.unicore\.eu\n$/);
  a.send("FEAT"); // FEAT before login ends the session
  assert.equal(await a.line(), "500 Protocol error\n");
  assert.equal(await a.line(), null);

  const b = await raw(port);
  await b.line();
  b.send("SYST");
  assert.equal(await b.line(), "215 Unix Type: L8\n");
  b.send("USER bob");
  assert.equal(await b.line(), "500 Protocol error\n");
  assert.equal(await b.line(), null);

  const g = await grant(site);
  const c = await raw(port);
  await c.line();
  c.send("USER anonymous");
  assert.equal(await c.line(), "331 Please specify the password\n");
  c.send(`PASS ${g.secret}`);
  assert.equal(await c.line(), "230 Login successful\n");
  c.send("PWD");
  assert.equal(await c.line(), '257 "/data"\n');
  c.send("QUIT");
  assert.equal(await c.line(), null); // closed without a 221
  assert.equal(site.stack.uftpd.jobs.size, 0, "the job went with its only session");
});

peerTest("uftpd: a non-persistent secret serves one session; a persistent one several", [
  "openssl",
], async () => {
  await using site = await startTestSite();
  const g = await grant(site);
  const first = await openUftpSession(g);
  await assert.rejects(openUftpSession(g), (e: FtpError) => {
    assert.match(e.message, /Session for these credentials is already running/);
    assert.doesNotMatch(e.message, new RegExp(g.secret));
    return true;
  });
  await first.quit();
  // Used once and ended: the secret is gone.
  await assert.rejects(openUftpSession(g), /530 Not logged in: no matching transfer request/);

  const p = await grant(site, { persistent: true });
  const [x, y] = await Promise.all([openUftpSession(p), openUftpSession(p)]);
  assert.equal(await x.pwd(), "/");
  await Promise.all([x.quit(), y.quit()]);
});

peerTest(
  "uftpd: a secret nobody used expires after 300 s (injected clock)",
  ["openssl"],
  async () => {
    let now = Date.UTC(2026, 0, 1);
    await using site = await startTestSite({ now: () => now });
    const kept = await grant(site);
    const expired = await grant(site);
    now += 299_000;
    const session = await openUftpSession(kept); // still valid at 299 s
    now += 2_000;
    await assert.rejects(
      openUftpSession(expired),
      /530 Not logged in: no matching transfer request/,
    );
    // A session in use keeps its job alive past the 300 s.
    assert.equal(await session.pwd(), "/");
    await session.quit();
  },
);

peerTest("uftpd: a login from another address than the registered one is refused", [
  "openssl",
], async () => {
  await using site = await startTestSite();
  const g = await grant(site, { client: "10.9.8.7" });
  await assert.rejects(
    openUftpSession(g),
    /Rejecting connection for 'demouser' from 127\.0\.0\.1, allowed: \['10\.9\.8\.7'\]/,
  );
  const ok = await grant(site, { client: "10.9.8.7, 127.0.0.1" });
  await (await openUftpSession(ok)).quit();
});

peerTest("uftpd: the session is jailed in its base directory", ["openssl"], async () => {
  await using site = await startTestSite();
  await Deno.writeTextFile(`${site.root}/secret.txt`, "outside");
  await Deno.mkdir(`${site.root}/data2`);
  await Deno.writeTextFile(`${site.root}/data/in.txt`, "inside");
  await Deno.symlink(`${site.root}/secret.txt`, `${site.root}/data/link`);
  const g = await grant(site);
  const client = await FtpClient.connect({ host: g.serverHost, port: g.serverPort });
  await client.login("anonymous", g.secret);
  try {
    for (const path of ["../secret.txt", "/secret.txt", "/data/../secret.txt", "/data2/x"]) {
      await assert.rejects(client.retrieve(path), (e: FtpError) => {
        assert.equal(e.ftpCode, 534, path);
        assert.match(e.message, /Forbidden: .* not in \/data/);
        return true;
      });
    }
    await assert.rejects(client.cwd(".."), /534/);
    await assert.rejects(client.cdup(), /already at base directory/);
    await assert.rejects(client.mkd("../evil"), /534/);
    // A link leading out is refused by the endpoint underneath.
    await assert.rejects(client.retrieve("link"), /534 .*symlink leads out/);
    assert.equal(await new Response(await client.retrieve("/data/in.txt")).text(), "inside");
  } finally {
    client.close();
  }
});

peerTest(
  "uftpd: RANG, ALLO, KEEP-ALIVE, STAT, MLSD local time, HASH, MFMT",
  ["openssl"],
  async () => {
    await using site = await startTestSite({ utcOffset: () => 60 });
    const data = "0123456789abcdef";
    await Deno.writeTextFile(`${site.root}/data/f.txt`, data);
    await Deno.utime(`${site.root}/data/f.txt`, 0, new Date("2024-01-02T03:04:05Z"));
    const g = await grant(site);
    const c = await FtpClient.connect({ host: g.serverHost, port: g.serverPort });
    await c.login("anonymous", g.secret);
    try {
      const feat = await c.features();
      assert.ok(feat.has("RANG") && feat.has("MLST") && feat.has("HASH"));
      assert.equal((await c.sendcmd("NOOP 9")).text, "Opening 4 data connections"); // capped: 223
      assert.equal((await c.sendcmd("NOOP 1")).code, 222);
      // RANG's end is exclusive.
      const part = await c.retrieve("f.txt", { before: ["RANG 2 5"] });
      assert.equal(await new Response(part).text(), "234");
      assert.equal((await c.sendcmd("RANG 1 0")).text, "Resetting range");
      // STAT N: epoch milliseconds; MLSD/MLST: server-local time (+01:00 here).
      const stat = await c.sendcmd("STAT N .");
      assert.deepEqual(stat.lines, [
        "211- Sending file list",
        ` -rw- 16 ${Date.UTC(2024, 0, 2, 3, 4, 5)} f.txt`,
        "211 End of file list",
      ]);
      const mlst = await c.sendcmd("MLST f.txt");
      assert.match(
        mlst.lines[1],
        /^ size=16;modify=20240102040405;type=file;perm=rw;UNIX\.mode=100644; f\.txt$/,
      );
      // HASH honours RANG: bytes 2..5.
      const h = await uftpHash(c, "f.txt", "SHA-256", { offset: 2, length: 4 });
      assert.equal(h.hash, createHash("sha256").update("2345").digest("hex"));
      assert.deepEqual([h.first, h.last], [2, 5]);
      // MFMT takes local time.
      await c.voidcmd("MFMT 20200101010000 f.txt");
      assert.equal(
        (await Deno.stat(`${site.root}/data/f.txt`)).mtime?.toISOString(),
        "2020-01-01T00:00:00.000Z",
      );
    } finally {
      c.close();
    }

    // KEEP-ALIVE: one data connection carries two transfers; ALLO bounds the upload.
    const k = await grant(site);
    const s = await raw(k.serverPort);
    await s.line();
    s.send("USER anonymous");
    await s.line();
    s.send(`PASS ${k.secret}`);
    await s.line();
    s.send("KEEP-ALIVE true");
    assert.equal(await s.line(), "200 OK\n");
    s.send("EPSV");
    const port = Number(/\|\|\|(\d+)\|/.exec((await s.line())!)![1]);
    const dataSocket = net.connect({ host: "127.0.0.1", port });
    let received = "";
    const fiveBytes = new Promise<string>((resolve) =>
      dataSocket.on("data", (chunk: Uint8Array) => {
        received += new TextDecoder().decode(chunk);
        if (received.length >= 5) resolve(received);
      })
    );
    await new Promise((r) => dataSocket.once("connect", r));
    s.send("ALLO 5");
    assert.equal(await s.line(), "200 OK Will read up to 5 bytes from data connection.\n");
    s.send("STOR k.txt");
    assert.equal(await s.line(), "150 OK\n");
    dataSocket.write("hello");
    assert.equal(await s.line(), "226 File transfer successful\n");
    assert.equal(await Deno.readTextFile(`${site.root}/data/k.txt`), "hello");
    s.send("RETR k.txt");
    assert.equal(await s.line(), "150 OK 5 bytes available for reading.\n");
    assert.equal(await s.line(), "226 File transfer successful\n");
    assert.equal(await fiveBytes, "hello");
    assert.equal(dataSocket.destroyed, false, "the data connection stayed open");
    s.send("QUIT");
    assert.equal(await s.line(), null);
    dataSocket.destroy();
  },
);

peerTest("uftpd: the command port speaks the real message", ["openssl"], async () => {
  await using site = await startTestSite();
  const { commandHost, commandPort, port } = site.stack.uftpd;
  const request = {
    clientIps: ["127.0.0.1"],
    user: "demouser",
    secret: "abcdefghijklmnopqrst",
    persistent: false,
    file: "/data/",
    streams: 1,
    compress: false,
  };
  assert.deepEqual(await sendTransferRequest(commandHost, commandPort, request), {
    ok: true,
    port,
  });
  assert.deepEqual(await sendTransferRequest(commandHost, commandPort, request), {
    ok: false,
    message: "Duplicate secret - this is not allowed.",
  });
  assert.deepEqual(
    await sendTransferRequest(commandHost, commandPort, { ...request, secret: "x2", key: "AAAA" }),
    { ok: false, message: "Encrypted connections are not supported by this UFTPD server." },
  );
  // The registered secret logs in.
  await (await openUftpSession({
    serverHost: "127.0.0.1",
    serverPort: port,
    secret: request.secret,
  }))
    .quit();
});
