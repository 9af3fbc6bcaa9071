/**
 * The self-hosted auth service at the HTTP level: the info document, server
 * name suffixes, what each refusal looks like to the client (wrong key, an
 * expired JWT, a group the user does not have, a UFTPD that is down or
 * refuses), and sessions ferry refuses itself (compression, encryption).
 */
import assert from "node:assert/strict";
import { signJwt } from "../../plugins/uftp/jwt.ts";
import {
  authenticate,
  fetchInfo,
  loadPrivateKey,
  openUftpSession,
  selfSignedToken,
  UftpAuthError,
  UftpEndpoint,
  UftpUnsupportedError,
} from "../../plugins/uftp/mod.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import { peerTest } from "../peers/skip.ts";
import { startScriptedServer } from "../peers/scripted.ts";
import { fixture, startTestSite, type TestSite } from "./_site.ts";

const demo = { kind: "password", user: "demouser", password: "test123" } as const;

async function refusal(p: Promise<unknown>): Promise<UftpAuthError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof UftpAuthError, String(error));
    return error;
  }
  throw new Error("expected a refusal");
}

const ask = (
  site: TestSite,
  url: string,
  credential: Parameters<typeof authenticate>[2],
  request = {},
) => authenticate(url, "TEST", credential, { baseDir: "/data", ...request }, { ca: site.ca });

peerTest("auth service: the info document, for users and for anonymous", ["openssl"], async () => {
  await using site = await startTestSite();
  const info = await fetchInfo(site.stack.auth.url, demo, { ca: site.ca });
  assert.deepEqual(info.servers.map((s) => s.name), ["TEST"]);
  assert.equal(info.servers[0].href, `${site.stack.auth.url}/TEST`);
  assert.deepEqual(info.servers[0].availableGroups, ["users", "hpc1"]);
  assert.equal((info.client?.role as { selected: string }).selected, "user");
  const anonymous = await fetchInfo(site.stack.auth.url, { kind: "anonymous" }, { ca: site.ca });
  assert.equal((anonymous.client?.role as { selected: string }).selected, "anonymous");
  assert.equal(
    (await refusal(fetchInfo(site.stack.auth.url, { ...demo, password: "x" }, { ca: site.ca })))
      .status,
    401,
  );
});

peerTest("auth service: NAME-N picks an instance; groups are checked", ["openssl"], async () => {
  await using site = await startTestSite();
  const one = await ask(site, `${site.stack.authUrl}-1`, demo);
  await (await openUftpSession(one)).quit();
  const e = await refusal(ask(site, `${site.stack.authUrl}-9`, demo));
  assert.equal(e.failure, "unknown-server");
  await (await openUftpSession(await ask(site, site.stack.authUrl, demo, { group: "hpc1" })))
    .quit();
  const g = await refusal(ask(site, site.stack.authUrl, demo, { group: "wheel" }));
  assert.equal(g.status, 400);
  assert.match(g.message, /wheel/);
});

peerTest("auth service: JWTs are checked (key, expiry, sub = iss)", ["openssl"], async () => {
  let now = Date.UTC(2026, 0, 1);
  await using site = await startTestSite({ now: () => now });
  const key = loadPrivateKey(fixture("id_ecdsa"));
  const jwt = (claims: Record<string, unknown>) =>
    ({ kind: "token", token: signJwt(claims, key) }) as const;
  await ask(site, site.stack.authUrl, { kind: "key", user: "demouser", key }, {});
  // The Java client's own tokens look the same.
  const iat = now / 1000;
  await ask(
    site,
    site.stack.authUrl,
    jwt({ sub: "demouser", iss: "demouser", iat, exp: iat + 300 }),
  );
  const other = await refusal(
    ask(site, site.stack.authUrl, jwt({ sub: "demouser", iss: "someone", iat, exp: iat + 300 })),
  );
  assert.match(other.message, /sub must equal iss/);
  const token = selfSignedToken("demouser", key, { now: () => now });
  now += 301_000;
  const expired = await refusal(ask(site, site.stack.authUrl, { kind: "token", token }));
  assert.match(expired.message, /expired/);
  const stranger = loadPrivateKey(fixture("id_rsa_pem"));
  assert.equal(
    (await refusal(ask(site, site.stack.authUrl, { kind: "key", user: "demouser", key: stranger })))
      .status,
    401,
  );
});

peerTest(
  "auth service: a UFTPD that is down or refuses is a 500 that says so",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const refused = await refusal(
      authenticate(site.stack.authUrl, "TEST", demo, { baseDir: "/data", compress: true }, {
        ca: site.ca,
      }),
    );
    assert.equal(refused.failure, "uftpd-refused");
    assert.match(refused.message, /Compression is not supported/);
    await site.stack.uftpd.close();
    const down = await refusal(ask(site, site.stack.authUrl, demo));
    assert.equal(down.failure, "uftpd-unreachable");
    assert.equal(down.status, 500);
  },
);

peerTest("client: refuses compression and encrypted sessions cleanly", ["openssl"], async () => {
  await using site = await startTestSite();
  await assert.rejects(
    UftpEndpoint.open(`${site.uftpUrl}/data`, {
      credentials: { user: "demouser", password: "test123" },
      tls: { ca: site.ca },
      options: { compress: true },
    }),
    UftpUnsupportedError,
  );
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    await s.expect("USER anonymous");
    await s.send("331 Please specify the password\n");
    await s.expect("PASS ");
    await s.send("230 Login successful\n");
    await s.expect("FEAT");
    await s.send("211-Features:\n PASV\n EPSV\n CRYPTED-BLOWFISH\n211 END\n");
    // The time-shift probe, written with the login (see plugins/uftp/time.ts).
    await s.expect("STAT F .");
    await s.send("500 not here\n");
    await s.expect("MLST .");
    await s.send("500 not here\n");
    await s.readCommand();
  });
  await assert.rejects(
    openUftpSession({
      serverHost: "127.0.0.1",
      serverPort: server.port,
      secret: "abcdefghijklmnopqrst",
    }),
    (e: Error) => e instanceof UftpUnsupportedError && /CRYPTED-BLOWFISH/.test(e.message),
  );
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("openUftpSession: USER, PASS, FEAT and the time-shift probe leave in one write, before any reply", async () => {
  // The script reads all five lines before it answers anything: a client that waits for
  // the 331 (or the 230) before the next line runs into its deadline instead.
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    for (const line of ["USER anonymous", "PASS ", "FEAT", "STAT F .", "MLST ."]) {
      await s.expect(line);
    }
    await s.send("331 Please specify the password\n230 Login successful\n");
    await s.send("211-Features:\n PASV\n EPSV\n MLST\n211 END\n");
    await s.send("211-Sending file list\n -rw-r--r-- 1 u u 0 Dec  6 12:00 .\n211 End of list\n");
    await s.send("250- Listing .\n type=dir;modify=20261206120000; /data\n250 End\n");
    for (let line = await s.readCommand(); line !== null; line = await s.readCommand()) {
      if (line.startsWith("QUIT")) return;
    }
  });
  const client = await openUftpSession(
    { serverHost: "127.0.0.1", serverPort: server.port, secret: "abcdefghijklmnopqrst" },
    { timeoutMs: 5_000 },
  );
  assert.ok((await client.features()).has("EPSV"));
  await client.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

/** Takes nothing but QUIT (and the session's empty ACK nudges). */
async function quitNext(s: { readCommand(): Promise<string | null> }): Promise<void> {
  for (let line = await s.readCommand(); line !== null; line = await s.readCommand()) {
    if (line.startsWith("QUIT")) return;
    if (line.trim() !== "") throw new Error(`asked again: ${line}`);
  }
}

Deno.test("openUftpSession: a get's MLST and TYPE I go in the login's write; the session's stat of it asks nothing more", async () => {
  // The script reads all seven lines before it answers, and then takes nothing but QUIT:
  // an MLST or TYPE asked on its own round trip is an error.
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    const login = ["USER anonymous", "PASS ", "FEAT", "STAT F .", "MLST .", "MLST a b.bin"];
    for (const line of [...login, "TYPE I"]) await s.expect(line);
    await s.send("331 Please specify the password\n230 Login successful\n");
    await s.send("211-Features:\n PASV\n EPSV\n MLST\n211 END\n");
    await s.send("211-Sending file list\n -rw-r--r-- 1 u u 0 Dec  6 12:00 .\n211 End of list\n");
    await s.send("250- Listing .\n type=dir;modify=20261206120000; /data\n250 End\n");
    await s.send(
      "250- Listing a b.bin\n type=file;size=42;modify=20261206120000; a b.bin\n250 End\n",
    );
    await s.send("200 OK\n");
    await quitNext(s);
  });
  const client = await openUftpSession(
    { serverHost: "127.0.0.1", serverPort: server.port, secret: "abcdefghijklmnopqrst" },
    { timeoutMs: 5_000, statAhead: "/a b.bin" },
  );
  const entry = await client.mlst("/a b.bin");
  assert.equal(entry.size, 42);
  await client.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("openUftpSession: a missing file's MLST, answered in the login, is the same refusal", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    for (const line of ["USER anonymous", "PASS ", "FEAT", "STAT F .", "MLST .", "MLST gone"]) {
      await s.expect(line);
    }
    await s.expect("TYPE I");
    await s.send("331 Please specify the password\n230 Login successful\n");
    await s.send("211-Features:\n PASV\n EPSV\n MLST\n211 END\n");
    await s.send("500 not here\n500 not here\n");
    await s.send("550 Directory/file does not exist or cannot be accessed!\n200 OK\n");
    await quitNext(s);
  });
  const client = await openUftpSession(
    { serverHost: "127.0.0.1", serverPort: server.port, secret: "abcdefghijklmnopqrst" },
    { timeoutMs: 5_000, statAhead: "/gone" },
  );
  await assert.rejects(() => client.mlst("/gone"), FtpPermanentError);
  await client.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("openUftpSession: the first download's EPSV and RETR leave in one write", async () => {
  // The script reads RETR before it answers EPSV: a client that waits for the 229 first
  // runs into its deadline instead.
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    for (const line of ["USER anonymous", "PASS ", "FEAT", "STAT F .", "MLST ."]) {
      await s.expect(line);
    }
    await s.send("331 Please specify the password\n230 Login successful\n");
    await s.send("211-Features:\n PASV\n EPSV\n MLST\n211 END\n500 not here\n500 not here\n");
    for (let line = await s.readCommand(); line !== "EPSV"; line = await s.readCommand()) {
      if (line === null) throw new Error("no EPSV");
      if (line !== "TYPE I" && line.trim() !== "") throw new Error(`unexpected: ${line}`);
      if (line === "TYPE I") await s.send("200 OK\n");
    }
    await s.expect("RETR a.bin");
    const pasv = await s.openPassive();
    await s.send(`${pasv.epsvReply()}\n`);
    const data = await pasv.accept();
    await s.send("150 OK 5 bytes available for reading.\n");
    await data.write("hello");
    await data.close();
    await pasv.close();
    await s.send("226 File transfer successful\n");
    await quitNext(s);
  });
  const client = await openUftpSession(
    { serverHost: "127.0.0.1", serverPort: server.port, secret: "abcdefghijklmnopqrst" },
    { timeoutMs: 5_000 },
  );
  const stream = await client.retrieve("a.bin");
  assert.equal(await new Response(stream).text(), "hello");
  await client.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});
