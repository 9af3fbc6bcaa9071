import assert from "node:assert/strict";
import { PeerError } from "./errors.ts";
import { freePortRange } from "./ports.ts";
import { startPyftpdlib } from "./pyftpdlib.ts";
import { RawFtp } from "./rawftp.ts";
import { peerTest } from "./skip.ts";

peerTest("pyftpdlib: plain banner, login, PASV in range, mlsd:false drops MLSD", [
  "pyftpdlib",
], async () => {
  const range = await freePortRange(5);
  await using peer = await startPyftpdlib({ mlsd: false, passivePorts: range });
  assert.equal(peer.kind, "pyftpdlib");
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  const pasv = await ftp.command("PASV");
  assert.equal(pasv.code, 227);
  const [p1, p2] = pasv.text.match(/(\d+),(\d+)\)/)!.slice(1).map(Number);
  assert.ok(p1 * 256 + p2 >= range[0] && p1 * 256 + p2 <= range[1], pasv.text);
  assert.equal((await ftp.command("MLSD")).code, 500);
  assert.doesNotMatch((await ftp.command("FEAT")).text, /MLST/);
  assert.equal((await ftp.command("QUIT")).code, 221);
});

peerTest("pyftpdlib: serves the given root, MLSD on by default", ["pyftpdlib"], async () => {
  const root = await Deno.makeTempDir({ prefix: "ferry-test-root-" });
  try {
    await Deno.writeTextFile(`${root}/hello.txt`, "hi");
    await using peer = await startPyftpdlib({ root, user: "u", password: "p" });
    assert.equal(peer.root, root);
    await using ftp = await RawFtp.connect(peer.host, peer.port);
    await ftp.readReply();
    assert.equal((await ftp.login("u", "p")).code, 230);
    const mlst = await ftp.command("MLST hello.txt");
    assert.equal(mlst.code, 250);
    assert.match(mlst.text, /size=2;/);
    await peer.stop();
    await Deno.stat(root); // a given root is the test's: stop() leaves it
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

peerTest("pyftpdlib: explicit TLS answers AUTH TLS with 234 and logs in over TLS", [
  "pyftpdlib",
  "openssl",
], async () => {
  await using peer = await startPyftpdlib({ tls: "explicit", tlsControlRequired: true });
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.command(`USER ${peer.user}`)).code, 550); // TLS required first
  assert.equal((await ftp.command("AUTH TLS")).code, 234);
  await ftp.startTls({ caCerts: [peer.caPem!] });
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
});

peerTest("pyftpdlib: implicit TLS sends its banner over TLS", [
  "pyftpdlib",
  "openssl",
], async () => {
  await using peer = await startPyftpdlib({ tls: "implicit" });
  await using ftp = await RawFtp.connect(peer.host, peer.port, { caCerts: [peer.caPem!] });
  assert.equal((await ftp.readReply()).code, 220);
  assert.equal((await ftp.login(peer.user, peer.password)).code, 230);
  assert.equal((await ftp.command("AUTH TLS")).code, 503); // already secure
});

peerTest("pyftpdlib: a failing start throws PeerError with Python's traceback", [
  "pyftpdlib",
], async () => {
  const error = await startPyftpdlib({ extraPython: "raise RuntimeError('boom-42')" })
    .then(() => undefined, (e) => e);
  assert.ok(error instanceof PeerError, String(error));
  assert.match(error.message, /RuntimeError: boom-42/);
});

peerTest("pyftpdlib: useGmtTimes:false with tz reports local times in MDTM", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata" });
  await Deno.writeTextFile(`${peer.root}/t.txt`, "x");
  await Deno.utime(`${peer.root}/t.txt`, 0, Date.UTC(2020, 0, 1, 0, 0, 0) / 1000);
  await using ftp = await RawFtp.connect(peer.host, peer.port);
  await ftp.readReply();
  await ftp.login(peer.user, peer.password);
  assert.deepEqual(await ftp.command("MDTM t.txt"), { code: 213, text: "20200101053000" });
});
