/**
 * Real clients against ferry's server over FTPS, explicit (AUTH TLS) and
 * implicit, with the test CA: Python's ftplib, curl, lftp and rclone. The
 * lftp and rclone implicit servers require TLS session reuse on data
 * connections (vsftpd's default). curl 7.88 resumes against this server
 * only over TLS 1.3 (observed), which the server does not offer by default
 * (see TlsOptions.maxVersion), so curl's servers do not require reuse.
 */
import assert from "node:assert/strict";
import { testCertificates } from "../fixtures/certs.ts";
import { get, peerTest, put, python, randomBytes, run, testServer } from "./helpers.ts";

async function tlsOptions() {
  const certs = await testCertificates();
  return { certs, tls: { cert: certs.good.cert, key: certs.good.key } };
}

const FTPLIB_TLS = `
import ftplib, ssl, io, sys, socket
port, cafile, implicit = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
ctx = ssl.create_default_context(cafile=cafile)
class Implicit(ftplib.FTP_TLS):
    def connect(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = self.context.wrap_socket(socket.create_connection((host, port), timeout), server_hostname=host)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome
f = (Implicit if implicit else ftplib.FTP_TLS)(context=ctx)
f.connect("127.0.0.1", port, timeout=20)
f.login("bob", "pw")
f.prot_p()
data = bytes(range(256)) * 8000
f.mkd("d"); f.cwd("d")
f.storbinary("STOR a.bin", io.BytesIO(data))
out = io.BytesIO(); f.retrbinary("RETR a.bin", out.write); assert out.getvalue() == data
out = io.BytesIO(); f.retrbinary("RETR a.bin", out.write, rest=100); assert out.getvalue() == data[100:]
f.storbinary("STOR b.bin", io.BytesIO(data[:1000])); f.storbinary("STOR b.bin", io.BytesIO(data[1000:]), rest=1000)
out = io.BytesIO(); f.retrbinary("RETR b.bin", out.write); assert out.getvalue() == data
facts = dict(f.mlsd()); assert facts["a.bin"]["size"] == str(len(data)), facts
assert f.sendcmd("MFMT 20210304050607 a.bin").startswith("213")
assert f.sendcmd("MDTM a.bin") == "213 20210304050607"
f.rename("a.bin", "c.bin"); assert sorted(f.nlst()) == ["b.bin", "c.bin"]
f.delete("b.bin"); f.delete("c.bin"); f.cwd("/"); f.rmd("d")
f.quit()
print("OK")
`;

peerTest("ftplib FTP_TLS explicit: up/download, resume, MLSD, MFMT, rename, delete", [
  "python3",
  "openssl",
], async () => {
  const { certs, tls } = await tlsOptions();
  await using t = await testServer({ tls, tlsControlRequired: true, tlsDataRequired: true });
  assert.match(await python(FTPLIB_TLS, [String(t.port), certs.caFile, "0"]), /OK/);
});

peerTest("ftplib implicit FTPS: the same session over TLS from the first byte", [
  "python3",
  "openssl",
], async () => {
  const { certs, tls } = await tlsOptions();
  await using t = await testServer({ tls, implicitTls: true });
  assert.match(await python(FTPLIB_TLS, [String(t.port), certs.caFile, "1"]), /OK/);
});

peerTest("curl: explicit (--ssl-reqd) and implicit (ftps://): up/download, resume, list", [
  "curl",
  "openssl",
], async () => {
  const { certs, tls } = await tlsOptions();
  await using explicit = await testServer({ tls, tlsControlRequired: true, tlsDataRequired: true });
  await using implicit = await testServer({ tls, implicitTls: true });
  const tmp = await Deno.makeTempDir();
  try {
    const data = randomBytes(300_000);
    await Deno.writeFile(`${tmp}/up.bin`, data);
    const curl = async (...args: string[]) => {
      const r = await run("curl", ["-sS", "--max-time", "30", "--cacert", certs.caFile, ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const e = `ftp://bob:pw@127.0.0.1:${explicit.port}`;
    await curl("--ssl-reqd", "-T", `${tmp}/up.bin`, `${e}/up.bin`);
    assert.deepEqual(await get(explicit.ep, "up.bin"), data);
    await curl("--ssl-reqd", "-o", `${tmp}/down.bin`, `${e}/up.bin`);
    assert.deepEqual(await Deno.readFile(`${tmp}/down.bin`), data);
    await put(explicit.ep, "part.bin", data.slice(0, 777));
    await curl("--ssl-reqd", "-C", "-", "-T", `${tmp}/up.bin`, `${e}/part.bin`);
    assert.deepEqual(await get(explicit.ep, "part.bin"), data);
    const i = `ftps://bob:pw@127.0.0.1:${implicit.port}`;
    await curl("-T", `${tmp}/up.bin`, `${i}/up.bin`);
    await curl("-o", `${tmp}/down2.bin`, `${i}/up.bin`);
    assert.deepEqual(await Deno.readFile(`${tmp}/down2.bin`), data);
    assert.match(await curl(`${i}/`), / up\.bin\r?\n/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

peerTest("lftp: explicit and implicit FTPS (reuse required), put, get, mirror, rm", [
  "lftp",
  "openssl",
], async () => {
  const { certs, tls } = await tlsOptions();
  await using explicit = await testServer({ tls, tlsDataRequired: true });
  await using implicit = await testServer({ tls, implicitTls: true, requireTlsSessionReuse: true });
  const tmp = await Deno.makeTempDir();
  try {
    const data = randomBytes(200_000);
    await Deno.writeFile(`${tmp}/up.bin`, data);
    const script = (extra: string[]) =>
      [
        `set ssl:ca-file ${certs.caFile}`,
        "set ftp:ssl-protect-data true",
        "set net:max-retries 1",
        "set cmd:fail-exit yes",
        ...extra,
        `put ${tmp}/up.bin -o up.bin`,
        `get up.bin -o ${tmp}/down.bin`,
        `mirror pub ${tmp}/pub`,
        "rm up.bin",
        "quit",
      ].join("; ");
    let r = await run("lftp", [
      "-u",
      "bob,pw",
      "-p",
      String(explicit.port),
      "-e",
      script(["set ftp:ssl-force true"]),
      "127.0.0.1",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await Deno.readFile(`${tmp}/down.bin`), data);
    await Deno.remove(`${tmp}/down.bin`);
    await Deno.remove(`${tmp}/pub`, { recursive: true });
    r = await run("lftp", [
      "-u",
      "bob,pw",
      "-e",
      script([]),
      `ftps://127.0.0.1:${implicit.port}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await Deno.readFile(`${tmp}/down.bin`), data);
    assert.equal(await Deno.readTextFile(`${tmp}/pub/hello.txt`), "hello\nworld\n");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
