/**
 * Jobs over s3:// as whole `ferry` processes against s3rver, beyond mirror
 * (cli_test.ts): two-way sync with a dry run and the deletion guard,
 * upload-/download-if-newer, walk, and `--compare checksum`, which compares
 * a single-part object's ETag (its MD5) and says when a multipart object has
 * no MD5 to compare.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { openOn } from "./helpers.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { startS3rver } from "./s3rver.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** s3rver, a scratch directory, `ferry ...` with the AWS CLI's variables, a direct view. */
async function bucket(options: { awsMultipartEtags?: boolean } = {}) {
  const s3 = await startS3rver(options);
  const dir = await Deno.makeTempDir();
  const env = {
    ...s3.env,
  };
  const view = await openOn(s3);
  return {
    s3,
    dir,
    view,
    run: (...args: string[]) => ferry(args, { env, cwd: dir }),
    ok: async (...args: string[]) => {
      const r = await ferry(args, { env, cwd: dir });
      assert.equal(r.code, 0, `ferry ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
      return r;
    },
    text: async (key: string) => dec.decode(await collect(await view.read(key))),
    put: async (key: string, text: string, mtime?: Date) => {
      const parent = key.slice(0, key.lastIndexOf("/"));
      if (parent) await view.mkdir(parent, { parents: true });
      await writeAll(await view.write(key), enc.encode(text));
      if (mtime) await view.setMtime(key, mtime);
    },
    keys: async (prefix: string) => (await view.list(prefix)).map((s) => s.name).sort(),
    async [Symbol.asyncDispose]() {
      await view.close();
      await s3.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function local(path: string, text: string, mtime: Date): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, text);
  await Deno.utime(path, mtime, mtime);
}

const T2020 = new Date("2020-01-02T03:04:05Z");
const T2021 = new Date("2021-01-02T03:04:05Z");
const T2022 = new Date("2022-01-02T03:04:05Z");
const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test(
  "s3 jobs: two-way sync ./dir <-> s3://, a dry run, changes and deletions both ways, the deletion guard",
  opts,
  async () => {
    await using b = await bucket();
    const side = join(b.dir, "side");
    await local(join(side, "a.txt"), "a1", T2020);
    for (let i = 0; i < 4; i++) await local(join(side, "keep", `k${i}.txt`), `k${i}`, T2020);
    await b.put("sync/b.txt", "b1", T2020);
    await b.ok("sync", side, "s3://test/sync");
    assert.equal(await Deno.readTextFile(join(side, "b.txt")), "b1");
    assert.equal(await b.text("sync/a.txt"), "a1");
    assert.deepEqual(await b.keys("sync/keep"), ["k0.txt", "k1.txt", "k2.txt", "k3.txt"]);
    assert.equal((await Deno.stat(join(side, "b.txt"))).mtime?.toISOString(), T2020.toISOString());

    // A change on the local side, a deletion on the bucket's.
    await local(join(side, "a.txt"), "a2", T2021);
    await b.view.remove("sync/b.txt");
    const dry = await b.ok("sync", "-n", side, "s3://test/sync");
    assert.match(dry.stdout + dry.stderr, /a\.txt/);
    assert.equal(await b.text("sync/a.txt"), "a1", "a dry run uploads nothing");
    assert.equal(await Deno.readTextFile(join(side, "b.txt")), "b1", "a dry run deletes nothing");
    await b.ok("sync", side, "s3://test/sync");
    assert.equal(await b.text("sync/a.txt"), "a2");
    await assert.rejects(Deno.stat(join(side, "b.txt")), Deno.errors.NotFound);

    // Most of one side gone: refused without --force, and nothing deleted on the other side.
    for (let i = 0; i < 4; i++) await b.view.remove(`sync/keep/k${i}.txt`);
    const guarded = await b.run("sync", side, "s3://test/sync");
    assert.notEqual(guarded.code, 0, guarded.stdout + guarded.stderr);
    assert.match(guarded.stdout + guarded.stderr, /--force/);
    assert.equal([...Deno.readDirSync(join(side, "keep"))].length, 4);
    await b.ok("sync", "--force", side, "s3://test/sync");
    assert.deepEqual([...Deno.readDirSync(join(side, "keep"))], []);
  },
);

Deno.test(
  "s3 jobs: upload-if-newer and download-if-newer go by mtime both ways",
  opts,
  async () => {
    await using b = await bucket();
    const src = join(b.dir, "src");
    await local(join(src, "x.txt"), "x1", T2020);
    await local(join(src, "d", "y.txt"), "y1", T2020);
    await b.ok("upload-if-newer", src, "s3://test/un");
    assert.equal(await b.text("un/x.txt"), "x1");
    assert.equal(await b.text("un/d/y.txt"), "y1");
    // x is newer here; y is newer in the bucket and must not be overwritten.
    await local(join(src, "x.txt"), "x2", T2021);
    await b.put("un/d/y.txt", "y-s3", T2022);
    await b.ok("upload-if-newer", src, "s3://test/un");
    assert.equal(await b.text("un/x.txt"), "x2");
    assert.equal(await b.text("un/d/y.txt"), "y-s3");
    // Down: y is newer in the bucket, x is as new as here.
    await b.ok("download-if-newer", "s3://test/un", src);
    assert.equal(await Deno.readTextFile(join(src, "d", "y.txt")), "y-s3");
    assert.equal(
      (await Deno.stat(join(src, "d", "y.txt"))).mtime?.toISOString(),
      T2022.toISOString(),
    );
    assert.equal(await Deno.readTextFile(join(src, "x.txt")), "x2");
  },
);

Deno.test("s3 jobs: walk lists the tree with sizes, mtimes and their precision", opts, async () => {
  await using b = await bucket();
  await b.put("w/a.txt", "hello", T2020);
  await b.put("w/sub/b.txt", "hi", T2021);
  // An object made by another tool without x-amz-meta-mtime: LastModified, to the second.
  await b.view.client.put("w/sub/raw.txt", enc.encode("raw"));
  const r = await b.ok("walk", "-f", "ndjson", "s3://test/w");
  const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const by = new Map(rows.map((e) => [e.path, e]));
  assert.deepEqual([...by.keys()].sort(), ["a.txt", "sub", "sub/b.txt", "sub/raw.txt"]);
  assert.equal(by.get("a.txt").size, 5);
  assert.equal(by.get("a.txt").mtime, T2020.toISOString());
  assert.equal(by.get("sub/b.txt").mtime, T2021.toISOString());
  assert.equal(by.get("sub").type, "dir");
  assert.notEqual(by.get("a.txt").precision, by.get("sub/raw.txt").precision);
});

Deno.test(
  "s3 jobs: mirror --compare checksum sees a same-size, same-mtime change (one PUT up to 200 MiB has an MD5); a multipart object says it has none",
  opts,
  async () => {
    await using b = await bucket({ awsMultipartEtags: true });
    const src = join(b.dir, "src");
    await local(join(src, "small.txt"), "aaaa", T2020);
    await Deno.mkdir(src, { recursive: true });
    // 9 MiB > the 8 MiB part, of a known size: one streamed PUT, whose ETag is its MD5.
    const big = new Uint8Array(9 * 1024 * 1024).fill(1);
    await Deno.writeFile(join(src, "big.bin"), big);
    await Deno.utime(join(src, "big.bin"), T2020, T2020);
    await b.ok("mirror", src, "s3://test/ck");
    assert.equal(await b.text("ck/small.txt"), "aaaa");
    // A multipart object (written without a known size), same size and mtime as the local file.
    await writeAll(await b.view.write("ck/multi.bin", { mtime: T2020 }), big);
    await Deno.writeFile(join(src, "multi.bin"), big.map(() => 3));
    await Deno.utime(join(src, "multi.bin"), T2020, T2020);

    // Same size and mtime, other bytes: size+mtime cannot tell, the ETag's MD5 can.
    await local(join(src, "small.txt"), "bbbb", T2020);
    big[0] = 2;
    await Deno.writeFile(join(src, "big.bin"), big);
    await Deno.utime(join(src, "big.bin"), T2020, T2020);
    await b.ok("mirror", src, "s3://test/ck");
    assert.equal(await b.text("ck/small.txt"), "aaaa");
    assert.equal((await collect(await b.view.read("ck/big.bin")))[0], 1);
    const r = await b.ok("-v", "mirror", "--compare", "checksum", src, "s3://test/ck");
    assert.equal(await b.text("ck/small.txt"), "bbbb");
    assert.equal((await collect(await b.view.read("ck/big.bin")))[0], 2);
    assert.match(r.stdout + r.stderr, /multi\.bin: a multipart upload \(ETag \S+-2\) has no MD5/);
    // Compared by size instead: not sent again.
    assert.equal((await collect(await b.view.read("ck/multi.bin")))[0], 1);
  },
);

Deno.test(
  "s3 jobs: mirror --delete to s3 keeps to --max-delete and a dry run deletes nothing",
  opts,
  async () => {
    await using b = await bucket();
    const src = join(b.dir, "src");
    await local(join(src, "one.txt"), "1", T2020);
    for (let i = 0; i < 3; i++) await b.put(`del/extra${i}.txt`, "x");
    const dry = await b.ok("mirror", "--delete", "-n", src, "s3://test/del");
    assert.match(dry.stdout + dry.stderr, /extra0\.txt/);
    assert.deepEqual(await b.keys("del"), ["extra0.txt", "extra1.txt", "extra2.txt"]);
    const capped = await b.run("mirror", "--delete", "--max-delete", "2", src, "s3://test/del");
    assert.notEqual(capped.code, 0);
    assert.match(capped.stdout + capped.stderr, /3 deletions exceed maxDelete 2/);
    // The new file may go up; not one of the three deletions happens.
    const extras = (await b.keys("del")).filter((k) => k.startsWith("extra"));
    assert.deepEqual(extras, ["extra0.txt", "extra1.txt", "extra2.txt"]);
    await b.ok("mirror", "--delete", src, "s3://test/del");
    assert.deepEqual(await b.keys("del"), ["one.txt"]);
  },
);
