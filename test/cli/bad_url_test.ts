/**
 * A URL that does not parse, or of a scheme nothing handles, is a usage error
 * of every command that takes one (exit 2, one line naming the URL without
 * its password and saying why: a port of 70000, an IPv6 address without
 * brackets, a port that is no number, no host), and of `ferry validate`
 * (file:line:col). Before: `ferry: Invalid URL: 'ftp://u:pw@::1/x'` (exit 1,
 * the password shown) from walk/mirror/get/time-shift..., `ls bogus://` exit
 * 1, and `get`/`put` of such a uftp:// URL an uncaught error with a stack
 * trace (the head start); `validate` said ok and the run failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

const URLS: [string, RegExp][] = [
  ["ftp://127.0.0.1:70000/x", /port 70000 is out of range \(0-65535\)/],
  ["ftp://u:secret-pw@::1/x", /an IPv6 address goes in brackets: ftp:\/\/u:\*+@\[::1\]\/x/],
  ["ftp://h:abc/x", /port "abc" is not a number/],
  ["s3://bucket:x/y", /port "x" is not a number/],
  ["uftp://h:99999/rest/auth/T:/d", /port 99999 is out of range/],
  ["bogus://h/x", /bogus: /],
];

Deno.test("a bad URL is a usage error of every command: exit 2, one line saying why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-bad-url-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "a.txt"), "a");
    for (const [url, why] of URLS) {
      const runs = [
        ["ls", url],
        ["walk", url],
        ["rmtree", url],
        ["get", url, join(dir, "got")],
        ["put", join(dir, "a.txt"), url],
        ["mirror", url, join(dir, "copy")],
        ["mirror", join(dir, "src"), url],
        ["sync", join(dir, "src"), url],
        ["upload-if-newer", join(dir, "src"), url],
        ["download-if-newer", url, join(dir, "down")],
        ["time-shift", url],
        ["serve", url],
      ];
      for (const args of runs) {
        const run = await ferry(args, { cwd: dir });
        const what = `ferry ${args.join(" ")}:\n${run.stdout}${run.stderr}`;
        assert.equal(run.code, 2, what);
        assert.match(run.stderr, why, what);
        assert.doesNotMatch(run.stderr, /Uncaught|^\s+at /m, `no stack trace: ${what}`);
        assert.doesNotMatch(run.stderr + run.stdout, /secret-pw/, `no password: ${what}`);
      }
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.txt", "src"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry validate: a URL that does not parse is told at file:line:col", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-bad-url-" });
  try {
    const file = join(dir, "wf.yaml");
    await Deno.writeTextFile(
      file,
      [
        "version: 1",
        "endpoints:",
        '  a: { url: "ftp://h:70000/x" }',
        "  b: { url: ./here }",
        "jobs:",
        '  j: { mirror: { from: "a:/", to: "b:/" } }',
        "",
      ].join("\n"),
    );
    const run = await ferry(["validate", file]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(
      run.stdout + run.stderr,
      /wf\.yaml:3:\d+: invalid URL: port 70000 is out of range \(0-65535\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a --queue URL that does not parse: exit 2 saying why, its password kept out", async () => {
  const cases: [string, RegExp][] = [
    ["redis://:s3cret@::1/x", /an IPv6 address goes in brackets: redis:\/\/:\*+@\[::1\]\/x/],
    ["redis://u:s3cret@h:70000/0", /port 70000 is out of range/],
  ];
  for (const [queue, why] of cases) {
    for (const args of [["worker", "--queue", queue], ["mirror", "--queue", queue, "a", "b"]]) {
      const run = await ferry(args);
      const what = `ferry ${args.join(" ")}: ${run.stderr}`;
      assert.equal(run.code, 2, what);
      assert.match(run.stderr, why, what);
      assert.doesNotMatch(run.stderr, /s3cret/, `no password: ${what}`);
    }
  }
});
