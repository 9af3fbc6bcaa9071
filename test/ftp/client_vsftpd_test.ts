/**
 * The wire client against real vsftpd: plain FTP with a passive port range, and
 * FTPS (explicit and implicit) with vsftpd's default `require_ssl_reuse=YES`,
 * which only passes when data connections resume the control session.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpClient } from "../../ftp/client.ts";
import { TlsVerificationError } from "../../ftp/tls.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { freePortRange } from "../peers/ports.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { testCertificates } from "../fixtures/certs.ts";

const decode = (b: ArrayBuffer) => new TextDecoder().decode(b);

peerTest("vsftpd: plain FTP in a passive port range, LIST -a switch, set and read mtimes", [
  "vsftpd",
], async () => {
  const range = await freePortRange(4);
  await using peer = await startVsftpd({ passivePorts: range });
  await Deno.writeTextFile(join(peer.root, ".dot"), "d");
  await Deno.writeTextFile(join(peer.root, "file name.txt"), "hello");
  await chownForVsftpd(join(peer.root, "file name.txt"));
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    const all = (await ftp.list()).map((e) => e.name).filter((n) => n !== "." && n !== "..");
    assert.deepEqual(all.sort(), [".dot", "file name.txt"]);
    const visible = (await ftp.list("", { hidden: false })).map((e) => e.name);
    assert.deepEqual(visible, ["file name.txt"]);
    const entry = (await ftp.list()).find((e) => e.name === "file name.txt")!;
    assert.equal(entry.size, 5);
    assert.equal(entry.precision, 60_000, "recent LIST lines carry minutes");
    for (let i = 0; i < 6; i++) {
      // Every transfer uses a port of the range (vsftpd refuses others).
      const body = decode(await new Response(await ftp.retrieve("file name.txt")).arrayBuffer());
      assert.equal(body, "hello");
    }
    const when = new Date("2019-03-04T05:06:07Z");
    await ftp.setMtime("file name.txt", when);
    assert.equal((await ftp.mdtm("file name.txt")).toISOString(), when.toISOString());
    // A year-dated LIST line now: precision of days.
    const old = (await ftp.list()).find((e) => e.name === "file name.txt")!;
    assert.equal(old.precision, 86_400_000);
    assert.equal(old.mtime?.toISOString(), "2019-03-04T00:00:00.000Z");
  } finally {
    await ftp.quit();
  }
});

for (const mode of ["explicit", "implicit"] as const) {
  peerTest(`vsftpd: ${mode} FTPS with require_ssl_reuse=YES transfers both ways`, [
    "vsftpd",
    "openssl",
  ], async () => {
    const certs = await testCertificates();
    await using peer = await startVsftpd({ tls: mode, requireSslReuse: true, forceTls: true });
    const ftp = await FtpClient.connect({
      host: "localhost",
      port: peer.port,
      tls: mode,
      tlsOptions: { ca: certs.caPem },
      timeoutMs: 10_000,
    });
    try {
      assert.ok(ftp.secure);
      await ftp.login(peer.user, peer.password);
      const data = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
      await new Blob([data]).stream().pipeTo(await ftp.store("tls.bin"));
      assert.deepEqual(await Deno.readFile(join(peer.root, "tls.bin")), data);
      const back = new Uint8Array(await new Response(await ftp.retrieve("tls.bin")).arrayBuffer());
      assert.deepEqual(back, data);
      assert.deepEqual((await ftp.nlst()).sort(), ["tls.bin"]);
      assert.ok((await ftp.list()).some((e) => e.name === "tls.bin"));
    } finally {
      await ftp.quit();
    }
  });
}

peerTest("vsftpd: two parallel FTPS sessions each resume only their own TLS session", [
  "vsftpd",
  "openssl",
], async () => {
  const certs = await testCertificates();
  await using peer = await startVsftpd({ tls: "explicit", requireSslReuse: true });
  await Deno.writeTextFile(join(peer.root, "p.txt"), "parallel");
  const connect = async () => {
    const ftp = await FtpClient.connect({
      host: "localhost",
      port: peer.port,
      tls: "explicit",
      tlsOptions: { ca: certs.caPem },
      timeoutMs: 10_000,
    });
    await ftp.login(peer.user, peer.password);
    return ftp;
  };
  const [a, b] = await Promise.all([connect(), connect()]);
  try {
    const results = await Promise.all(
      [a, b, a, b].map(async (ftp) =>
        decode(await new Response(await ftp.retrieve("p.txt")).arrayBuffer())
      ),
    );
    assert.deepEqual(results, ["parallel", "parallel", "parallel", "parallel"]);
  } finally {
    await Promise.all([a.quit(), b.quit()]);
  }
});

peerTest("vsftpd: an untrusted, expired or wrong-host certificate is refused", [
  "vsftpd",
  "openssl",
], async () => {
  const certs = await testCertificates();
  for (
    const [name, pair] of Object.entries({
      untrusted: certs.untrusted,
      expired: certs.expired,
      wrongHost: certs.wrongHost,
    })
  ) {
    await using peer = await startVsftpd({
      tls: "explicit",
      certFile: pair.certFile,
      keyFile: pair.keyFile,
    });
    await assert.rejects(
      FtpClient.connect({
        host: "localhost",
        port: peer.port,
        tls: "explicit",
        tlsOptions: { ca: certs.caPem },
      }),
      TlsVerificationError,
      name,
    );
  }
});

peerTest("vsftpd: 60 FTPS downloads in a row all end (Deno's lost TLS end-of-stream is handled)", [
  "vsftpd",
  "openssl",
], async () => {
  const certs = await testCertificates();
  await using peer = await startVsftpd({ tls: "implicit", requireSslReuse: true, forceTls: true });
  await Deno.writeFile(join(peer.root, "f.bin"), new Uint8Array(300_000).fill(1));
  await chownForVsftpd(join(peer.root, "f.bin"));
  const ftp = await FtpClient.connect({
    host: "localhost",
    port: peer.port,
    tls: "implicit",
    tlsOptions: { ca: certs.caPem },
    timeoutMs: 5_000,
  });
  try {
    await ftp.login(peer.user, peer.password);
    for (let i = 0; i < 60; i++) {
      const body = await new Response(await ftp.retrieve("f.bin")).arrayBuffer();
      assert.equal(body.byteLength, 300_000, `download ${i}`);
    }
  } finally {
    await ftp.quit();
  }
});
