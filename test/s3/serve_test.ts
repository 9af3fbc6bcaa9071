/**
 * `ferry serve` in front of a bucket (FsTPy's purpose): ferry's FTP server
 * over an s3:// endpoint on s3rver, driven by ftputil (upload, download
 * with REST, list, rename, delete), curl and lftp; an upload is visible in
 * the bucket only when complete, and an aborted one leaves the old object.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { openS3, type S3Endpoint } from "../../plugins/s3/mod.ts";
import { collect } from "../../endpoint/streams.ts";
import { peerTest } from "../peers/skip.ts";
import { python, run } from "../server/helpers.ts";
import { startS3rver } from "./s3rver.ts";

async function serveBucket() {
  const s3 = await startS3rver();
  const ep = await openS3(new URL(`s3://${s3.bucket}/served`), {
    credentials: { s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
    options: { endpoint: s3.endpoint },
  }) as S3Endpoint;
  const auth = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" });
  const srv = await startFtpServer({ endpoint: ep, authorizer: auth, port: 0 });
  return {
    s3,
    ep,
    port: srv.port,
    async [Symbol.asyncDispose]() {
      await srv.close();
      await ep.close();
      await s3.stop();
    },
  };
}

const FTPUTIL = `
import ftputil, io, sys
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

peerTest("s3 serve: ftputil uploads, downloads with REST, lists, renames, deletes", [
  "ftputil",
], async () => {
  await using b = await serveBucket();
  assert.equal((await python(FTPUTIL, [String(b.port)])).trim(), "ok");
}, { sanitizeResources: false, sanitizeOps: false });

peerTest("s3 serve: curl and lftp up and down; the object appears whole", [
  "curl",
  "lftp",
], async () => {
  await using b = await serveBucket();
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251);
    await Deno.writeFile(join(dir, "c.bin"), data);
    const url = `ftp://bob:pw@127.0.0.1:${b.port}`;
    const up = await run("curl", ["-sS", "-T", join(dir, "c.bin"), `${url}/c.bin`]);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await collect(await b.ep.read("c.bin")), data);
    const ranged = await run("curl", [
      "-sS",
      "-C",
      "1000",
      "-o",
      join(dir, "tail.bin"),
      `${url}/c.bin`,
    ]);
    assert.equal(ranged.code, 0, ranged.stderr);
    assert.equal((await Deno.stat(join(dir, "tail.bin"))).size, data.byteLength - 1000);
    const lftp = await run("lftp", [
      "-c",
      `set net:max-retries 1; open -u bob,pw ftp://127.0.0.1:${b.port}; ` +
      `put ${join(dir, "c.bin")} -o l.bin; get l.bin -o ${
        join(dir, "l.bin")
      }; mv l.bin m.bin; ls; rm m.bin`,
    ]);
    assert.equal(lftp.code, 0, lftp.stderr);
    assert.match(lftp.stdout, /m\.bin/);
    assert.deepEqual(await Deno.readFile(join(dir, "l.bin")), data);
    assert.deepEqual((await b.ep.list("")).map((s) => s.name).sort(), ["c.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}, { sanitizeResources: false, sanitizeOps: false });
