import assert from "node:assert/strict";
import { startPureFtpd } from "./pureftpd.ts";
import { RawFtp } from "./rawftp.ts";
import { peerTest } from "./skip.ts";

peerTest("pureftpd: plain login chrooted to its root, MDTM in UTC under a local TZ", [
  "pureftpd",
], async () => {
  await using peer = await startPureFtpd({ tz: "Asia/Kolkata" });
  assert.equal(peer.kind, "pureftpd");
  await Deno.writeTextFile(`${peer.root}/t.txt`, "x");
  await Deno.utime(`${peer.root}/t.txt`, 0, Date.UTC(2020, 0, 1) / 1000);
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  assert.match((await ftp.readReply()).text, /Pure-FTPd/);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  assert.match((await ftp.command("PWD")).text, /^"\/"/);
  assert.deepEqual(await ftp.command("MDTM t.txt"), { code: 213, text: "20200101000000" });
  assert.equal((await ftp.command("MKD made")).code, 257);
  assert.equal((await Deno.stat(`${peer.root}/made`)).uid, (await Deno.stat(peer.root)).uid);
});

peerTest("pureftpd: explicit TLS refuses a cleartext login and accepts one over TLS", [
  "pureftpd",
  "openssl",
], async () => {
  await using peer = await startPureFtpd({ tls: "explicit" });
  await using plain = await RawFtp.connect(peer.host, peer.port);
  await plain.readReply();
  assert.notEqual((await plain.command(`USER ${peer.user}`)).code, 331);
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  assert.equal((await ftp.command("AUTH TLS")).code, 234);
  await ftp.startTls({ caCerts: [peer.caPem!] });
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
});
