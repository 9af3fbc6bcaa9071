/**
 * Resume after a cut data connection against a real FTP server (vsftpd), up
 * and down: the offset is the partial's size as the server (SIZE) or the disk
 * reports it now, and the finished file is checked by size before its rename.
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../host.ts";
import { LocalEndpoint, mirror } from "../../mod.ts";
import { randomFile, sha256 } from "./helpers.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

const MIB = 1024 * 1024;

function partials(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".part"));
}

for (const direction of ["up", "down"] as const) {
  const what = direction === "up" ? "an upload" : "a download";
  peerTest(`vsftpd: ${what} cut once at 8 of 32 MiB resumes to the same bytes`, [
    "vsftpd",
  ], async () => {
    await using peer = await startVsftpd({ lockUploadFiles: false });
    await using proxy = await startCutProxy({
      targetPort: peer.port,
      cut: { afterBytes: 8 * MIB },
    });
    const local = await Deno.makeTempDir({ prefix: "ferry-ftpresume-" });
    const content = randomFile(32 * MIB);
    const remote = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/`, {
      credentials: { user: peer.user, password: peer.password },
      timeout: 10,
    });
    try {
      const served = `${peer.root}/big.bin`;
      if (direction === "up") await Deno.writeFile(`${local}/big.bin`, content);
      else {
        await Deno.writeFile(served, content);
        await chownForVsftpd(served);
      }
      const disk = new LocalEndpoint(local);
      const r = direction === "up"
        ? await mirror(disk, "", remote, "", { retry: { baseDelayMs: 10 } })
        : await mirror(remote, "", disk, "", { retry: { baseDelayMs: 10 } });
      assert.ok(r.ok, JSON.stringify(r.errors));
      assert.ok(proxy.cutDone(), "the data connection was cut");
      assert.equal(r.resumed, 1, "resumed, not started over");
      const result = await Deno.readFile(direction === "up" ? served : `${local}/big.bin`);
      assert.equal(result.length, content.length);
      assert.equal(sha256(result), sha256(content), "byte-identical");
      assert.deepEqual(partials(direction === "up" ? peer.root : local), []);
    } finally {
      await remote.close();
      await Deno.remove(local, { recursive: true });
    }
  });
}
