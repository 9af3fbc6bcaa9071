/**
 * Real clients against ferry's server, plain FTP: Python's ftplib and
 * ftputil, curl, lftp and rclone. Each does login, list, upload, download,
 * resume, rename, delete, mkdir/rmdir, MLSD and MDTM/MFMT where it can.
 */
import assert from "node:assert/strict";
import { get, peerTest, put, python, randomBytes, run, testServer } from "./helpers.ts";

const FTPLIB_SCRIPT = `
import ftplib, io, sys
port = int(sys.argv[1])
f = ftplib.FTP()
f.connect("127.0.0.1", port, timeout=20)
assert f.getwelcome().startswith("220")
f.login("bob", "pw")
assert f.pwd() == "/"
f.mkd("dir")
f.cwd("dir")
assert f.pwd() == "/dir"
data = bytes(range(256)) * 4000
f.storbinary("STOR up.bin", io.BytesIO(data))
assert f.size("up.bin") == len(data)
out = io.BytesIO(); f.retrbinary("RETR up.bin", out.write); assert out.getvalue() == data
# resume a download from the middle
out = io.BytesIO(); f.retrbinary("RETR up.bin", out.write, rest=1000); assert out.getvalue() == data[1000:]
# resume an upload: the first half is there, the rest comes with REST
f.storbinary("STOR half.bin", io.BytesIO(data[:5000]))
f.storbinary("STOR half.bin", io.BytesIO(data[5000:]), rest=5000)
out = io.BytesIO(); f.retrbinary("RETR half.bin", out.write); assert out.getvalue() == data
# ASCII mode converts line ends both ways
f.storlines("STOR text.txt", io.BytesIO(b"a\\nb\\n"))
lines = []; f.retrlines("RETR text.txt", lines.append); assert lines == ["a", "b"], lines
facts = dict(f.mlsd())
assert facts["up.bin"]["type"] == "file" and facts["up.bin"]["size"] == str(len(data)), facts
assert "modify" in facts["up.bin"]
listing = []; f.retrlines("LIST", listing.append)
assert any(l.endswith(" up.bin") and l.startswith("-rw") for l in listing), listing
assert sorted(f.nlst()) == ["half.bin", "text.txt", "up.bin"], f.nlst()
assert f.sendcmd("MFMT 20200102030405 up.bin").startswith("213 Modify=20200102030405")
assert f.sendcmd("MDTM up.bin") == "213 20200102030405"
f.rename("up.bin", "moved.bin")
assert "moved.bin" in f.nlst()
f.delete("moved.bin"); f.delete("half.bin"); f.delete("text.txt")
f.cwd("/")
f.rmd("dir")
# active mode too
f.set_pasv(False)
assert f.nlst() == ["pub"], f.nlst()
out = io.BytesIO(); f.retrbinary("RETR pub/hello.txt", out.write); assert out.getvalue() == b"hello\\nworld\\n"
f.quit()
print("OK")
`;

peerTest("ftplib: login, list, up/download, resume, rename, delete, mkdir/rmdir, MLSD, MFMT", [
  "python3",
], async () => {
  await using t = await testServer();
  const out = await python(FTPLIB_SCRIPT, [String(t.port)]);
  assert.match(out, /OK/);
  assert.deepEqual((await t.ep.list("")).map((s) => s.name), ["pub"]);
});

const FTPUTIL_SCRIPT = `
import ftputil, ftplib, sys, os, tempfile
port = int(sys.argv[1])
class S(ftplib.FTP):
    def __init__(self, host, user, pw):
        super().__init__(); self.connect(host, port, timeout=20); self.login(user, pw)
tmp = tempfile.mkdtemp()
src = os.path.join(tmp, "src.bin"); open(src, "wb").write(os.urandom(200000))
with ftputil.FTPHost("127.0.0.1", "bob", "pw", session_factory=S) as h:
    h.makedirs("/a/b/c")
    assert h.path.isdir("/a/b/c")
    h.upload(src, "/a/b/c/f.bin")
    assert h.path.getsize("/a/b/c/f.bin") == 200000
    assert h.path.isfile("/a/b/c/f.bin")
    h.download("/a/b/c/f.bin", os.path.join(tmp, "dst.bin"))
    assert open(os.path.join(tmp, "dst.bin"), "rb").read() == open(src, "rb").read()
    assert h.listdir("/a/b/c") == ["f.bin"]
    st = h.stat("/a/b/c/f.bin"); assert st.st_size == 200000
    h.rename("/a/b/c/f.bin", "/a/g.bin")
    assert sorted(h.listdir("/a")) == ["b", "g.bin"]
    h.upload_if_newer(src, "/a/g.bin")  # ftputil uploads when in doubt (LIST minutes)
    assert h.path.getsize("/a/g.bin") == 200000
    h.rmtree("/a")
    assert h.listdir("/") == ["pub"]
print("OK")
`;

peerTest("ftputil: makedirs, upload, download, stat, rename, rmtree", ["ftputil"], async () => {
  await using t = await testServer();
  assert.match(await python(FTPUTIL_SCRIPT, [String(t.port)]), /OK/);
});

peerTest("curl: list, upload, download, ranges, resume, active mode, quote commands", [
  "curl",
], async () => {
  await using t = await testServer();
  const tmp = await Deno.makeTempDir();
  try {
    const data = randomBytes(60000);
    await Deno.writeFile(`${tmp}/up.bin`, data);
    const url = `ftp://bob:pw@127.0.0.1:${t.port}`;
    const ok = async (args: string[]) => {
      const r = await run("curl", ["-sS", "--max-time", "30", ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    await ok(["-T", `${tmp}/up.bin`, `${url}/up.bin`]);
    assert.deepEqual(await get(t.ep, "up.bin"), data);
    await ok(["-o", `${tmp}/down.bin`, `${url}/up.bin`]);
    assert.deepEqual(await Deno.readFile(`${tmp}/down.bin`), data);
    await ok(["-r", "100-199", "-o", `${tmp}/range.bin`, `${url}/up.bin`]);
    assert.deepEqual(await Deno.readFile(`${tmp}/range.bin`), data.slice(100, 200));
    // resume an upload from the server's size
    await put(t.ep, "part.bin", data.slice(0, 1234));
    await ok(["-C", "-", "-T", `${tmp}/up.bin`, `${url}/part.bin`]);
    assert.deepEqual(await get(t.ep, "part.bin"), data);
    assert.match(await ok([`${url}/`]), / up\.bin\r?\n/);
    assert.match(await ok(["-l", `${url}/`]), /^part\.bin$/m);
    assert.match(await ok(["-P", "127.0.0.1", `${url}/pub/hello.txt`]), /hello\nworld/);
    await ok(["-Q", "MKD newdir", "-Q", "RNFR up.bin", "-Q", "RNTO newdir/up.bin", `${url}/`]);
    assert.equal((await t.ep.stat("newdir/up.bin")).size, data.length);
    await ok(["-Q", "DELE newdir/up.bin", "-Q", "RMD newdir", `${url}/`]);
    await assert.rejects(() => t.ep.stat("newdir"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

peerTest("lftp: ls, mirror, put, get, mkdir, mv, rm, rmdir", ["lftp"], async () => {
  await using t = await testServer();
  const tmp = await Deno.makeTempDir();
  try {
    const data = randomBytes(100000);
    await Deno.writeFile(`${tmp}/up.bin`, data);
    const r = await run("lftp", [
      "-u",
      "bob,pw",
      "-p",
      String(t.port),
      "127.0.0.1",
      "-e",
      [
        "set net:max-retries 1",
        "set cmd:fail-exit yes",
        `mirror pub ${tmp}/pub`,
        `put ${tmp}/up.bin -o up.bin`,
        `get up.bin -o ${tmp}/down.bin`,
        "mkdir d",
        "mv up.bin d/up.bin",
        "cls -1 d",
        "rm d/up.bin",
        "rmdir d",
        "cls -1",
        "quit",
      ].join("; "),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await Deno.readFile(`${tmp}/down.bin`), data);
    assert.equal(await Deno.readTextFile(`${tmp}/pub/hello.txt`), "hello\nworld\n");
    assert.match(r.stdout, /^d\/up\.bin$/m);
    assert.deepEqual((await t.ep.list("")).map((s) => s.name), ["pub"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
