/**
 * `ferry serve` end to end: through ferry's CLI in a child process (prints
 * where it listens, serves, stops cleanly on SIGTERM) and in-process with a
 * configuration file and an FsTPy credentials file.
 */
import assert from "node:assert/strict";
import serverPlugin, { md5Password } from "../../plugins/server/mod.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { dec, enc, testServer } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startTestSite } from "../uftp/_site.ts";

const CLI = new URL("../../cli/main.ts", import.meta.url).pathname;

/** Reads a child's stdout until `pattern` shows up (bounded). */
async function waitFor(reader: ReadableStreamDefaultReader<string>, pattern: RegExp) {
  let text = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
    const m = pattern.exec(text);
    if (m) return m;
  }
  throw new Error(`never saw ${pattern} in:\n${text}`);
}

/** `ferry ARGS` in a child process: its stdout as text chunks, its whole stderr. */
function spawnCli(args: string[], env?: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", CLI, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  return { child, stderr, out };
}

Deno.test("ferry serve (CLI child): prints where it listens, -w lets anonymous write, SIGTERM stops it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/hello.txt`, "hi\n");
    const { child, stderr, out } = spawnCli(["serve", "-i", "127.0.0.1", "-p", "0", "-w", dir]);
    const m = await waitFor(
      out,
      /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\/ serving (\S+); anonymous \(elradfmwMT\)/,
    );
    assert.equal(m[2], `file://${dir}`);
    const c = await Ctl.connect(Number(m[1]));
    assert.equal((await c.login("anonymous", "a@b")).code, 230);
    let data = await c.epsv();
    await c.cmd("STOR up.txt");
    await writeAll(data, enc.encode("uploaded"));
    assert.equal((await c.reply()).code, 226);
    data = await c.epsv();
    await c.cmd("NLST");
    assert.deepEqual(dec.decode(await readAll(data)).trim().split("\r\n").sort(), [
      "hello.txt",
      "up.txt",
    ]);
    await c.reply();
    child.kill("SIGTERM");
    assert.equal((await c.reply()).code, 421, "sessions are told the server goes away");
    c.close();
    await waitFor(out, /ferry serve: stopping/);
    await out.cancel();
    const status = await child.status;
    assert.equal(status.code, 0, await stderr);
    assert.equal(await Deno.readTextFile(`${dir}/up.txt`), "uploaded");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry serve -D (CLI child): the command trace shows, with PASS masked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { child, stderr, out } = spawnCli(["serve", "-i", "127.0.0.1", "-p", "0", "-D", dir]);
    const m = await waitFor(out, /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\//);
    const c = await Ctl.connect(Number(m[1]));
    assert.equal((await c.login("anonymous", "secret-mail@x")).code, 230);
    assert.equal((await c.cmd("NOOP")).code, 200);
    child.kill("SIGTERM");
    await c.reply();
    c.close();
    await out.cancel();
    await child.status;
    const log = await stderr;
    assert.match(log, /<- NOOP/);
    assert.match(log, /<- USER anonymous/);
    assert.doesNotMatch(log, /secret-mail/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry serve (CLI child): a session that ends logs it once, under its user", async () => {
  // Fails on the code before: the close line came after the logout had
  // forgotten the user (`-[] FTP session closed`), and the logout was a
  // second info line saying the same.
  const dir = await Deno.makeTempDir();
  try {
    const { child, stderr, out } = spawnCli(["serve", "-i", "127.0.0.1", "-p", "0", dir]);
    const m = await waitFor(out, /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\//);
    const c = await Ctl.connect(Number(m[1]));
    assert.equal((await c.login("anonymous", "x@y")).code, 230);
    assert.equal((await c.cmd("QUIT")).code, 221);
    c.close();
    child.kill("SIGTERM");
    await out.cancel();
    await child.status;
    const log = await stderr;
    assert.match(log, /-\[anonymous\] USER 'anonymous' logged in\./);
    assert.match(log, /-\[anonymous\] FTP session closed \(/);
    assert.doesNotMatch(log, /logged out/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry serve --authorizer: a plugin's authorizer decides logins", async () => {
  const dir = await Deno.makeTempDir();
  const plugin = new URL("../fixtures/authorizer_plugin.ts", import.meta.url).pathname;
  try {
    await Deno.writeTextFile(`${dir}/hello.txt`, "hi\n");
    const { child, stderr, out } = spawnCli([
      ...["--plugin", plugin, "serve", "-i", "127.0.0.1"],
      ...["-p", "0", "--authorizer", "allow-one", "--authorizer-option", "user=alice"],
      ...["--authorizer-option", "password=wonder", dir],
    ]);
    const m = await waitFor(out, /ftp:\/\/127\.0\.0\.1:(\d+)\/ .*authorizer allow-one/);
    const anonymous = await Ctl.connect(Number(m[1]));
    assert.equal((await anonymous.login("anonymous", "a@b")).code, 530, "no anonymous by default");
    anonymous.close();
    const c = await Ctl.connect(Number(m[1]));
    assert.equal((await c.login("alice", "wonder")).code, 230);
    assert.equal((await c.cmd("TYPE I")).code, 200);
    assert.equal((await c.cmd("SIZE hello.txt")).code, 213);
    assert.equal((await c.cmd("DELE hello.txt")).code, 550, "the authorizer gave read-only");
    child.kill("SIGTERM");
    await c.reply();
    c.close();
    await out.cancel();
    assert.equal((await child.status).code, 0, await stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ferry serve --authorizer NAME that no plugin provides is a usage error", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", CLI, "serve", "-p", "0", "--authorizer", "ldap", "."],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  assert.notEqual(out.code, 0);
  assert.match(new TextDecoder().decode(out.stderr), /no plugin provides the authorizer "ldap"/);
});

Deno.test("ferry serve (in-process): --config with users and overrides, --credentials in FsTPy format", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  const stop = new AbortController();
  try {
    await Deno.mkdir(`${dir}/root/alice/ro`, { recursive: true });
    await Deno.mkdir(`${dir}/root/bob`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/users.txt`,
      `# FsTPy\nbob;${md5Password("12345")};/bob;elradfmwMT;Welcome, bob!;Bye, bye bob\n`,
    );
    const hash = (await runCapture(["hash-password", "s3cret"])).trim();
    await Deno.writeTextFile(
      `${dir}/server.yaml`,
      [
        `root: ${dir}/root`,
        "interface: 127.0.0.1",
        "port: 0",
        "banner: Hello from YAML",
        `credentials: ${dir}/users.txt`,
        "users:",
        "  - name: alice",
        `    passwordHash: "${hash}"`,
        "    home: /alice",
        "    perm: elradfmw",
        "    overrides:",
        "      - { directory: /ro, perm: elr, recursive: true }",
      ].join("\n"),
    );
    const serve = serverPlugin.commands!.find((c) => c.name === "serve")!;
    const done = serve.run(["--config", `${dir}/server.yaml`], {
      signal: stop.signal,
      // deno-lint-ignore no-explicit-any
      openEndpoint: (() => Promise.reject(new Error("not used"))) as any,
      // deno-lint-ignore no-explicit-any
      secrets: undefined as any,
    });
    let port = 0;
    for (let i = 0; i < 200 && !port; i++) {
      const m = lines.join("\n").match(/ftp:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) port = Number(m[1]);
      else await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(port, lines.join("\n"));
    assert.match(lines.join("\n"), /users from .*users\.txt, user alice \(elradfmw\)/);
    const c = await Ctl.connect(port, { banner: false });
    assert.equal((await c.reply()).text, "Hello from YAML");
    assert.equal((await c.login("bob", "12345")).text, "Welcome, bob!");
    assert.equal((await c.cmd("MKD fromftp")).code, 257);
    assert.equal((await c.cmd("QUIT")).text, "Bye, bye bob");
    c.close();
    const a = await Ctl.connect(port);
    assert.equal((await a.login("alice", "s3cret")).code, 230);
    assert.equal((await a.cmd("MKD ok")).code, 257);
    assert.equal((await a.cmd("MKD ro/no")).code, 550);
    assert.equal((await a.cmd("CWD /../bob")).code, 550);
    a.close();
    stop.abort();
    assert.equal(await done, 0);
    assert.ok((await Deno.stat(`${dir}/root/bob/fromftp`)).isDirectory);
    assert.ok((await Deno.stat(`${dir}/root/alice/ok`)).isDirectory);
  } finally {
    console.log = log;
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

async function runCapture(args: string[]): Promise<string> {
  const serve = serverPlugin.commands!.find((c) => c.name === "serve")!;
  const log = console.log;
  let text = "";
  console.log = (...a: unknown[]) => text += a.join(" ") + "\n";
  try {
    assert.equal(await serve.run(args), 0);
  } finally {
    console.log = log;
  }
  return text;
}

/** `ferry serve ARGS` in a child; resolves with its port once it listens. */
async function serveChild(args: string[], env: Record<string, string>) {
  const { child, stderr, out } = spawnCli(["serve", ...args], env);
  const m = await waitFor(out, /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\//).catch(async (e) => {
    throw new Error(`${e.message}\n${await stderr}`);
  });
  return {
    port: Number(m[1]),
    async stop() {
      child.kill("SIGTERM");
      await out.cancel();
      await child.status;
      return await stderr;
    },
  };
}

Deno.test("ferry serve URL: --user/--password-env, --netrc=FILE and ~/.netrc log in to the backend; -v after serve", async () => {
  await using backend = await testServer();
  const home = await Deno.makeTempDir();
  try {
    const url = `ftp://127.0.0.1:${backend.port}/`;
    await Deno.writeTextFile(`${home}/.netrc`, "machine 127.0.0.1 login bob password pw\n");
    await Deno.writeTextFile(`${home}/other.netrc`, "machine 127.0.0.1 login bob password pw\n");
    const front = ["-i", "127.0.0.1", "-p", "0", "-u", "alice", "-P", "secret"];
    const env = { HOME: `${home}/nowhere`, PW: "pw", FERRY_NO_PROGRESS: "1" };
    for (
      const [flags, extraEnv] of [
        [["--user", "bob", "--password-env", "PW", "-v"], {}],
        [["--netrc=" + `${home}/other.netrc`, "--log-file", `${home}/log.json`], {}],
        [[], { HOME: home }], // the netrc default, as for mirror
      ] as const
    ) {
      const s = await serveChild([url, ...front, ...flags], { ...env, ...extraEnv });
      try {
        await using c = await Ctl.connect(s.port);
        assert.equal((await c.login("alice", "secret")).code, 230);
        await c.cmd("TYPE I");
        const data = await c.epsv();
        assert.ok([125, 150].includes((await c.cmd("RETR pub/hello.txt")).code));
        assert.equal(dec.decode(await readAll(data)), "hello\nworld\n", flags.join(" "));
        assert.equal((await c.reply()).code, 226);
      } finally {
        const stderr = await s.stop();
        assert.doesNotMatch(stderr, /Unknown option|pw\b/);
      }
    }
    assert.ok((await Deno.stat(`${home}/log.json`)).size > 0, "--log-file after serve writes");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

peerTest(
  "ferry serve uftp://: a remote of any scheme, with --user/--password-env/--ca; -v before serve",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const home = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${site.root}/data/hello.txt`, "over uftp\n");
      await Deno.writeTextFile(`${home}/ca.pem`, site.ca);
      const env = { HOME: home, UFTP_PW: "test123", FERRY_NO_PROGRESS: "1" };
      const { child, stderr, out } = spawnCli([
        "-v",
        "serve",
        `${site.uftpUrl}/data`,
        ...["-i", "127.0.0.1", "-p", "0", "-u", "alice", "-P", "secret"],
        ...["--user", "demouser", "--password-env", "UFTP_PW", "--ca", `${home}/ca.pem`],
      ], env);
      try {
        const m = await waitFor(out, /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\//).catch(
          async (e) => {
            throw new Error(`${e.message}\n${await stderr}`);
          },
        );
        await using c = await Ctl.connect(Number(m[1]));
        assert.equal((await c.login("alice", "secret")).code, 230);
        await c.cmd("TYPE I");
        const data = await c.epsv();
        assert.ok([125, 150].includes((await c.cmd("RETR hello.txt")).code));
        assert.equal(dec.decode(await readAll(data)), "over uftp\n");
        assert.equal((await c.reply()).code, 226);
      } finally {
        child.kill("SIGTERM");
        await out.cancel();
        await child.status;
        assert.doesNotMatch(await stderr, /Unknown option|test123/);
      }
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
);
