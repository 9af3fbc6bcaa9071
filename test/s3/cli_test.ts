/**
 * `ferry mirror` to and from s3:// against s3rver, as whole processes: keys
 * and endpoint from the AWS CLI's environment variables, mtimes that rclone
 * reads back, a no-change re-run, listings of more than one page, and bad
 * input (unknown keys, a missing bucket, an endpoint that is not S3, a key
 * that is both a file and a prefix) failing with the key or bucket named.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { openOn } from "./helpers.ts";
import { writeAll } from "../../endpoint/streams.ts";
import { type S3rverHandle, startS3rver } from "./s3rver.ts";

function envOf(s3: S3rverHandle, extra: Record<string, string> = {}): Record<string, string> {
  return { ...s3.env, ...extra };
}

async function makeTree(dir: string, files: number): Promise<void> {
  await Deno.mkdir(join(dir, "many"), { recursive: true });
  await Deno.mkdir(join(dir, "sub", "deep"), { recursive: true });
  await Deno.writeTextFile(join(dir, "a.txt"), "hello s3\n");
  await Deno.writeTextFile(join(dir, "sub", "deep", "b.bin"), "x".repeat(70_000));
  await Deno.utime(
    join(dir, "a.txt"),
    new Date("2020-01-02T03:04:05Z"),
    new Date("2020-01-02T03:04:05Z"),
  );
  for (let i = 0; i < files; i++) {
    await Deno.writeTextFile(join(dir, "many", `f${String(i).padStart(4, "0")}`), `${i}`);
  }
}

Deno.test({
  name: "s3 cli: mirror up (listing pages > 1,000 keys), no-change re-run, mirror down with mtimes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    try {
      await makeTree(join(dir, "src"), 1_005);
      const up = await ferry(["mirror", join(dir, "src"), "s3://test/backup"], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.equal(up.code, 0, up.stderr + up.stdout);
      const again = await ferry(["--json", "mirror", join(dir, "src"), "s3://test/backup"], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout + again.stderr, /"transferred":\s*[1-9]/);
      const down = await ferry(["mirror", "s3://test/backup", join(dir, "back")], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.equal(down.code, 0, down.stderr + down.stdout);
      assert.equal(await Deno.readTextFile(join(dir, "back", "a.txt")), "hello s3\n");
      assert.equal((await Deno.stat(join(dir, "back", "sub", "deep", "b.bin"))).size, 70_000);
      assert.equal(
        (await Deno.stat(join(dir, "back", "a.txt"))).mtime?.toISOString(),
        "2020-01-02T03:04:05.000Z",
      );
      assert.equal([...Deno.readDirSync(join(dir, "back", "many"))].length, 1_005);
      assert.doesNotMatch(up.stdout + up.stderr + down.stderr, /S3RVER/);
      // rmtree lists once and deletes with DeleteObjects (1,000 keys a request).
      const rm = await ferry(["--json", "rmtree", "s3://test/backup/many"], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.equal(rm.code, 0, rm.stderr + rm.stdout);
      const ls = await ferry(["ls", "s3://test/backup"], { env: envOf(s3), cwd: dir });
      assert.equal(ls.code, 0, ls.stderr);
      assert.doesNotMatch(ls.stdout, /many/);
      assert.match(ls.stdout, /a\.txt/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

peerTest(
  "s3 cli: rclone reads the mtime ferry stored, ferry reads rclone's",
  ["rclone"],
  async () => {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    try {
      await makeTree(join(dir, "src"), 2);
      const up = await ferry(["mirror", join(dir, "src"), "s3://test/r"], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.equal(up.code, 0, up.stderr);
      const rcloneEnv = {
        RCLONE_CONFIG_S3_TYPE: "s3",
        RCLONE_CONFIG_S3_PROVIDER: "Other",
        RCLONE_CONFIG_S3_ENDPOINT: s3.endpoint,
        RCLONE_CONFIG_S3_ACCESS_KEY_ID: s3.accessKeyId,
        RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        RCLONE_CONFIG: s3.absent,
      };
      const run = (args: string[]) => {
        const env: Record<string, string> = { ...Deno.env.toObject(), ...rcloneEnv };
        // rclone 1.60 refuses AWS_CA_BUNDLE on a plain-http endpoint.
        delete env.AWS_CA_BUNDLE;
        return new Deno.Command("rclone", {
          args,
          env,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        })
          .output();
      };
      const lsl = await run(["lsl", "s3:test/r/a.txt"]);
      assert.match(new TextDecoder().decode(lsl.stdout), /2020-01-02 03:04:05\.000000000 a\.txt/);
      await Deno.writeTextFile(join(dir, "by-rclone.txt"), "from rclone");
      await Deno.utime(
        join(dir, "by-rclone.txt"),
        new Date("2019-05-06T07:08:09Z"),
        new Date("2019-05-06T07:08:09Z"),
      );
      const copied = await run(["copyto", join(dir, "by-rclone.txt"), "s3:test/r/by-rclone.txt"]);
      assert.equal(copied.code, 0, new TextDecoder().decode(copied.stderr));
      const ep = await openOn(s3, "r");
      try {
        const st = (await ep.list("")).find((s) => s.name === "by-rclone.txt");
        assert.equal(st?.mtime?.toISOString(), "2019-05-06T07:08:09.000Z");
      } finally {
        await ep.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  { sanitizeResources: false, sanitizeOps: false },
);

Deno.test({
  name: "s3 cli: unknown keys, a missing bucket and a non-S3 endpoint fail with a clear message",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    const html = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("<html>hello</html>", { headers: { "content-type": "text/html" } }),
    );
    try {
      await Deno.writeTextFile(join(dir, "f.txt"), "x");
      const badKey = await ferry(["ls", "s3://test/"], {
        env: envOf(s3, {
          AWS_ACCESS_KEY_ID: "NOSUCHKEY",
          AWS_SECRET_ACCESS_KEY: "very-secret-value",
        }),
        cwd: dir,
      });
      assert.notEqual(badKey.code, 0);
      assert.match(badKey.stderr, /InvalidAccessKeyId/);
      assert.doesNotMatch(badKey.stdout + badKey.stderr, /very-secret-value/);
      const noBucket = await ferry(["mirror", dir, "s3://nosuchbucket/x"], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.notEqual(noBucket.code, 0);
      assert.match(
        noBucket.stdout + noBucket.stderr,
        /s3:\/\/nosuchbucket.*NoSuchBucket: no such bucket/,
      );
      // Buckets made since 2018 have lower-case names; say so when the name has capitals.
      const upper = await ferry(["ls", "s3://Test/"], { env: envOf(s3), cwd: dir });
      assert.equal(upper.code, 1, upper.stdout + upper.stderr);
      assert.match(upper.stderr, /s3:\/\/Test at .*NoSuchBucket: no such bucket.*lower case/);
      // An endpoint that is not there: the key or listing is named with the endpoint.
      const gone = await ferry(["get", "s3://test/dir/f.txt", join(dir, "g.txt")], {
        env: envOf(s3, { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1" }),
        cwd: dir,
      });
      assert.equal(gone.code, 1, gone.stdout + gone.stderr);
      assert.match(
        gone.stderr,
        /s3:\/\/test at http:\/\/127\.0\.0\.1:1: .*cannot reach the endpoint/,
      );
      assert.match(gone.stderr, /listing of "dir\/"|dir\/f\.txt/);
      const port = (html.addr as Deno.NetAddr).port;
      const notS3 = await ferry(["ls", "s3://test/"], {
        env: envOf(s3, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }),
      });
      assert.notEqual(notS3.code, 0);
      assert.match(notS3.stderr, /is http:\/\/127\.0\.0\.1:\d+ an S3 service\?/);
    } finally {
      await html.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "s3 cli: a key that is both a file and a prefix is named, and nothing lands outside the target",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s3 = await startS3rver();
    const dir = await Deno.makeTempDir();
    try {
      const ep = await openOn(s3);
      await writeAll(await ep.write("ok.txt"), new TextEncoder().encode("fine"));
      // Made with the raw client: the endpoint itself never makes such keys.
      await ep.client.put("both", new Uint8Array(1));
      await ep.client.put("both/inner", new Uint8Array(1));
      await ep.close();
      const down = await ferry(["mirror", "s3://test/", join(dir, "target")], {
        env: envOf(s3),
        cwd: dir,
      });
      assert.notEqual(down.code, 0);
      assert.match(down.stdout + down.stderr, /"both" is both an object and a prefix/);
      // The root listing fails, so nothing is planned: at most an empty target directory
      // (and the run's state directory).
      const made = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.ok(made.every((n) => n === "target" || n === ".ferry"), `only the target: ${made}`);
      for (const e of Deno.readDirSync(dir)) {
        if (e.name === "target") assert.deepEqual([...Deno.readDirSync(join(dir, "target"))], []);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
