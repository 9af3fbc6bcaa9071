/**
 * `ferry put` (the whole process) whose last step, the rename of the uploaded
 * partial onto the real name, is cut: the control connection closed at RNTO,
 * by the cut proxy in front of a real server (pyftpdlib, vsftpd). The put asks
 * the server on a new session what happened (sync/replace_checked.ts): renames
 * again when the partial is still there, ends ok when the real name has the
 * size and time sent, fails (exit 1) when it has not; it never uploads again.
 * Before it used the engine's checked rename, every cut failed the put after
 * all the bytes had arrived.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type ControlCut, startCutProxy } from "../peers/cut_proxy.ts";
import { type Peer, peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import type { FtpPeer } from "../peers/types.ts";
import { type CliResult, ferry } from "./helpers.ts";

const content = "the new bytes, all of them";
/** The local file's time: a day in 2024 (vsftpd lists it by its day, pyftpdlib to the second). */
const mtime = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

/** `ferry put a.txt` into `up/` with the control connection cut as `cut` says. */
async function putCut(peer: FtpPeer, cut: ControlCut): Promise<CliResult> {
  await Deno.mkdir(`${peer.root}/up`, { recursive: true });
  await chownForVsftpd(`${peer.root}/up`);
  const tmp = await Deno.makeTempDir({ prefix: "ferry-cli-put-cut-" });
  try {
    const local = join(tmp, "a.txt");
    await Deno.writeTextFile(local, content);
    await Deno.utime(local, mtime, mtime);
    await using proxy = await startCutProxy({ targetPort: peer.port, controlCut: cut });
    const user = encodeURIComponent(peer.user);
    const password = encodeURIComponent(peer.password);
    const r = await ferry([
      "put",
      "--no-netrc",
      local,
      `ftp://${user}:${password}@127.0.0.1:${proxy.port}/up/`,
    ]);
    assert.ok(proxy.controlCutDone(), `the rename was cut: ${r.stderr}`);
    const stores = proxy.commands().filter((c) => /^(STOR|APPE)\b/.test(c));
    assert.equal(stores.length, 1, `uploaded once: ${stores}`);
    return r;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** The put ended ok, as documented (one line on stderr), and `up/` holds the file alone. */
async function assertPut(peer: FtpPeer, r: CliResult): Promise<void> {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /^put up\/a\.txt: 26 B in /m);
  assert.equal(await Deno.readTextFile(`${peer.root}/up/a.txt`), content);
  assert.equal((await Deno.stat(`${peer.root}/up/a.txt`)).mtime?.getTime(), mtime.getTime());
  assert.deepEqual([...Deno.readDirSync(`${peer.root}/up`)].map((e) => e.name), ["a.txt"]);
}

const servers: [Peer, () => Promise<FtpPeer>][] = [
  ["pyftpdlib", () => startPyftpdlib()],
  ["vsftpd", () => startVsftpd({ lockUploadFiles: false })],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
];

for (const [name, start] of servers) {
  peerTest(`put, ${name}: a rename cut before it reached the server is made again`, [
    name,
  ], async () => {
    await using peer = await start();
    await assertPut(peer, await putCut(peer, { command: /^RNTO /, at: "command" }));
  });

  peerTest(`put, ${name}: a rename done but its answer cut is found done`, [name], async () => {
    await using peer = await start();
    await assertPut(peer, await putCut(peer, { command: /^RNTO /, at: "reply" }));
  });

  peerTest(`put, ${name}: after a cut rename, a target gone fails the put (exit 1)`, [
    name,
  ], async () => {
    await using peer = await start();
    // The rename happened; then the file went (another client): nothing to call done.
    const r = await putCut(peer, {
      command: /^RNTO /,
      at: "reply",
      onCut: () => Deno.remove(`${peer.root}/up/a.txt`),
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /up\/a\.txt: the rename .* failed .*up\/\.a\.txt\.ferry\.part is gone and up\/a\.txt is missing/,
    );
  });
}

/**
 * The endpoint path (every scheme but FTP's): `put` to the real UFTPD, the proxy
 * in front of its FTP port cutting at RNTO. A new session (a new auth request)
 * asks what happened. Only the cut before RNTO reaches the UFTPD: the proxy's
 * count of replies does not fit the UFTPD's session (the cut "at reply" withheld
 * a later answer, not RNTO's: the put was ok on main too).
 */
async function putCutUftp(cut: ControlCut): Promise<void> {
  await using site = await startRealUftpd({ controlCut: cut });
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-put-cut-uftp-" });
  try {
    await Deno.writeTextFile(join(dir, "ca.pem"), site.ca);
    const local = join(dir, "a.txt");
    await Deno.writeTextFile(local, content);
    await Deno.utime(local, mtime, mtime);
    const env = { UFTP_PW: site.password };
    const auth = ["--user", site.user, "--password-env", "UFTP_PW", "--ca", join(dir, "ca.pem")];
    const r = await ferry(["put", local, `${site.dataUrl}/`, ...auth], { env });
    assert.ok(site.proxy!.controlCutDone(), `the rename was cut: ${r.stderr}`);
    const stores = site.proxy!.commands().filter((c) => /^(STOR|APPE)\b/.test(c));
    assert.equal(stores.length, 1, `uploaded once: ${stores}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^put a\.txt: 26 B in /m);
    const data = `${site.root}/data`;
    assert.equal(await Deno.readTextFile(`${data}/a.txt`), content);
    assert.equal((await Deno.stat(`${data}/a.txt`)).mtime?.getTime(), mtime.getTime());
    assert.deepEqual([...Deno.readDirSync(data)].map((e) => e.name), ["a.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

peerTest("put, uftpd: a rename cut before it reached the server is made again", [
  "uftpd",
  "openssl",
], () => putCutUftp({ command: /^RNTO /, at: "command" }));
