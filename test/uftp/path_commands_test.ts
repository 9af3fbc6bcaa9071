/**
 * Every command the UFTP dialect sends with a path, on names with a space,
 * `*`, `[`, `?`, a leading `-`, unicode, a tab, two spaces, and white space
 * at either end, on the REAL UFTPD and on ferry's own: mkdir, an upload with
 * its mtime, a resumable upload cut and resumed (RANG + STOR on the partial),
 * stat (a fresh one: MLST, as FEAT lists no SIZE), list (MLSD and
 * LIST), a read, a ranged read and a read from an offset (RANG), the FTP
 * endpoint's read into a buffer (`retrieveSource`), hash, chmod, setMtime, rename,
 * chdir in and out, remove and rmdir. Each name lives in a directory of the
 * same kind of name, beside a plain file its glob or first word would match.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { startTestSite } from "./_site.ts";

/** The odd names: each is a directory's and a file's (with `.bin` after it). */
const NAMES = [
  "sp ace",
  "two  spaces",
  "st*r",
  "br[ack]et",
  "qu?estion",
  "-a",
  "-lead",
  "ünï cödé 二",
  "t\tab",
  " lead",
  "tail ",
  " both ",
];

const WHEN = new Date("2023-05-06T07:08:09Z");

function bytesOf(name: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const seed = new TextEncoder().encode(name);
  for (let i = 0; i < size; i++) out[i] = (seed[i % seed.length] + i * 7) & 255;
  return out;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Writes `bytes` to `path`, resumable, and aborts after `cut` of them: the partial stays. */
async function cutWrite(ep: UftpEndpoint, path: string, bytes: Uint8Array, cut: number) {
  const writer = (await ep.write(path, { resumable: true })).getWriter();
  await writer.write(bytes.subarray(0, cut));
  await writer.abort(new Error("cut on purpose"));
}

async function oneName(ep: UftpEndpoint, served: string, name: string): Promise<void> {
  const dir = `odd/${name}`;
  // White space that ends the name ends the file's name too (`tail .bin `).
  const base = `${name}.bin${/\s*$/.exec(name)![0]}`;
  const file = `${dir}/${base}`;
  const bytes = bytesOf(name, 70_000);
  await ep.mkdir(dir);
  // A plain neighbour that a glob, a first word or a stripped name would hit instead.
  const decoy = `${dir}/${name.trim().split(/\s/)[0].replace(/[*?[\]]/g, "") || "x"}`;
  {
    const w = (await ep.write(decoy)).getWriter();
    await w.write(new TextEncoder().encode("decoy"));
    await w.close();
  }
  // Resumable upload cut at 30 000 bytes, then resumed from the partial's size.
  await cutWrite(ep, file, bytes, 30_000);
  const partial = `${dir}/.${base}.ferry.part`;
  assert.equal((await ep.stat(partial, { fresh: true })).size, 30_000, `${name}: partial kept`);
  const rest = (await ep.write(file, { offset: 30_000, size: bytes.length, mtime: WHEN }))
    .getWriter();
  await rest.write(bytes.subarray(30_000));
  await rest.close();
  const local = join(served, file);
  assert.equal(sha256(await Deno.readFile(local)), sha256(bytes), `${name}: bytes`);
  assert.equal((await Deno.stat(local)).mtime?.toISOString(), WHEN.toISOString(), `${name}: mtime`);

  const st = await ep.stat(file, { fresh: true });
  assert.equal(st.size, bytes.length, `${name}: MLST size`);
  const listed = (await ep.list(dir)).map((s) => s.name).sort();
  assert.deepEqual(listed, [base, decoy.slice(dir.length + 1)].sort(), `${name}: MLSD`);
  const host = ep.inner.host;
  assert.deepEqual(
    (await host.listdir(`/${dir}`)).sort(),
    listed,
    `${name}: LIST`,
  );
  // FtpEndpoint.readDirect (FtpClient.retrieveSource): not the uftp:// endpoint's way, the client's.
  const source = await ep.inner.readDirect(file, { offset: 60_000 });
  const buffer = new Uint8Array(100_000);
  let got = 0;
  for (let n; (n = await source.readInto(buffer.subarray(got))) !== null;) got += n;
  assert.equal(sha256(buffer.subarray(0, got)), sha256(bytes.subarray(60_000)), `${name}: source`);
  assert.equal(sha256(await readAll(await ep.read(file))), sha256(bytes), `${name}: read`);
  const part = await readAll(await ep.readRange(file, 65_000, 4_000));
  assert.equal(sha256(part), sha256(bytes.subarray(65_000, 69_000)), `${name}: RANG`);
  const tail = await readAll(await ep.read(file, { offset: 69_000 }));
  assert.equal(sha256(tail), sha256(bytes.subarray(69_000)), `${name}: read from an offset`);
  assert.equal(await ep.hash(file, "sha-256"), sha256(bytes), `${name}: HASH`);
  await ep.chmod(file, 0o604);
  assert.equal((await Deno.stat(local)).mode! & 0o777, 0o604, `${name}: MFF`);
  const later = new Date(WHEN.getTime() + 86_400_000);
  await ep.setMtime(file, later);
  assert.equal((await Deno.stat(local)).mtime?.toISOString(), later.toISOString(), `${name}: MFMT`);

  // chdir into the name and back out: later paths still count from the base.
  await host.chdir(`/${dir}`);
  assert.deepEqual((await host.listdir(".")).sort(), listed, `${name}: listed from inside`);
  await host.chdir("/");

  const moved = `${dir}/${name} moved.bin`;
  await ep.rename(file, moved);
  assert.equal((await Deno.stat(join(served, moved))).size, bytes.length, `${name}: RNFR/RNTO`);
  await ep.remove(moved);
  await ep.remove(decoy);
  assert.deepEqual([...Deno.readDirSync(join(served, dir))], [], `${name}: DELE, nothing left`);
  await ep.rmdir(dir);
  await assert.rejects(Deno.stat(join(served, dir)), Deno.errors.NotFound, `${name}: RMD`);
}

interface Site {
  url: string;
  served: string;
  ca: string;
  user: string;
  password: string;
}

async function allNames(site: Site): Promise<void> {
  await Deno.mkdir(join(site.served, "odd"), { recursive: true });
  await chownForVsftpd(site.served);
  const ep = await UftpEndpoint.open(site.url, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
  });
  try {
    const failed: string[] = [];
    for (const name of NAMES) {
      await oneName(ep, site.served, name).catch((e) => {
        failed.push(`${JSON.stringify(name)}: ${e instanceof Error ? e.message : e}`);
      });
    }
    assert.deepEqual(failed, []);
    // `-a` at the base: LIST reads a lone `-a` as its option (the dialect sends `./-a`), MLSD not.
    await ep.mkdir("-a");
    const w = (await ep.write("-a/in.txt")).getWriter();
    await w.write(new TextEncoder().encode("in -a"));
    await w.close();
    assert.deepEqual((await ep.list("-a")).map((e) => e.name), ["in.txt"], "MLSD -a");
    assert.deepEqual(await ep.inner.host.listdir("/-a"), ["in.txt"], "LIST ./-a");
  } finally {
    await ep.close();
  }
}

peerTest("uftp path commands on odd names: the real UFTPD", ["uftpd", "openssl"], async () => {
  await using site = await startRealUftpd({ maxConnections: 64 });
  await allNames({ ...site, url: site.dataUrl, served: join(site.root, "data") });
});

peerTest("uftp path commands on odd names: ferry's own UFTPD", ["openssl"], async () => {
  await using site = await startTestSite();
  await allNames({
    url: `${site.uftpUrl}/data`,
    served: join(site.root, "data"),
    ca: site.ca,
    user: "demouser",
    password: "test123",
  });
});
