/**
 * `ferry rmtree` of a path that is not there says so on stderr in one line,
 * naming it where it is, and exits 1, as `rm -r missing` does ("rm: cannot
 * remove 'missing': No such file or directory"); with `--ignore-errors` (as
 * `rm -rf`, ftputil's `rmtree(ignore_errors=True)`) it is quiet and exits 0.
 * Before: the reason was only in the job report on stdout. On vsftpd,
 * ProFTPD, a local path and s3rver.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { startS3rver } from "../s3/s3rver.ts";
import type { FtpPeer } from "../peers/types.ts";

async function saysMissing(
  url: string,
  where: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<void> {
  const extra = options.args ?? [];
  // s3:// keeps a cache in the working directory's .ferry: a temp one.
  const cwd = await Deno.makeTempDir({ prefix: "ferry-rmtree-missing-" });
  try {
    await runs(url, where, extra, { env: options.env, cwd });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

async function runs(
  url: string,
  where: string,
  extra: string[],
  options: { env?: Record<string, string>; cwd: string },
): Promise<void> {
  for (const quiet of [[], ["-q"]]) {
    const run = await ferry(["rmtree", ...quiet, url, ...extra], options);
    const what = `ferry rmtree ${quiet.join(" ")} ${url}:\n${run.stdout}${run.stderr}`;
    assert.equal(run.code, 1, what);
    const lines = run.stderr.split("\n").filter((l) => l.includes("cannot remove"));
    assert.equal(lines.length, 1, what);
    assert.ok(lines[0].includes(`cannot remove ${where}: `), what);
    assert.match(lines[0], /no such file or directory/, what);
  }
  const ignored = await ferry(["rmtree", "--ignore-errors", url, ...extra], options);
  const what = `ferry rmtree --ignore-errors ${url}:\n${ignored.stdout}${ignored.stderr}`;
  assert.equal(ignored.code, 0, what);
  assert.doesNotMatch(ignored.stderr, /cannot remove/, what);
}

const FTP: [FtpPeer["kind"], () => Promise<FtpPeer>][] = [
  ["vsftpd", () => startVsftpd()],
  ["proftpd", () => startProftpd()],
];

for (const [name, start] of FTP) {
  peerTest(`rmtree of a missing path on ${name}: one line on stderr, exit 1`, [name], async () => {
    await using peer = await start();
    const at = `127.0.0.1:${peer.port}`;
    await saysMissing(`ftp://${at}/missing`, `ftp://${peer.user}@${at}/missing`, {
      args: ["-u", peer.user, "--password-env", "PW"],
      env: { PW: peer.password },
    });
  });
}

Deno.test("rmtree of a missing local path: one line on stderr, exit 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-rmtree-missing-" });
  try {
    await saysMissing(join(dir, "missing"), join(dir, "missing"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "rmtree of a missing s3:// key: one line on stderr, exit 1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    await saysMissing("s3://test/missing", "s3://test/missing", { env: s3.env });
  },
});
