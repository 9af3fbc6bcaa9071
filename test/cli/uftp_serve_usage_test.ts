/**
 * `ferry serve --uftp` (`ferry uftp-serve`) usage errors exit 2 with one line
 * naming the problem, as `ferry serve`'s do, before anything listens: an
 * unknown option (was node's parseArgs message and the whole help), a bad
 * port or --max-streams (was exit 1 after reading the certificate, or taken:
 * `--max-streams abc` served), a DIR that is missing or a file (was served),
 * a missing --cert/--users file, flags that need -u, no users.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnFerry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { testCertificates } from "../fixtures/certs.ts";

/** Runs it; stops and fails the test if it started serving. */
async function outcome(args: string[]): Promise<{ code: number; stderr: string }> {
  const child = spawnFerry(args);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
    if (text.includes("clients use")) {
      reader.releaseLock();
      child.kill("SIGINT");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await stderr;
      assert.fail(`ferry ${args.join(" ")} started serving`);
    }
  }
  return { code: (await child.status).code, stderr: await stderr };
}

peerTest("ferry serve --uftp usage errors: exit 2, one line, nothing served", [
  "openssl",
], async () => {
  const certs = await testCertificates();
  const dir = await Deno.makeTempDir({ prefix: "ferry-uftp-serve-" });
  try {
    await Deno.writeTextFile(join(dir, "file.txt"), "x");
    const tls = ["--cert", certs.good.certFile, "--key", certs.good.keyFile];
    const ports = ["--auth-port", "0", "--ftp-port", "0", "--command-port", "0"];
    const user = ["-u", "demo", "-P", "pw"];
    const cases: [string[], RegExp][] = [
      [["--bogus", dir], /Unknown option '--bogus' \(ferry uftp-serve --help lists the options\)/],
      [[...tls, ...user, "--auth-port", "99999", dir], /--auth-port: expected a port number/],
      [[...tls, ...user, "--ftp-port", "abc", dir], /--ftp-port: expected a port number/],
      [[...tls, ...user, ...ports, "--max-streams", "abc", dir], /--max-streams: expected a whole/],
      [[...tls, ...user, ...ports, "--max-streams=0", dir], /--max-streams: expected a whole/],
      [[...tls, ...user, ...ports, join(dir, "missing")], /cannot serve .*missing: it does not/],
      [[...tls, ...user, ...ports, join(dir, "file.txt")], /file\.txt: it is not a directory/],
      [[...tls, ...user, ...ports, dir, dir], /uftp-serve takes one DIR/],
      [[...user, ...ports, dir], /--cert and --key are required/],
      [
        ["--cert", join(dir, "no.pem"), "--key", certs.good.keyFile, ...user, ...ports, dir],
        /--cert .*no\.pem: no such file/,
      ],
      [
        [...tls, ...ports, "--users", join(dir, "no.yaml"), dir],
        /--users .*no\.yaml: no such file/,
      ],
      [[...tls, ...ports, "-P", "pw", dir], /-P\/--password needs -u\/--username/],
      [[...tls, ...ports, "-u", "demo", dir], /-u demo needs -P/],
      [[...tls, ...ports, dir], /no users/],
    ];
    for (const [args, why] of cases) {
      for (const spelled of [["serve", "--uftp"], ["uftp-serve"]]) {
        const run = await outcome([...spelled, ...args]);
        const what = `ferry ${[...spelled, ...args].join(" ")}: ${run.stderr}`;
        assert.equal(run.code, 2, what);
        assert.match(run.stderr, why, what);
        assert.equal(run.stderr.trim().split("\n").length, 1, `one line: ${what}`);
        assert.doesNotMatch(run.stderr, /Usage: ferry/, "the help is not dumped");
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
