/**
 * `-` as a local file, as curl's `-o -`/`-T -` and lftp's `cat`: `ferry get
 * URL -` writes the file to standard output (no file named "-", no partial,
 * the summary on stderr) and `ferry put - URL` sends standard input (before:
 * a file named "-" was written, and read). A short copy still fails; `-c`
 * with `-` and `put -` to a URL ending in `/` (no name to keep) are usage
 * errors (cli/commands/get_put_stdio.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { EVERY_PEER } from "../peers/every.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 13 + seed + (i >> 10)) & 255;
  return bytes;
}

/** `ferry ARGS` with `input` on its standard input; stdout as bytes. */
async function run(
  args: string[],
  { cwd, env = {}, input }: { cwd: string; env?: Record<string, string>; input?: Uint8Array },
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", ...env },
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input) {
    // A usage error ends ferry before it reads: the pipe is then broken.
    await ReadableStream.from([input]).pipeTo(child.stdin).catch((error) => {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    });
  }
  const out = await child.output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

for (const [name, start] of EVERY_PEER) {
  peerTest(`get URL - and put - URL on ${name}: standard output and input`, [name], async () => {
    await using peer = await start();
    const down = pattern(1_000_000, 1);
    await Deno.writeFile(`${peer.root}/a.bin`, down);
    if (peer.kind !== "pyftpdlib") await chownForVsftpd(peer.root);
    const cwd = await Deno.makeTempDir({ prefix: "ferry-stdio-" });
    const base = `ftp://${peer.host}:${peer.port}`;
    const login = ["-u", peer.user, "--password-env", "PW"];
    const env = { PW: peer.password };
    try {
      const got = await run(["get", ...login, `${base}/a.bin`, "-"], { cwd, env });
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.length, down.length);
      assert.deepEqual(got.stdout, down);
      assert.match(got.stderr, /get a\.bin: 976\.6 KiB/);
      assert.deepEqual([...Deno.readDirSync(cwd)], [], "no file here");

      const up = pattern(700_000, 2);
      const put = await run(["put", ...login, "-", `${base}/b.bin`], { cwd, env, input: up });
      assert.equal(put.code, 0, put.stderr);
      assert.match(put.stderr, /put b\.bin: 683\.6 KiB/);
      assert.equal((await Deno.stat(`${peer.root}/b.bin`)).size, up.length);
      assert.deepEqual(await Deno.readFile(`${peer.root}/b.bin`), up);
      const names = [...Deno.readDirSync(peer.root)].map((e) => e.name).sort();
      assert.deepEqual(names, ["a.bin", "b.bin"], "no partial left");

      const resume = await run(["get", "-c", ...login, `${base}/a.bin`, "-"], { cwd, env });
      assert.equal(resume.code, 2, resume.stderr);
      assert.match(resume.stderr, /--continue needs a local file/);
      const noName = await run(["put", ...login, "-", `${base}/`], { cwd, env, input: up });
      assert.equal(noName.code, 2, noName.stderr);
      assert.match(noName.stderr, /standard input \(-\) has no name to keep/);
      assert.deepEqual([...Deno.readDirSync(cwd)], []);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  });
}

Deno.test("get URL - and put - URL of file:// URLs: standard output and input", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-stdio-file-" });
  try {
    await Deno.mkdir(join(dir, "work"));
    const cwd = join(dir, "work");
    const down = pattern(300_000, 3);
    await Deno.writeFile(join(dir, "a.bin"), down);
    const got = await run(["get", `file://${dir}/a.bin`, "-"], { cwd });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.length, down.length); // before deepEqual: its diff of 300 kB is slow
    assert.deepEqual(got.stdout, down);
    const up = pattern(200_000, 4);
    const put = await run(["put", "-", `file://${dir}/b.bin`], { cwd, input: up });
    assert.equal(put.code, 0, put.stderr);
    assert.equal((await Deno.stat(join(dir, "b.bin"))).size, up.length);
    assert.deepEqual(await Deno.readFile(join(dir, "b.bin")), up);
    assert.deepEqual([...Deno.readDirSync(cwd)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest(
  "get URL - whose reader goes away (| head): exit 141, not a word",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib();
    await Deno.writeFile(`${peer.root}/big.bin`, new Uint8Array(8 << 20));
    const cwd = await Deno.makeTempDir({ prefix: "ferry-stdio-head-" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "get", "-u", peer.user, "--password-env", "PW"]
          .concat([`ftp://${peer.host}:${peer.port}/big.bin`, "-"]),
        cwd,
        env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", PW: peer.password },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stderr = new Response(child.stderr).text();
      const reader = child.stdout.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.length > 0);
      await reader.cancel();
      assert.equal((await child.status).code, 141);
      assert.doesNotMatch(await stderr, /ferry:|Error/);
      assert.deepEqual([...Deno.readDirSync(cwd)], []);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
