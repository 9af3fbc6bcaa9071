/**
 * `ferry walk` and `ferry mirror` of a directory that is not there fail (exit 1)
 * naming it where it is: user@host:port and the path on every real FTP server
 * (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib), the local path, `s3://bucket/key`,
 * and the real UFTPD's `uftp://` URL, on stderr and in the report. Before:
 * `cannot list : no such file or directory: missing`, an empty path before
 * the colon and no server. Nothing is written where the copy would go.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startPureFtpd } from "../peers/pureftpd.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { startS3rver } from "../s3/s3rver.ts";
import type { FtpPeer } from "../peers/types.ts";

/** Runs walk and mirror of `url` and checks both name `where`. */
async function bothName(
  url: string,
  where: string,
  options: { args?: string[]; env?: Record<string, string>; secret?: string } = {},
): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "ferry-walk-missing-" });
  try {
    for (const args of [["walk", url], ["mirror", url, "copy"]]) {
      const run = await ferry([...args, ...options.args ?? []], { env: options.env, cwd });
      const what = `ferry ${args.join(" ")}:\n${run.stdout}${run.stderr}`;
      assert.equal(run.code, 1, what);
      assert.ok(run.stderr.includes(`cannot list ${where}: `), `no "${where}" on stderr: ${what}`);
      assert.match(run.stderr, /no such file or directory/, what);
      assert.ok(run.stdout.includes(`(${where})`), `no "(${where})" in the report: ${what}`);
      assert.doesNotMatch(run.stderr, /cannot list :/, what);
      if (options.secret) assert.ok(!(run.stdout + run.stderr).includes(options.secret), what);
    }
    // Only the state directory (s3:// keeps its listing cache there): no copy.
    const made = [...Deno.readDirSync(cwd)].map((e) => e.name).filter((n) => n !== ".ferry");
    assert.deepEqual(made, [], "nothing made in the working directory");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

const FTP: [FtpPeer["kind"], () => Promise<FtpPeer>][] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd()],
  ["pureftpd", () => startPureFtpd()],
  ["pyftpdlib", () => startPyftpdlib()],
];

for (const [name, start] of FTP) {
  peerTest(`walk and mirror of a missing directory on ${name} name user@host:port/path`, [
    name,
  ], async () => {
    await using peer = await start();
    const at = `127.0.0.1:${peer.port}`;
    await bothName(`ftp://${at}/missing`, `ftp://${peer.user}@${at}/missing`, {
      args: ["-u", peer.user, "--password-env", "PW"],
      env: { PW: peer.password },
      secret: peer.password,
    });
  });
}

Deno.test("walk and mirror of a missing local directory name its path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-walk-missing-local-" });
  try {
    await bothName(join(dir, "missing"), join(dir, "missing"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "walk and mirror of a missing s3:// prefix name s3://bucket/key",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    await bothName("s3://test/missing", "s3://test/missing", { env: s3.env });
  },
});

peerTest("walk and mirror of a missing directory on the real UFTPD name the uftp:// URL", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd();
  const dir = await Deno.makeTempDir({ prefix: "ferry-walk-missing-uftp-" });
  try {
    await Deno.writeTextFile(join(dir, "ca.pem"), site.ca);
    const url = site.dataUrl.replace("uftp://", `uftp://${site.user}@`) + "/missing";
    await bothName(`${site.dataUrl}/missing`, url, {
      args: ["-u", site.user, "--password-env", "PW", "--ca", join(dir, "ca.pem")],
      env: { PW: site.password },
      secret: site.password,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
