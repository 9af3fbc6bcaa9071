/**
 * The wire client against real Pure-FTPd, whose LIST takes its argument as an
 * `ls` argument line: `LIST /c d` lists `/c` and `d`. Directories with white
 * space in their path are listed from inside.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { peerTest } from "../peers/skip.ts";

peerTest("pureftpd: LIST of a directory with a space lists that directory, cwd unchanged", [
  "pureftpd",
], async () => {
  await using peer = await startPureFtpd();
  await Deno.mkdir(`${peer.root}/c d/e f`, { recursive: true });
  await Deno.mkdir(`${peer.root}/c`);
  await Deno.writeTextFile(`${peer.root}/c d/x.txt`, "x");
  await Deno.writeTextFile(`${peer.root}/c d/e f/y z.txt`, "yz");
  await Deno.writeTextFile(`${peer.root}/c/not-this.txt`, "no");
  const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 10_000 });
  try {
    await ftp.login(peer.user, peer.password);
    const names = (entries: { name: string }[]) =>
      entries.map((e) => e.name).filter((n) => n !== "." && n !== "..").sort();
    assert.deepEqual(names(await ftp.list("/c d")), ["e f", "x.txt"]);
    assert.deepEqual(names(await ftp.list("/c d/e f")), ["y z.txt"]);
    assert.equal((await ftp.list("/c d/e f")).find((e) => e.name === "y z.txt")?.size, 2);
    assert.ok((await ftp.listLines("/c d")).some((l) => l.endsWith(" x.txt")));
    assert.equal(await ftp.pwd(), "/");
    // Where CWD refuses, the path goes to LIST as before (Pure-FTPd lists nothing).
    assert.deepEqual(names(await ftp.list("/no such")), []);
    assert.equal(await ftp.pwd(), "/");
  } finally {
    await ftp.close();
  }
});
