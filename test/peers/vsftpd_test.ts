import assert from "node:assert/strict";
import { PeerError } from "./errors.ts";
import { freePortRange } from "./ports.ts";
import { RawFtp } from "./rawftp.ts";
import { peerTest } from "./skip.ts";
import { startVsftpd } from "./vsftpd.ts";

peerTest("vsftpd: plain banner, login, chrooted to its root, PASV in range", [
  "vsftpd",
], async () => {
  const range = await freePortRange(5);
  await using peer = await startVsftpd({ passivePorts: range });
  assert.equal(peer.kind, "vsftpd");
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  const banner = await ftp.readReply();
  assert.equal(banner.code, 220);
  assert.match(banner.text, /vsFTPd/);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  assert.match((await ftp.command("PWD")).text, /^"\/"/);
  assert.equal((await ftp.command("MKD made")).code, 257);
  assert.ok((await Deno.stat(`${peer.root}/made`)).isDirectory);
  const pasv = await ftp.command("PASV");
  const [p1, p2] = pasv.text.match(/(\d+),(\d+)\)/)!.slice(1).map(Number);
  assert.ok(p1 * 256 + p2 >= range[0] && p1 * 256 + p2 <= range[1], pasv.text);
  assert.equal((await ftp.command("QUIT")).code, 221);
  assert.match(peer.log(), /FTP command: Client "127.0.0.1", "MKD made"/);
});

peerTest("vsftpd: explicit TLS answers AUTH TLS with 234 and logs in over TLS", [
  "vsftpd",
  "openssl",
], async () => {
  await using peer = await startVsftpd({ tls: "explicit", forceTls: true });
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.command("AUTH TLS")).code, 234);
  await ftp.startTls({ caCerts: [peer.caPem!] });
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
});

peerTest("vsftpd: implicit TLS sends its banner over TLS", ["vsftpd", "openssl"], async () => {
  await using peer = await startVsftpd({ tls: "implicit" });
  await using ftp = await RawFtp.connect(peer.host, peer.port, { caCerts: [peer.caPem!] });
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
});

peerTest("vsftpd: a bad config throws PeerError carrying the 500 OOPS line", [
  "vsftpd",
], async () => {
  const error = await startVsftpd({ extraConfig: { no_such_option: "YES" } })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof PeerError, String(error));
  assert.match(error.message, /500 OOPS: unrecognised variable in config file: no_such_option/);
});

peerTest("vsftpd: useLocaltime with tz shifts MDTM to the server's zone", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd({ useLocaltime: true, tz: "Asia/Kolkata" });
  await Deno.writeTextFile(`${peer.root}/t.txt`, "x");
  await Deno.utime(`${peer.root}/t.txt`, 0, Date.UTC(2020, 0, 1, 0, 0, 0) / 1000);
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  await ftp.login(peer.user, peer.password);
  assert.deepEqual(await ftp.command("MDTM t.txt"), { code: 213, text: "20200101053000" });
});

peerTest("vsftpd: serves a given root nested in a 0700 temp dir, and leaves it on stop", [
  "vsftpd",
], async () => {
  const parent = await Deno.makeTempDir({ prefix: "ferry-test-" });
  try {
    await Deno.mkdir(`${parent}/served`);
    await Deno.writeTextFile(`${parent}/served/a.txt`, "abc");
    await using peer = await startVsftpd({ root: `${parent}/served` });
    await using ftp = await RawFtp.connect(peer.host, peer.port);
    await ftp.readReply();
    assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
    assert.deepEqual(await ftp.command("SIZE a.txt"), { code: 213, text: "3" });
    assert.equal((await ftp.command("DELE a.txt")).code, 250); // chowned: the server may change it
    await peer.stop();
    assert.ok((await Deno.stat(`${parent}/served`)).isDirectory);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
