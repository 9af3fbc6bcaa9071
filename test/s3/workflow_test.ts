/**
 * A workflow with an s3:// endpoint: auth method `s3` (keys from named
 * environment variables), endpoint keys under `options:`, a mirror job and
 * its dry run; the secret never shows in the output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { startS3rver } from "./s3rver.ts";

Deno.test({
  name: "s3 workflow: auth s3 + options.endpoint; dry run touches nothing, the run mirrors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(join(dir, "src"));
      await Deno.writeTextFile(join(dir, "src", "a.txt"), "from a workflow");
      await Deno.writeTextFile(
        join(dir, "wf.yaml"),
        `version: 1
name: to-bucket
endpoints:
  here: { url: ./src }
  bucket:
    url: s3://${s3.bucket}/wf
    auth: { method: s3, accessKeyIdEnv: BUCKET_KEY_ID, secretAccessKeyEnv: BUCKET_SECRET }
    options: { endpoint: "${s3.endpoint}", region: us-east-1, pathStyle: true }
jobs:
  up: { mirror: { from: "here:/", to: "bucket:/", delete: true } }
`,
      );
      const env = {
        AWS_SHARED_CREDENTIALS_FILE: s3.absent,
        AWS_CONFIG_FILE: s3.absent,
        BUCKET_KEY_ID: s3.accessKeyId,
        BUCKET_SECRET: s3.secretAccessKey,
      };
      const dry = await ferry(["run", "--dry-run", "wf.yaml"], { env, cwd: dir });
      assert.equal(dry.code, 0, dry.stderr + dry.stdout);
      const ls0 = await ferry(["ls", `s3://${s3.bucket}/`], {
        env: { ...env, ...s3.env },
        cwd: dir,
      });
      assert.doesNotMatch(ls0.stdout, /wf/);
      const real = await ferry(["run", "wf.yaml"], { env, cwd: dir });
      assert.equal(real.code, 0, real.stderr + real.stdout);
      const ls = await ferry(["ls", `s3://${s3.bucket}/wf`], {
        env: { ...env, ...s3.env },
        cwd: dir,
      });
      assert.match(ls.stdout, /a\.txt/);
      assert.doesNotMatch(dry.stdout + dry.stderr + real.stdout + real.stderr, /S3RVER/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
