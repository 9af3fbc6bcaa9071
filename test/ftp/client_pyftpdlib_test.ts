/**
 * The wire client against a real pyftpdlib: every command of the issue, both
 * data connection modes, resume, hashes, and a 100 MiB round trip by hash.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FtpClient } from "../../ftp/client.ts";
import {
  CommandNotImplementedError,
  FtpPermanentError,
  FtpTemporaryError,
} from "../../ftp/errors.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";

const text = (s: string) => new TextEncoder().encode(s);

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function put(ftp: FtpClient, path: string, data: Uint8Array, offset?: number) {
  const writable = await ftp.store(path, { offset });
  await new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeTo(writable);
}

peerTest("client: login, pwd, mkd/cwd/cdup/rmd, store/retrieve, rename, delete", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    assert.match(ftp.welcome, /./);
    await ftp.login(peer.user, peer.password);
    assert.equal(await ftp.pwd(), "/");
    assert.equal(await ftp.mkd('dir "quoted" x'), '/dir "quoted" x');
    await ftp.cwd('dir "quoted" x');
    assert.equal(await ftp.pwd(), '/dir "quoted" x');
    await ftp.cdup();
    assert.equal(await ftp.pwd(), "/");
    await ftp.rmd('dir "quoted" x');

    await put(ftp, "hello.txt", text("hello world"));
    assert.equal(await Deno.readTextFile(join(peer.root, "hello.txt")), "hello world");
    assert.equal(
      new TextDecoder().decode(await collect(await ftp.retrieve("hello.txt"))),
      "hello world",
    );
    assert.equal(await ftp.size("hello.txt"), 11);
    await ftp.rename("hello.txt", "renamed.txt");
    assert.deepEqual(await ftp.nlst(), ["renamed.txt"]);
    await ftp.delete("renamed.txt");
    assert.deepEqual(await ftp.nlst(), []);
    await assert.rejects(ftp.delete("missing"), FtpPermanentError);
    await assert.rejects(ftp.retrieve("missing"), (e: FtpPermanentError) => e.ftpCode === 550);
    // The connection is still usable after errors.
    await ftp.noop();
  } finally {
    await ftp.quit();
  }
});

peerTest("client: LIST, MLSD, MLST (root too), MDTM, MFMT, SITE CHMOD, FEAT, HASH", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  await Deno.mkdir(join(peer.root, "sub"));
  await Deno.writeTextFile(join(peer.root, "sub", "a file.txt"), "abc");
  await Deno.writeTextFile(join(peer.root, ".hidden"), "h");
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    const features = await ftp.features();
    assert.ok(features.has("MLST"));
    assert.ok(features.has("UTF8"));

    const listed = await ftp.list();
    assert.deepEqual(listed.map((e) => [e.name, e.type]).sort(), [[".hidden", "file"], [
      "sub",
      "dir",
    ]]);
    // pyftpdlib lists dot files with or without -a; vsftpd's test checks the switch.
    assert.equal((await ftp.list("", { hidden: false })).length, 2);
    const [file] = await ftp.mlsd("sub");
    assert.equal(file.name, "a file.txt");
    assert.equal(file.size, 3);
    assert.equal(file.precision, 1000);

    const root = await ftp.mlst("/");
    assert.equal(root.type, "dir");
    const when = new Date("2020-05-06T07:08:09Z");
    await ftp.mfmt("sub/a file.txt", when);
    assert.equal((await ftp.mdtm("sub/a file.txt")).toISOString(), when.toISOString());
    const stat = await Deno.stat(join(peer.root, "sub", "a file.txt"));
    assert.equal(stat.mtime?.toISOString(), when.toISOString());

    await ftp.chmod("sub/a file.txt", 0o600);
    assert.equal((await Deno.stat(join(peer.root, "sub", "a file.txt"))).mode! & 0o777, 0o600);

    const lines = await ftp.retrlines("LIST sub");
    assert.equal(lines.length, 1);
    assert.match(lines[0], /a file\.txt$/);
    // pyftpdlib 1.5.7 has no HASH/XMD5: the client says so with a typed error.
    await assert.rejects(ftp.hash("sub/a file.txt"), CommandNotImplementedError);
    await assert.rejects(ftp.sendcmd("XYZZY"), CommandNotImplementedError);
  } finally {
    await ftp.quit();
  }
});

peerTest("client: REST resume of retrieve and store, APPE, STOU", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib();
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    await put(ftp, "r.bin", text("0123456789"));
    const tail = await collect(await ftp.retrieve("r.bin", { offset: 6 }));
    assert.equal(new TextDecoder().decode(tail), "6789");
    await put(ftp, "r.bin", text("ABCD"), 4);
    assert.equal(await Deno.readTextFile(join(peer.root, "r.bin")), "0123ABCD89");
    const appe = await ftp.store("r.bin", { append: true });
    await new Blob([text("++")]).stream().pipeTo(appe);
    assert.equal(await Deno.readTextFile(join(peer.root, "r.bin")), "0123ABCD89++");
    const unique = await ftp.storeUnique();
    await new Blob([text("u")]).stream().pipeTo(unique.stream);
    assert.ok(unique.name, "STOU names the file");
    assert.equal(await Deno.readTextFile(join(peer.root, unique.name!.replace(/^\//, ""))), "u");
  } finally {
    await ftp.quit();
  }
});

peerTest(
  "client: active mode (EPRT) and PASV fallback when EPSV is off",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib();
    await Deno.writeTextFile(join(peer.root, "x.txt"), "active");
    for (const options of [{ passive: false }, { epsv: false }]) {
      const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, ...options });
      try {
        await ftp.login(peer.user, peer.password);
        assert.equal(
          new TextDecoder().decode(await collect(await ftp.retrieve("x.txt"))),
          "active",
        );
        assert.deepEqual(await ftp.nlst(), ["x.txt"]);
      } finally {
        await ftp.quit();
      }
    }
  },
);

peerTest("client: progress callback and cancelling a download keeps the session usable", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const data = new Uint8Array(8 * 1024 * 1024).fill(7);
  await Deno.writeFile(join(peer.root, "big.bin"), data);
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    let seen = 0;
    const stream = await ftp.retrieve("big.bin", { onProgress: (n) => seen = n });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    assert.ok(seen > 0 && seen < data.length);
    await ftp.noop();
    let total = 0;
    const full = await ftp.retrieve("big.bin", { onProgress: (n) => total = n });
    assert.equal((await collect(full)).length, data.length);
    assert.equal(total, data.length);
  } finally {
    await ftp.quit();
  }
});

peerTest("client: 100 MiB round trip compared by SHA-256", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib();
  const size = 100 * 1024 * 1024;
  const chunk = new Uint8Array(1024 * 1024);
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 30_000 });
  try {
    await ftp.login(peer.user, peer.password);
    const sent = createHash("sha256");
    let n = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (n >= size) return controller.close();
        crypto.getRandomValues(chunk.subarray(0, 65536));
        const piece = chunk.slice();
        sent.update(piece);
        n += piece.length;
        controller.enqueue(piece);
      },
    });
    await source.pipeTo(await ftp.store("big.bin"));
    assert.equal((await Deno.stat(join(peer.root, "big.bin"))).size, size);
    const received = createHash("sha256");
    for await (const piece of await ftp.retrieve("big.bin")) received.update(piece);
    assert.equal(received.digest("hex"), sent.digest("hex"));
  } finally {
    await ftp.quit();
  }
});

peerTest("client: 4xx and 5xx become typed errors with code and text", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib();
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port });
  try {
    await assert.rejects(ftp.login(peer.user, "wrong"), (e: FtpPermanentError) => {
      assert.equal(e.ftpCode, 530);
      assert.ok(!e.message.includes("wrong"), "password not in the message");
      return true;
    });
    await ftp.login(peer.user, peer.password);
    await assert.rejects(ftp.cwd("nope"), FtpPermanentError);
    // REST with a bad argument: 501, a permanent error, not a hang.
    await assert.rejects(ftp.sendcmd("REST abc"), FtpPermanentError);
    assert.ok(!(new FtpTemporaryError("x") instanceof FtpPermanentError));
  } finally {
    await ftp.quit();
  }
});

peerTest("client: a download and a listing asked for at once each get their own TYPE", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    // Bare LFs: in ASCII mode the server would send CRLFs, and the file would grow.
    const data = text("one\ntwo\nthree\n".repeat(1000));
    await put(ftp, "lines.txt", data);
    for (let i = 0; i < 5; i++) {
      const [got, listing] = await Promise.all([
        ftp.retrieve("lines.txt").then(collect),
        ftp.listLines(""),
        ftp.size("lines.txt"),
      ]);
      assert.deepEqual(got, data);
      assert.ok(listing.some((l) => l.endsWith("lines.txt")));
    }
  } finally {
    await ftp.quit();
  }
});
