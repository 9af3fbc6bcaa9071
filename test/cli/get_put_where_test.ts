/**
 * `get` of a missing file and `put` onto a directory through the endpoint
 * contract (local paths, s3://, the real UFTPD's uftp://) name the path where
 * it is, as FTP's do (missing_remote_test): `is a directory: dir
 * (s3://test/dir)`, exit 1. Before: `ferry: is a directory: dir`,
 * `ferry: no such file or directory: missing.txt`, no endpoint named.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { startS3rver } from "../s3/s3rver.ts";

/** get BASE/missing.txt (to a file and to stdout) and put into BASE/dir name them. */
async function namesWhere(
  base: string,
  where: string,
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "ferry-get-put-where-" });
  try {
    await Deno.writeTextFile(join(cwd, "local.txt"), "local");
    const runs: [string[], string, RegExp][] = [
      [["get", `${base}/missing.txt`, "got.txt"], "missing.txt", /no such file or directory/],
      [["get", `${base}/missing.txt`, "-"], "missing.txt", /no such file or directory/],
      [["put", "local.txt", `${base}/dir`], "dir", /is a directory/],
    ];
    for (const [args, path, why] of runs) {
      const run = await ferry([...args, ...options.args ?? []], { env: options.env, cwd });
      const what = `ferry ${args.join(" ")}:\n${run.stdout}${run.stderr}`;
      assert.equal(run.code, 1, what);
      assert.match(run.stderr, why, what);
      assert.ok(run.stderr.includes(`(${where}/${path})`), `no (${where}/${path}): ${what}`);
    }
    const made = [...Deno.readDirSync(cwd)].map((e) => e.name).filter((n) => n !== ".ferry");
    assert.deepEqual(made, ["local.txt"], "no partial or copy left");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test("get/put of local paths name the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-get-put-where-local-" });
  try {
    await Deno.mkdir(join(dir, "dir"));
    await namesWhere(dir, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "get/put of s3:// name s3://bucket/key",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const seed = await Deno.makeTempDir({ prefix: "ferry-get-put-where-s3-" });
    try {
      await Deno.writeTextFile(join(seed, "in.txt"), "in");
      const put = await ferry(["put", "in.txt", "s3://test/dir/in.txt"], {
        env: s3.env,
        cwd: seed,
      });
      assert.equal(put.code, 0, put.stderr);
    } finally {
      await Deno.remove(seed, { recursive: true });
    }
    await namesWhere("s3://test", "s3://test", { env: s3.env });
  },
});

peerTest(
  "get/put of the real UFTPD's uftp:// name the uftp:// URL",
  ["uftpd", "openssl"],
  async () => {
    await using site = await startRealUftpd();
    await Deno.mkdir(join(site.root, "data", "dir"));
    await new Deno.Command("chown", {
      args: [`${site.unixUser}:`, join(site.root, "data", "dir")],
    }).output();
    const dir = await Deno.makeTempDir({ prefix: "ferry-get-put-where-uftp-" });
    try {
      await Deno.writeTextFile(join(dir, "ca.pem"), site.ca);
      await namesWhere(site.dataUrl, site.dataUrl.replace("uftp://", `uftp://${site.user}@`), {
        args: ["-u", site.user, "--password-env", "PW", "--ca", join(dir, "ca.pem")],
        env: { PW: site.password },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
