/**
 * End to end over loopback: uftp:// endpoints against the self-hosted stack,
 * with every kind of credential, hashes, ranged reads, resume, the time shift
 * of a server in another zone, and multi-stream transfers.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { collect, writeAll } from "../../plugin.ts";
import { UftpAuthError, UftpEndpoint, type UftpEndpointOptions } from "../../plugins/uftp/mod.ts";
import { peerTest } from "../peers/skip.ts";
import { releasesChunks } from "../../util/files.ts";
import { fixturePath, startTestSite, type TestSite, TOKEN } from "./_site.ts";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function open(site: TestSite, url: string, options: UftpEndpointOptions = {}) {
  return await UftpEndpoint.open(url, { tls: { ca: site.ca }, timeout: 10, ...options });
}

peerTest(
  "uftp e2e: password login, write, list, read, read from an offset",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const ep = await open(site, `${site.uftpUrl}/data`, {
      credentials: { user: "demouser", password: "test123" },
    });
    try {
      await writeAll(await ep.write("hello.txt"), text("hello world"));
      assert.equal(await Deno.readTextFile(`${site.root}/data/hello.txt`), "hello world");
      const list = await ep.list("");
      assert.deepEqual(list.map((s) => s.name), ["hello.txt"]);
      assert.equal(list[0].size, 11);
      assert.equal(str(await collect(await ep.read("hello.txt"))), "hello world");
      assert.equal(str(await collect(await ep.read("hello.txt", { offset: 6 }))), "world");
      assert.equal(str(await collect(await ep.readRange("hello.txt", 2, 3))), "llo");
    } finally {
      await ep.close();
    }
  },
);

peerTest("uftp e2e: every credential kind logs in; the URL's password unlocks an identity", [
  "openssl",
], async () => {
  await using site = await startTestSite({ anonymousUid: "nobody" });
  await Deno.writeTextFile(`${site.root}/data/f.txt`, "x");
  const tokenFile = await Deno.makeTempFile();
  await Deno.writeTextFile(tokenFile, `${TOKEN}\n`);
  Deno.env.set("FERRY_UFTP_TEST_TOKEN", TOKEN);
  const hostPart = site.uftpUrl.slice("uftp://".length);
  const urls: [string, UftpEndpointOptions][] = [
    [`uftp://demouser:test123@${hostPart}/data`, {}],
    [`uftp://demouser@${hostPart}/data`, { credentials: { password: "test123" } }],
    [`uftp://${hostPart}/data?token=${TOKEN}`, {}],
    [`uftp://${hostPart}/data?token=@${tokenFile}`, {}],
    [`uftp://${hostPart}/data?token=@@FERRY_UFTP_TEST_TOKEN`, {}],
    [`uftp://demouser:test123@${hostPart}/data?identity=${fixturePath("id_ed25519")}`, {}],
    [`uftp://demouser@${hostPart}/data?identity=${fixturePath("id_ecdsa")}`, {}],
    [`uftp://demouser@${hostPart}/data`, {
      credentials: { identity: fixturePath("id_rsa"), passphrase: "test123" },
    }],
    [`uftp://${hostPart}/data`, { credentials: { anonymous: true } }],
  ];
  try {
    for (const [url, options] of urls) {
      const ep = await open(site, url, options);
      try {
        assert.deepEqual((await ep.list("")).map((s) => s.name), ["f.txt"], url);
      } finally {
        await ep.close();
      }
    }
  } finally {
    Deno.env.delete("FERRY_UFTP_TEST_TOKEN");
    await Deno.remove(tokenFile);
  }
});

peerTest("uftp e2e: refusals say why (wrong password, unknown server, anonymous)", [
  "openssl",
], async () => {
  await using site = await startTestSite();
  const fails = async (url: string, options: UftpEndpointOptions, failure: string, re: RegExp) => {
    await assert.rejects(open(site, url, options), (e: Error) => {
      assert.ok(e instanceof UftpAuthError, String(e));
      assert.equal(e.failure, failure);
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /wrongpw|test123/);
      return true;
    });
  };
  await fails(
    `${site.uftpUrl}/data`,
    { credentials: { user: "demouser", password: "wrongpw" } },
    "unauthorized",
    /401/,
  );
  const other = site.uftpUrl.replace("/TEST:", "/NOPE:");
  await fails(
    `${other}/data`,
    { credentials: { user: "demouser", password: "test123" } },
    "unknown-server",
    /NOPE/,
  );
  await fails(`${site.uftpUrl}/data`, {}, "unauthorized", /anonymous/);
});

peerTest("uftp e2e: hash, resume with RANG, a server in +05:30", ["openssl"], async () => {
  await using site = await startTestSite({ utcOffset: () => 330 });
  const ep = await open(site, `${site.uftpUrl}/data`, {
    credentials: { user: "demouser", password: "test123" },
  });
  try {
    const data = new Uint8Array(randomBytes(50_000));
    await writeAll(await ep.write("r.bin"), data.subarray(0, 20_000));
    // Resume: continue the file itself at its size (RANG <size> ... + STOR).
    await writeAll(
      await ep.write("r.bin", { atomic: false, offset: 20_000 }),
      data.subarray(20_000),
    );
    assert.deepEqual(await Deno.readFile(`${site.root}/data/r.bin`), data);
    const sha = createHash("sha256").update(data).digest("hex");
    assert.equal(await ep.hash("r.bin", "sha-256"), sha);
    assert.equal(await ep.hash("r.bin", "md5"), createHash("md5").update(data).digest("hex"));
    assert.deepEqual(ep.capabilities().hashes, ["md5", "sha-1", "sha-256", "sha-512"]);
    assert.deepEqual(
      await collect(await ep.read("r.bin", { offset: 49_990 })),
      data.subarray(49_990),
    );
    // The MLSD times are +05:30 local; the measured shift makes them UTC again.
    assert.equal(ep.inner.host.timeShift(), 19_800);
    const when = new Date("2021-06-01T10:20:30Z");
    await ep.setMtime("r.bin", when);
    assert.equal((await Deno.stat(`${site.root}/data/r.bin`)).mtime?.getTime(), when.getTime());
    assert.equal((await ep.stat("r.bin")).mtime?.getTime(), when.getTime());
  } finally {
    await ep.close();
  }
});

peerTest(
  "uftp e2e: multi-stream uploads and downloads (NOOP n, framed blocks)",
  ["openssl"],
  async () => {
    await using site = await startTestSite({ maxStreams: 3 });
    for (const streams of [2, 4]) {
      const ep = await open(site, `${site.uftpUrl}/data`, {
        credentials: { user: "demouser", password: "test123" },
        options: { streams },
      });
      try {
        const data = new Uint8Array(randomBytes(1_000_003));
        await writeAll(await ep.write("m.bin"), data);
        assert.deepEqual(await Deno.readFile(`${site.root}/data/m.bin`), data);
        assert.deepEqual(await collect(await ep.read("m.bin")), data);
        assert.deepEqual(
          await collect(await ep.read("m.bin", { offset: 999_000 })),
          data.subarray(999_000),
        );
      } finally {
        await ep.close();
      }
    }
  },
);

peerTest(
  "uftp e2e: a single-stream upload sink releases its chunks on write (a writer may reuse one buffer); a multi-stream one does not",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const credentials = { user: "demouser", password: "test123" };
    for (const streams of [1, 2]) {
      const ep = await open(site, `${site.uftpUrl}/data`, { credentials, options: { streams } });
      try {
        const sink = await ep.write(`s${streams}.bin`);
        assert.equal(releasesChunks(sink), streams === 1, `${streams} streams`);
        // The writer's promise: the bytes of one reused buffer, filled twice, both arrive.
        const buffer = new Uint8Array(4);
        const writer = sink.getWriter();
        for (const byte of [1, 2]) {
          buffer.fill(byte);
          await writer.write(streams === 1 ? buffer : buffer.slice());
        }
        await writer.close();
        assert.deepEqual(
          await Deno.readFile(`${site.root}/data/s${streams}.bin`),
          new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2]),
        );
      } finally {
        await ep.close();
      }
    }
  },
);
