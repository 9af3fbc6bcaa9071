import assert from "node:assert/strict";
import { startProftpd } from "./proftpd.ts";
import { RawFtp } from "./rawftp.ts";
import { peerTest } from "./skip.ts";

/** A passive transfer as text, with its final reply as "code text" (or the refusal). */
async function passive(ftp: RawFtp, command: string, tls?: { caPem: string }) {
  const t = await ftp.transfer(command, tls ? { tls: { caCerts: [tls.caPem] } } : {});
  const reply = t.final ?? t.first;
  return { text: new TextDecoder().decode(t.data), reply: `${reply.code} ${reply.text}` };
}

peerTest(
  "proftpd: plain login, chrooted root, overwrite and REST allowed",
  ["proftpd"],
  async () => {
    await using peer = await startProftpd();
    assert.equal(peer.kind, "proftpd");
    await Deno.writeTextFile(`${peer.root}/a.txt`, "hello");
    await using ftp = await RawFtp.connect(peer.host, peer.port);
    assert.equal((await ftp.readReply()).code, 220);
    assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
    assert.match((await ftp.command("PWD")).text, /^"\/"/);
    assert.equal((await ftp.command("TYPE I")).code, 200);
    assert.deepEqual(await ftp.command("SIZE a.txt"), { code: 213, text: "5" });
    assert.equal((await ftp.command("REST 2")).code, 350);
    assert.equal((await ftp.command("MKD made")).code, 257);
    assert.ok((await Deno.stat(`${peer.root}/made`)).isDirectory);
    assert.match(peer.log(), /MKD made/);
  },
);

peerTest(
  "proftpd: explicit TLS requires TLS, and refuses a data connection without session reuse",
  [
    "proftpd",
    "openssl",
  ],
  async () => {
    await using peer = await startProftpd({ tls: "explicit" });
    await using ftp = await RawFtp.connect(peer.host, peer.port);
    assert.equal((await ftp.readReply()).code, 220);
    assert.equal((await ftp.command(`USER ${peer.user}`)).code, 550); // TLSRequired on
    assert.equal((await ftp.command("AUTH TLS")).code, 234);
    await ftp.startTls({ caCerts: [peer.caPem!] });
    assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
    assert.equal((await ftp.command("PBSZ 0")).code, 200);
    assert.equal((await ftp.command("PROT P")).code, 200);
    const { reply } = await passive(ftp, "LIST", { caPem: peer.caPem! });
    assert.match(reply, /^(425|450|522) /); // a fresh TLS session on the data connection
    assert.match(peer.log(), /did not reuse SSL session|TLS session.*reuse/i);
  },
);

peerTest("proftpd: sessionReuseRequired false lets a fresh data session through", [
  "proftpd",
  "openssl",
], async () => {
  await using peer = await startProftpd({ tls: "explicit", sessionReuseRequired: false });
  await Deno.writeTextFile(`${peer.root}/a.txt`, "hello");
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  await ftp.command("AUTH TLS");
  await ftp.startTls({ caCerts: [peer.caPem!] });
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  await ftp.command("PBSZ 0");
  await ftp.command("PROT P");
  const { text, reply } = await passive(ftp, "RETR a.txt", { caPem: peer.caPem! });
  assert.equal(text, "hello");
  assert.match(reply, /^226 /);
});

peerTest("proftpd: implicit TLS sends its banner over TLS", ["proftpd", "openssl"], async () => {
  await using peer = await startProftpd({ tls: "implicit", tlsProtocols: "TLSv1.2" });
  await using ftp = await RawFtp.connect(peer.host, peer.port, { caCerts: [peer.caPem!] });
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  assert.match(peer.log(), /TLSv1\.2 connection accepted/);
});

peerTest("proftpd: denyMlsd refuses MLSD with 550 while FEAT still offers MLST", [
  "proftpd",
], async () => {
  await using peer = await startProftpd({ denyMlsd: true });
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  await ftp.login(peer.user, peer.password);
  assert.match((await ftp.command("FEAT")).text, /MLST/);
  assert.equal((await ftp.command("MLSD")).code, 550);
});

peerTest("proftpd: TimesGMT off shows LIST in its TZ, MLSD stays UTC", ["proftpd"], async () => {
  await using peer = await startProftpd({ timesGmt: false, tz: "Asia/Kolkata" });
  await Deno.writeTextFile(`${peer.root}/t.txt`, "x");
  // Recent (LIST shows hh:mm for the last six months): 2 h before now, on a whole minute.
  const mtime = Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60;
  await Deno.utime(`${peer.root}/t.txt`, mtime, mtime);
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  await ftp.login(peer.user, peer.password);
  const list = await passive(ftp, "LIST");
  const local = new Date((mtime + 19_800) * 1000);
  const hhmm = `${String(local.getUTCHours()).padStart(2, "0")}:` +
    String(local.getUTCMinutes()).padStart(2, "0");
  assert.match(list.text, new RegExp(` ${hhmm} t\\.txt`), list.text);
  const mlsd = await passive(ftp, "MLSD");
  const utc = new Date(mtime * 1000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  assert.match(mlsd.text, new RegExp(`modify=${utc};.* t\\.txt`), mlsd.text);
});

peerTest("proftpd: maxClients refuses the connection beyond it", ["proftpd"], async () => {
  await using peer = await startProftpd({ maxClients: 1 });
  await using first = await RawFtp.connect(peer.host, peer.port);
  await first.readReply();
  assert.equal((await first.login(peer.user, peer.password)).code, 230);
  await using second = await RawFtp.connect(peer.host, peer.port);
  const banner = await second.readReply();
  const refused = banner.code === 220 ? await second.login(peer.user, peer.password) : banner;
  assert.match(`${refused.code} ${refused.text}`, /^(421|530) .*Too many connections/);
});
