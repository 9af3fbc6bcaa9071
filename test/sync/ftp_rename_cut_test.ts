/**
 * An upload whose last step, the rename of the finished partial onto the real
 * name, is cut (the control connection closed at RNTO), on a real server
 * (pyftpdlib: MLST, MFMT; vsftpd: SIZE, LIST, `MDTM time path`; ProFTPD and
 * Pure-FTPd, the strict ones) behind the cut proxy. The transfer must find out on a new
 * session what happened: rename again when the partial is still there, take
 * the rename as done when the target has the size and time sent, and fail
 * clearly otherwise: never upload again, never call it done unchecked.
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { RenameUnconfirmedError, transferFile, type TransferResult } from "../../sync/transfer.ts";
import { type ControlCut, startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import type { Peer } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";
import { at, put } from "./helpers.ts";

const content = "the new bytes, all of them";

/** One upload of `a.txt` to `up/` with the control connection cut as `cut` says. */
async function uploadCut(
  peer: FtpPeer,
  cut: ControlCut,
  retries?: number,
): Promise<TransferResult | Error> {
  await Deno.mkdir(`${peer.root}/up`, { recursive: true });
  await chownForVsftpd(`${peer.root}/up`);
  await using proxy = await startCutProxy({ targetPort: peer.port, controlCut: cut });
  const src = new MemoryEndpoint();
  await put(src, "a.txt", content, at(30));
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/up`, {
    credentials: { user: peer.user, password: peer.password },
    timeout: 10,
  });
  try {
    const size = (await src.stat("a.txt")).size;
    const result = await transferFile(src, "a.txt", ftp, "a.txt", {
      size,
      mtime: at(30),
      retry: { baseDelayMs: 1, retries },
    }).catch((error: Error) => error);
    assert.ok(proxy.controlCutDone(), "the rename was cut");
    const stores = proxy.commands().filter((c) => /^(STOR|APPE)\b/.test(c));
    assert.equal(stores.length, 1, `uploaded once: ${stores}`);
    return result;
  } finally {
    await ftp.close();
  }
}

async function assertArrived(peer: FtpPeer): Promise<void> {
  assert.equal(await Deno.readTextFile(`${peer.root}/up/a.txt`), content);
  assert.equal((await Deno.stat(`${peer.root}/up/a.txt`)).mtime?.getTime(), at(30).getTime());
  assert.deepEqual([...Deno.readDirSync(`${peer.root}/up`)].map((e) => e.name), ["a.txt"]);
}

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["pyftpdlib", () => startPyftpdlib()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`${name}: a rename cut before it reached the server is made again`, [name], async () => {
    await using peer = await start();
    const result = await uploadCut(peer, { command: /^RNTO /, at: "command" });
    if (result instanceof Error) throw result;
    assert.equal(result.mtimeSet, true);
    await assertArrived(peer);
  });

  peerTest(
    `${name}: a rename done but its answer cut is found done, not made again`,
    [name],
    async () => {
      await using peer = await start();
      const result = await uploadCut(peer, { command: /^RNTO /, at: "reply" });
      if (result instanceof Error) throw result;
      assert.equal(result.mtimeSet, true);
      await assertArrived(peer);
    },
  );

  peerTest(
    `${name}: after a cut rename, a target not as sent fails the file clearly`,
    [name],
    async () => {
      await using peer = await start();
      // The rename happened; then the file went (another client): nothing to call done.
      const result = await uploadCut(peer, {
        command: /^RNTO /,
        at: "reply",
        onCut: () => Deno.remove(`${peer.root}/up/a.txt`),
      });
      assert.ok(result instanceof RenameUnconfirmedError, String(result));
      assert.equal(result.path, "a.txt");
      assert.match(result.message, /\.a\.txt\.ferry\.part is gone and a\.txt is missing/);
      assert.match(result.message, /control connection|closed/i);
    },
  );

  peerTest(
    `${name}: after a cut rename, a target of the size sent but another time is not called done`,
    [name],
    async () => {
      await using peer = await start();
      // As an old file of the same size would look if the partial had gone another way: days
      // older, as vsftpd lists a file of 2024 by its day (a time within the listing's
      // precision cannot be told from the one set).
      const old = at(-3 * 86_400);
      const result = await uploadCut(peer, {
        command: /^RNTO /,
        at: "reply",
        onCut: () => Deno.utime(`${peer.root}/up/a.txt`, old, old),
      });
      assert.ok(result instanceof RenameUnconfirmedError, String(result));
      assert.match(result.message, /has the size sent but the time .* it may be the old file/);
    },
  );

  peerTest(
    `${name}: with no retries, a rename done but its answer cut is still found done`,
    [name],
    async () => {
      await using peer = await start();
      // The look at the target sends no bytes and renames nothing: not a retry.
      const result = await uploadCut(peer, { command: /^RNTO /, at: "reply" }, 0);
      if (result instanceof Error) throw result;
      assert.equal(result.mtimeSet, true);
      await assertArrived(peer);
    },
  );

  peerTest(
    `${name}: with no retries, a rename cut before the server is not made again: the file fails`,
    [name],
    async () => {
      await using peer = await start();
      const result = await uploadCut(peer, { command: /^RNTO /, at: "command" }, 0);
      assert.ok(result instanceof Error && !(result instanceof RenameUnconfirmedError));
      assert.match(result.message, /control connection|closed/i);
      assert.equal(await Deno.readTextFile(`${peer.root}/up/.a.txt.ferry.part`), content);
      await assert.rejects(Deno.stat(`${peer.root}/up/a.txt`), Deno.errors.NotFound);
    },
  );
}
