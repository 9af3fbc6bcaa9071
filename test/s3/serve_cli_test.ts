/**
 * `ferry serve s3://BUCKET/PREFIX` as a CLI process (FsTPy's purpose) in
 * front of s3rver: lftp, curl, ftputil and rclone's ftp backend upload,
 * download (resuming with REST), list, rename and delete through it; an
 * upload shows in the bucket only once complete; a refused upload and a
 * client killed mid-STOR leave the old object; the S3 keys come from the
 * flags every endpoint takes and never show in the server's output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { md5Password } from "../../plugins/server/mod.ts";
import { openOn } from "./helpers.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { peerTest } from "../peers/skip.ts";
import { PYTHON, python, run } from "../server/helpers.ts";
import { startS3rver } from "./s3rver.ts";
import { startServe } from "./serve_process.ts";

const SECRET = "s3-secret-never-logged-4711";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** s3rver, `ferry serve` over `s3://test/served` (keys from --user/--password-env), a direct view. */
async function servedBucket(serveArgs: string[] = []) {
  const s3 = await startS3rver();
  const dir = await Deno.makeTempDir();
  const env = {
    AWS_SHARED_CREDENTIALS_FILE: s3.absent,
    AWS_CONFIG_FILE: s3.absent,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: "us-east-1",
    // Not the keys used: the flags win (s3rver refuses an unknown key id).
    AWS_ACCESS_KEY_ID: "NOSUCHKEY",
    AWS_SECRET_ACCESS_KEY: "unused",
    S3_TEST_SECRET: SECRET,
  };
  const srv = await startServe([
    "-D",
    "--no-netrc",
    "--user",
    s3.accessKeyId,
    "--password-env",
    "S3_TEST_SECRET",
    "-u",
    "bob",
    "-P",
    "pw",
    ...serveArgs,
    `s3://${s3.bucket}/served`,
  ], env).catch(async (e) => {
    await s3.stop();
    throw e;
  });
  const view = await openOn(s3, "served");
  return {
    s3,
    srv,
    view,
    dir,
    port: srv.port,
    names: async (path = "") => (await view.list(path)).map((s) => s.name).sort(),
    bytes: async (path: string) => await collect(await view.read(path)),
    async [Symbol.asyncDispose]() {
      await srv.stop();
      assert.doesNotMatch(srv.output(), new RegExp(SECRET), "the secret key never shows");
      await view.close();
      await s3.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function sample(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * seed + (i >> 8)) % 251);
}

const FTPUTIL = `
import ftputil, sys
port = int(sys.argv[1])
class Session(ftputil.session.session_factory(port=port)): pass
with ftputil.FTPHost("127.0.0.1", "bob", "pw", session_factory=Session) as host:
    host.makedirs("dir/sub", exist_ok=True)
    data = bytes(range(256)) * 4000
    with host.open("dir/up.bin", "wb") as f: f.write(data)
    assert host.path.getsize("dir/up.bin") == len(data)
    with host.open("dir/up.bin", "rb", rest=1000) as f: assert f.read() == data[1000:]
    assert sorted(host.listdir("dir")) == ["sub", "up.bin"], host.listdir("dir")
    host.rename("dir/up.bin", "dir/moved.bin")
    assert sorted(host.listdir("dir")) == ["moved.bin", "sub"], host.listdir("dir")
    with host.open("dir/moved.bin", "rb") as f: assert f.read() == data
    host.remove("dir/moved.bin")
    assert host.listdir("dir") == ["sub"], host.listdir("dir")
print("ok")
`;

peerTest("s3 serve (CLI): ftputil uploads, downloads with REST, lists, renames, deletes", [
  "ftputil",
], async () => {
  await using b = await servedBucket();
  assert.equal((await python(FTPUTIL, [String(b.port)])).trim(), "ok");
  assert.deepEqual(await b.names("dir"), ["sub"]);
}, { sanitizeResources: false, sanitizeOps: false });

peerTest("s3 serve (CLI): curl uploads, resumes a download, lists, renames, deletes", [
  "curl",
], async () => {
  await using b = await servedBucket();
  const data = sample(3 * 1024 * 1024 + 17, 7);
  await Deno.writeFile(join(b.dir, "c.bin"), data);
  const url = `ftp://bob:pw@127.0.0.1:${b.port}`;
  const curl = async (...args: string[]) => {
    const r = await run("curl", ["-sS", ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  await curl("--ftp-create-dirs", "-T", join(b.dir, "c.bin"), `${url}/cdir/c.bin`);
  assert.deepEqual(await b.bytes("cdir/c.bin"), data);
  await curl("-C", "1000", "-o", join(b.dir, "tail.bin"), `${url}/cdir/c.bin`);
  assert.deepEqual(await Deno.readFile(join(b.dir, "tail.bin")), data.subarray(1000));
  assert.match(await curl(`${url}/cdir/`), /c\.bin/);
  await curl("-Q", "RNFR cdir/c.bin", "-Q", "RNTO cdir/d.bin", `${url}/`);
  assert.deepEqual(await b.names("cdir"), ["d.bin"]);
  assert.deepEqual(await b.bytes("cdir/d.bin"), data);
  await curl("-Q", "DELE cdir/d.bin", `${url}/`);
  assert.deepEqual(await b.names("cdir"), []);
}, { sanitizeResources: false, sanitizeOps: false });

peerTest("s3 serve (CLI): lftp puts, resumes a get (REST), lists, moves, removes", [
  "lftp",
], async () => {
  await using b = await servedBucket();
  const data = sample(2 * 1024 * 1024 + 5, 13);
  await Deno.writeFile(join(b.dir, "l.bin"), data);
  // A partial local copy whose first 1,000 bytes differ from the object: only a real
  // resume (REST 1000) keeps them, a fresh download would not.
  await Deno.writeFile(join(b.dir, "partial.bin"), new Uint8Array(1000));
  const r = await run("lftp", [
    "-c",
    `set net:max-retries 1; open -u bob,pw ftp://127.0.0.1:${b.port}; mkdir -p ldir; ` +
    `put ${join(b.dir, "l.bin")} -o ldir/l.bin; get -c ldir/l.bin -o ${
      join(b.dir, "partial.bin")
    }; mv ldir/l.bin ldir/m.bin; cls -1 ldir/; rm ldir/m.bin; cls -1 ldir/`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "ldir/m.bin");
  const got = await Deno.readFile(join(b.dir, "partial.bin"));
  assert.deepEqual(got.subarray(0, 1000), new Uint8Array(1000));
  assert.deepEqual(got.subarray(1000), data.subarray(1000));
  assert.deepEqual(await b.names("ldir"), []);
}, { sanitizeResources: false, sanitizeOps: false });

peerTest(
  "s3 serve (CLI): rclone's ftp backend copies, reads from an offset, lists, moves, deletes",
  [
    "rclone",
  ],
  async () => {
    await using b = await servedBucket();
    const data = sample(1024 * 1024 + 3, 11);
    await Deno.writeFile(join(b.dir, "r.bin"), data);
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      RCLONE_CONFIG: b.s3.absent,
      RCLONE_CONFIG_F_TYPE: "ftp",
      RCLONE_CONFIG_F_HOST: "127.0.0.1",
      RCLONE_CONFIG_F_PORT: String(b.port),
      RCLONE_CONFIG_F_USER: "bob",
      RCLONE_CONFIG_F_PASS: "3WYqF-dy4_3oHqA5Z-59_0-C", // `rclone obscure pw`
    };
    delete env.AWS_CA_BUNDLE;
    const rclone = async (...args: string[]) => {
      const r = await run("rclone", args, { env });
      assert.equal(r.code, 0, `rclone ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    await rclone("copyto", join(b.dir, "r.bin"), "f:rdir/r.bin");
    assert.deepEqual(await b.bytes("rdir/r.bin"), data);
    assert.equal((await rclone("lsf", "f:rdir")).trim(), "r.bin");
    const tail = await new Deno.Command("rclone", {
      args: ["cat", "--offset", "1000", "f:rdir/r.bin"],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(tail.code, 0, dec.decode(tail.stderr));
    assert.deepEqual(tail.stdout, data.subarray(1000));
    await rclone("moveto", "f:rdir/r.bin", "f:rdir/s.bin");
    assert.deepEqual(await b.names("rdir"), ["s.bin"]);
    await rclone("deletefile", "f:rdir/s.bin");
    assert.deepEqual(await b.names("rdir"), []);
  },
  { sanitizeResources: false, sanitizeOps: false },
);

/**
 * STORs `size` bytes of "N", stops after all but 2 MiB and says "half", then
 * finishes on a line from stdin. With "cut", its data socket lingers 0, so
 * killing it resets the connection (a crash), where an orderly close would be,
 * in FTP's stream mode, the end of the file.
 */
const SLOW_STOR = `
import ftplib, socket, struct, sys
port, path, size, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", port)
ftp.login("bob", "pw")
ftp.voidcmd("TYPE I")
conn = ftp.transfercmd("STOR " + path)
if mode == "cut":
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
block = b"N" * 65536
sent = 0
while sent < size - 2 * 1024 * 1024:
    conn.sendall(block)
    sent += len(block)
print("half", flush=True)
sys.stdin.readline()
while sent < size:
    conn.sendall(block[: size - sent])
    sent += min(len(block), size - sent)
conn.close()
ftp.voidresp()
ftp.quit()
print("done", flush=True)
`;

/**
 * Puts "old" at big.bin, starts {@link SLOW_STOR} over it and returns once it
 * paused and s3rver has stored the first part of its multipart upload.
 */
async function slowStorOverOld(
  b: Awaited<ReturnType<typeof servedBucket>>,
  size: number,
  mode: "pause" | "cut",
) {
  await writeAll(await b.view.write("big.bin"), enc.encode("old"));
  const stored = b.s3.answered(partOne);
  const c = slowStor(b.port, "big.bin", size, mode);
  await c.said("half");
  await stored;
  return c;
}

function slowStor(port: number, path: string, size: number, mode: "pause" | "cut") {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", SLOW_STOR, String(port), path, String(size), mode],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const said = async (word: string) => {
    let text = "";
    while (!text.includes(word)) {
      const { done, value } = await lines.read();
      if (done) throw new Error(`the client ended before "${word}": ${text}`);
      text += value;
    }
  };
  const stderr = new Response(child.stderr).text();
  /** Its exit code, once it has ended (the rest of its output read and dropped). */
  const ended = async () => {
    while (!(await lines.read()).done) { /* drained, so it never writes into a closed pipe */ }
    const status = await child.status;
    return { code: status.code, stderr: await stderr };
  };
  return { child, said, ended };
}

/** The first part of a multipart upload has been stored by s3rver. */
const partOne = (r: { method: string; url: string; status: number }) =>
  r.method === "PUT" && /[?&]partNumber=1(&|$)/.test(r.url) && r.status === 200;

peerTest(
  "s3 serve (CLI): an upload in progress is not in the bucket; the old object stays until it completes",
  ["python3"],
  async () => {
    await using b = await servedBucket();
    const size = 12 * 1024 * 1024;
    const c = await slowStorOverOld(b, size, "pause");
    // 8 MiB are on the server in a part: neither the object nor a staging copy shows.
    assert.deepEqual(await b.names(), ["big.bin"]);
    assert.equal(dec.decode(await b.bytes("big.bin")), "old");
    const w = c.child.stdin.getWriter();
    await w.write(enc.encode("go\n"));
    await w.close();
    await c.said("done");
    const end = await c.ended();
    assert.equal(end.code, 0, end.stderr);
    const got = await b.bytes("big.bin");
    assert.equal(got.byteLength, size);
    assert.ok(got.every((x) => x === 0x4e));
    assert.deepEqual(await b.names(), ["big.bin"]);
  },
  { sanitizeResources: false, sanitizeOps: false },
);

peerTest(
  "s3 serve (CLI): a client killed mid-STOR leaves the old object; the multipart upload is aborted",
  ["python3"],
  async () => {
    await using b = await servedBucket();
    const c = await slowStorOverOld(b, 12 * 1024 * 1024, "cut");
    const aborted = b.s3.answered((r) => r.method === "DELETE" && /[?&]uploadId=/.test(r.url));
    c.child.kill("SIGKILL");
    await c.ended();
    await aborted;
    assert.equal(dec.decode(await b.bytes("big.bin")), "old");
    assert.deepEqual(await b.names(), ["big.bin"]);
  },
  { sanitizeResources: false, sanitizeOps: false },
);

peerTest(
  "s3 serve (CLI): an upload the user may not make is refused and leaves the old object",
  ["curl"],
  async () => {
    const config = await Deno.makeTempFile({ suffix: ".json" });
    try {
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          users: [{ name: "reader", passwordHash: md5Password("rpw"), perm: "elr" }],
        }),
      );
      await using b = await servedBucket(["--config", config]);
      await writeAll(await b.view.write("kept.txt"), enc.encode("old"));
      await Deno.writeTextFile(join(b.dir, "new.txt"), "new");
      const up = await run("curl", [
        "-sS",
        "-T",
        join(b.dir, "new.txt"),
        `ftp://reader:rpw@127.0.0.1:${b.port}/kept.txt`,
      ]);
      assert.notEqual(up.code, 0);
      assert.match(up.stderr, /550/);
      const down = await run("curl", ["-sS", `ftp://reader:rpw@127.0.0.1:${b.port}/kept.txt`]);
      assert.equal(down.stdout, "old");
      assert.equal(dec.decode(await b.bytes("kept.txt")), "old");
      assert.deepEqual(await b.names(), ["kept.txt"]);
    } finally {
      await Deno.remove(config);
    }
  },
  { sanitizeResources: false, sanitizeOps: false },
);
