/**
 * `ferry serve` as a user meets it: a directory that does not exist (or is a
 * file) is a usage error naming it (exit 2, no stack, nothing served), and the
 * user's password can come from FERRY_SERVE_PASSWORD instead of argv.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnFerry } from "./helpers.ts";

/** What a `ferry serve` child did: exited with a code, or started serving (then it is stopped). */
async function serveOutcome(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code?: number; port?: number; stderr: string; child: Deno.ChildProcess }> {
  const child = spawnFerry(["serve", "-i", "127.0.0.1", "-p", "0", ...args], { env });
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { done, value } = await lines.read();
    if (done) break;
    text += value;
    const m = /ferry serve: ftps?:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
    if (m) {
      lines.releaseLock();
      return { port: Number(m[1]), stderr: "", child };
    }
  }
  return { code: (await child.status).code, stderr: await stderr, child };
}

Deno.test("ferry serve DIR that does not exist, or is a file: exit 2 naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-serve-" });
  try {
    await Deno.writeTextFile(join(dir, "file.txt"), "x");
    for (
      const [target, why] of [
        [join(dir, "missing", "dir"), /does not exist/],
        [join(dir, "file.txt"), /not a directory/],
      ] as const
    ) {
      for (const args of [[target], ["-d", target]]) {
        const run = await serveOutcome(args);
        if (run.port !== undefined) {
          run.child.kill("SIGTERM");
          await run.child.status;
          assert.fail(`ferry serve ${args.join(" ")} started serving`);
        }
        assert.equal(run.code, 2, run.stderr);
        assert.ok(run.stderr.includes(target), run.stderr);
        assert.match(run.stderr, why);
        assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The reply to a login on 127.0.0.1:`port` (USER then PASS), as `code text`. */
async function login(port: number, user: string, password: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const reply = async () => {
    while (!/^\d{3} .*\r\n/m.test(text)) {
      const { done, value } = await lines.read();
      if (done) throw new Error(`closed after: ${text}`);
      text += value;
    }
    const m = /^(\d{3} .*)\r\n/m.exec(text)!;
    text = text.slice(m.index + m[0].length);
    return m[1];
  };
  const send = (line: string) => conn.write(new TextEncoder().encode(`${line}\r\n`));
  try {
    await reply(); // 220
    await send(`USER ${user}`);
    await reply(); // 331
    await send(`PASS ${password}`);
    return await reply();
  } finally {
    await lines.cancel();
  }
}

Deno.test("ferry serve -u NAME takes the password from FERRY_SERVE_PASSWORD when no -P", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-serve-" });
  try {
    const run = await serveOutcome(["-u", "bob", dir], { FERRY_SERVE_PASSWORD: "from-env-pw" });
    assert.ok(run.port !== undefined, `did not start: exit ${run.code} ${run.stderr}`);
    try {
      assert.match(await login(run.port, "bob", "wrong"), /^530 /);
      assert.match(await login(run.port, "bob", "from-env-pw"), /^230 /);
    } finally {
      run.child.kill("SIGTERM");
      await run.child.status;
    }
    // -P wins over the variable; -u with neither is a usage error that names both.
    const flag = await serveOutcome(["-u", "bob", "-P", "flag-pw", dir], {
      FERRY_SERVE_PASSWORD: "from-env-pw",
    });
    assert.ok(flag.port !== undefined, flag.stderr);
    try {
      assert.match(await login(flag.port, "bob", "flag-pw"), /^230 /);
    } finally {
      flag.child.kill("SIGTERM");
      await flag.child.status;
    }
    const none = await serveOutcome(["-u", "bob", dir]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /-P\/--password or FERRY_SERVE_PASSWORD/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry serve usage errors (unknown option, bad port, bad combination): exit 2, told in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-serve-" });
  try {
    const cases: [string[], RegExp][] = [
      [["--bogus", dir], /Unknown option '--bogus' \(ferry serve --help lists the options\)/],
      [["-p", "99999", dir], /--port: expected a port number \(0-65535\), got 99999/],
      [["-p", "abc", dir], /--port: expected a port number \(0-65535\), got abc/],
      [["--max-cons=-3", dir], /--max-cons: expected a whole number, got -3/],
      [["-p"], /--port/],
      [[dir, dir], /serve takes one DIR or URL/],
      [["-P", "pw", dir], /-P\/--password needs -u\/--username/],
      [["--tls-cert", join(dir, "c.pem"), dir], /--tls-cert and --tls-key go together/],
      [["--implicit-tls", dir], /TLS options need --tls-cert and --tls-key/],
      [["--masquerade", "not-an-ip", dir], /masquerade address must be an IPv4 address/],
      [["-r", "9-3", dir], /--range: expected FROM-TO ports/],
      [["--authorizer-option", "a=b", dir], /--authorizer-option needs --authorizer/],
      [["--config", join(dir, "missing.yaml"), dir], /missing\.yaml/],
      [
        ["--tls-cert", join(dir, "no.pem"), "--tls-key", join(dir, "no.key"), dir],
        /cannot read the TLS certificate file .*no\.pem/,
      ],
    ];
    for (const [args, why] of cases) {
      const run = await serveOutcome(args);
      if (run.port !== undefined) {
        run.child.kill("SIGTERM");
        await run.child.status;
        assert.fail(`ferry serve ${args.join(" ")} started serving`);
      }
      assert.equal(run.code, 2, `ferry serve ${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, why);
      assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
      assert.doesNotMatch(run.stderr, /Usage: ferry serve/, "the help is not dumped");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
