/**
 * A LIST listing of a path whose parent is not listed yet (a walk's root):
 * where the server shows the directory's own "." (vsftpd, Pure-FTPd), the listing proves
 * the path a directory and the parent is not listed to check it; a file, a
 * missing path and a link fail or list as before, in the same words; where
 * the server shows no "." (pyftpdlib, LIST asked for), the check lists the parent and the first
 * listing stands (no more listings than before).
 */
import assert from "node:assert/strict";
import { FtpHost } from "../../endpoint/ftp/host.ts";
import { NotADirectoryError, NotFoundError } from "../../endpoint/errors.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { traceCommands } from "../ftp/trace_commands.ts";
import type { FtpPeer } from "../peers/types.ts";

/** Makes /src (a.txt, sub/), /file.txt, /link -> src and /d/x* in `root`. */
async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/src/sub`, { recursive: true });
  await Deno.writeTextFile(`${root}/src/a.txt`, "a\n");
  await Deno.writeTextFile(`${root}/file.txt`, "f\n");
  await Deno.symlink("src", `${root}/link`);
  await Deno.mkdir(`${root}/d/x1`, { recursive: true });
}

/**
 * A fresh host's listing of `path` (names without . and ..) and the listings it
 * sent (LIST, and STAT where the server's STAT lists: endpoint/ftp/stat.ts).
 */
async function listFresh(peer: FtpPeer, path: string, extra: { useMlsd?: boolean } = {}) {
  const trace = await traceCommands();
  const host = await FtpHost.connect({
    host: peer.host,
    port: peer.port,
    user: peer.user,
    password: peer.password,
    timeoutMs: 10_000,
    maxChildren: 0,
    ...extra,
  });
  try {
    const names = (await host.list(path)).map((s) => s.name).sort();
    return { names, lists: trace.sent.filter((l) => /^(LIST|STAT)/.test(l)) };
  } finally {
    await host.close();
    await trace.stop();
  }
}

/** The error a fresh host's listing of `path` fails with. */
async function failure(
  peer: FtpPeer,
  path: string,
  extra: { useMlsd?: boolean } = {},
): Promise<Error> {
  try {
    await listFresh(peer, path, extra);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`listing ${path} did not fail`);
}

/** A file and a missing path fail as they did before (the same errors, the same words). */
async function assertFailures(peer: FtpPeer, extra: { useMlsd?: boolean } = {}): Promise<void> {
  const file = await failure(peer, "/file.txt", extra);
  assert.ok(file instanceof NotADirectoryError, String(file));
  assert.equal(file.message, "not a directory: /file.txt");
  const missing = await failure(peer, "/missing", extra);
  assert.ok(missing instanceof NotFoundError, String(missing));
  assert.equal(missing.message, "no such file or directory: /missing");
}

peerTest("vsftpd: a root's LIST with its own '.' is the check (no LIST of the parent)", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd();
  await makeTree(peer.root);
  await chownForVsftpd(peer.root);
  const src = await listFresh(peer, "/src");
  assert.deepEqual(src.names, ["a.txt", "sub"]);
  // Its STAT -a shows the "." as its LIST -a does: the listing, over the control connection.
  assert.deepEqual(src.lists, ["STAT -a /src"]);
  // vsftpd lists through the link: the place it leads to, as before.
  assert.deepEqual((await listFresh(peer, "/link")).names, ["a.txt", "sub"]);
  await assertFailures(peer);
  // A glob-like name is checked the usual way: vsftpd would list /d for /d/x*.
  const glob = await failure(peer, "/d/x*");
  assert.ok(glob instanceof NotFoundError, String(glob));
});

peerTest("Pure-FTPd (LIST asked for): its '.' is the check too", ["pureftpd"], async () => {
  await using peer = await startPureFtpd();
  await makeTree(peer.root);
  const list = { useMlsd: false };
  const src = await listFresh(peer, "/src", list);
  assert.deepEqual(src.names, ["a.txt", "sub"]);
  // Its STAT -a shows the "." (its plain STAT would not).
  assert.deepEqual(src.lists, ["STAT -a /src"]);
  await assertFailures(peer, list);
});

peerTest("pyftpdlib: no '.' shown: the parent is listed to check, the first listing stands", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  await makeTree(peer.root);
  const list = { useMlsd: false };
  const src = await listFresh(peer, "/src", list);
  assert.deepEqual(src.names, ["a.txt", "sub"]);
  // As many LISTs as before (then: LIST -a /, LIST /, LIST /src): pyftpdlib refuses
  // "-a", the session lists without it from then on, and the parent is listed. Its
  // 550 to STAT -a, where LIST then works, gives STAT up for the host: asked once.
  assert.deepEqual(src.lists, ["STAT -a /src", "LIST -a /src", "LIST /src", "LIST /"]);
  await assertFailures(peer, list);
});
