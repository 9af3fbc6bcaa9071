import assert from "node:assert/strict";
import { startCutProxy } from "./cut_proxy.ts";
import { startPyftpdlib } from "./pyftpdlib.ts";
import { RawFtp } from "./rawftp.ts";
import { peerTest } from "./skip.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);

async function login(port: number, user: string, password: string): Promise<RawFtp> {
  const ftp = await RawFtp.connect("127.0.0.1", port);
  await ftp.readReply();
  assert.equal((await ftp.login(user, password)).code, 230);
  assert.equal((await ftp.command("TYPE I")).code, 200);
  return ftp;
}

peerTest("cut proxy: forwards PASV and EPSV transfers byte for byte and counts them", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const content = bytes(300_000);
  await Deno.writeFile(`${peer.root}/f.bin`, content);
  await using proxy = await startCutProxy({ targetPort: peer.port });
  await using ftp = await login(proxy.port, peer.user, peer.password);
  const pasv = await ftp.transfer("RETR f.bin");
  assert.equal(pasv.final?.code, 226);
  assert.deepEqual(pasv.data, content);
  const epsv = await ftp.transfer("STOR g.bin", { upload: content, epsv: true });
  assert.equal(epsv.final?.code, 226);
  assert.deepEqual(await Deno.readFile(`${peer.root}/g.bin`), content);
  assert.equal(proxy.dataConnections(), 2);
  assert.equal(proxy.controlConnections(), 1);
  assert.equal(proxy.cutDone(), false);
});

peerTest("cut proxy: the 2nd data connection of a download ends after exactly K bytes, once", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const content = bytes(1_000_000);
  await Deno.writeFile(`${peer.root}/f.bin`, content);
  await using proxy = await startCutProxy({
    targetPort: peer.port,
    cut: { connection: 2, afterBytes: 123_456 },
  });
  await using ftp = await login(proxy.port, peer.user, peer.password);
  assert.deepEqual((await ftp.transfer("RETR f.bin")).data, content);
  const cut = await ftp.transfer("RETR f.bin");
  assert.deepEqual(cut.data, content.subarray(0, 123_456));
  assert.equal(proxy.cutDone(), true);
  assert.deepEqual((await ftp.transfer("RETR f.bin")).data, content);
  assert.equal(proxy.dataConnections(), 3);
});

peerTest("cut proxy: an upload cut with 'close' leaves the server exactly K bytes", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  await using proxy = await startCutProxy({ targetPort: peer.port, cut: { afterBytes: 65_536 } });
  await using ftp = await login(proxy.port, peer.user, peer.password);
  const up = await ftp.transfer("STOR u.bin", { upload: bytes(2_000_000) });
  // The server saw a clean EOF: it takes the truncated file as complete.
  assert.equal(up.final?.code, 226);
  assert.equal((await Deno.stat(`${peer.root}/u.bin`)).size, 65_536);
});

peerTest("cut proxy: 'reset' mode resets both sides", ["pyftpdlib"], async () => {
  await using peer = await startPyftpdlib();
  await Deno.writeFile(`${peer.root}/f.bin`, bytes(4_000_000));
  await using proxy = await startCutProxy({
    targetPort: peer.port,
    cut: { afterBytes: 100_000, mode: "reset" },
  });
  await using ftp = await login(proxy.port, peer.user, peer.password);
  const cut = await ftp.transfer("RETR f.bin");
  assert.ok(cut.data.length <= 100_000, String(cut.data.length));
  assert.ok(cut.dataError || cut.final?.code !== 226, JSON.stringify(cut.final));
  assert.equal(proxy.cutDone(), true);
});

peerTest("cut proxy: without a connection number, the first to reach K bytes is cut", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  await Deno.writeFile(`${peer.root}/small.bin`, bytes(1000));
  await Deno.writeFile(`${peer.root}/big.bin`, bytes(500_000));
  await using proxy = await startCutProxy({ targetPort: peer.port, cut: { afterBytes: 200_000 } });
  await using ftp = await login(proxy.port, peer.user, peer.password);
  assert.equal((await ftp.transfer("RETR small.bin")).data.length, 1000);
  assert.equal((await ftp.transfer("RETR big.bin")).data.length, 200_000);
  assert.equal((await ftp.transfer("RETR big.bin")).data.length, 500_000);
  assert.equal(proxy.dataConnections(), 3);
});
