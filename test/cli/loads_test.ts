/**
 * What a command loads: one that opens no `ftp:`, `ftpes:` or `ftps:` URL
 * loads nothing of the FTP stack (ftp/, and endpoint/ftp/ but for its
 * options table, plain data). The CLI runs with read access to those modules
 * denied, through an entry that imports cli/main.ts by a specifier Deno
 * cannot read ahead: Deno checks read access for every module a dynamic
 * import brings in (not for the entry's own static graph), so any import of
 * one, static or late, fails the command.
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = new URL("../../", import.meta.url);

/** ftp/, and every module of endpoint/ftp/ but endpoint_options.ts (the schemes' options). */
function ftpModules(): string[] {
  const denied = [fileURLToPath(new URL("ftp/", root))];
  const endpointFtp = new URL("endpoint/ftp/", root);
  for (const entry of Deno.readDirSync(endpointFtp)) {
    if (entry.name !== "endpoint_options.ts") {
      denied.push(fileURLToPath(new URL(entry.name, endpointFtp)));
    }
  }
  return denied;
}

/** Runs `ferry ARGS` with the FTP modules unreadable; the exit code and stderr. */
async function ferryWithoutFtp(
  dir: string,
  args: string[],
): Promise<{ code: number; stderr: string }> {
  const entry = `${dir}/entry.ts`;
  await Deno.writeTextFile(
    entry,
    `const main = ${JSON.stringify(new URL("cli/main.ts", root).href)};\n` +
      `const { main: run } = await import(main);\n` +
      `Deno.exit(await run(Deno.args));\n`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--deny-read=${ftpModules().join(",")}`, entry, ...args],
    cwd: dir,
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("loads: local commands load no FTP module (a local mirror, sync, walk, ls, get, put, help)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-loads-" });
  try {
    await Deno.mkdir(`${dir}/a/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/a/one.txt`, "one");
    await Deno.writeTextFile(`${dir}/a/sub/two.txt`, "two");
    const runs = [
      ["mirror", "-q", "a", "b"], // the quick path, copying
      ["mirror", "-q", "a", "b"], // nothing to do
      ["mirror", "--dry-run", "a", "c"], // through commander
      ["-q", "sync", "a", "d"],
      ["walk", "a"],
      ["ls", "a"],
      ["get", "a/one.txt", "got.txt"],
      ["put", "a/one.txt", "e/put.txt"],
      ["--help"],
      ["--version"],
    ];
    for (const args of runs) {
      const { code, stderr } = await ferryWithoutFtp(dir, args);
      assert.equal(code, 0, `ferry ${args.join(" ")}: ${stderr}`);
    }
    assert.equal(await Deno.readTextFile(`${dir}/b/sub/two.txt`), "two");
    assert.equal(await Deno.readTextFile(`${dir}/d/one.txt`), "one");
    assert.equal(await Deno.readTextFile(`${dir}/got.txt`), "one");
    assert.equal(await Deno.readTextFile(`${dir}/e/put.txt`), "one");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loads: an ftp:// URL does load the FTP modules (the check above can fail)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-loads-" });
  try {
    const { code, stderr } = await ferryWithoutFtp(dir, ["walk", "ftp://127.0.0.1:1/"]);
    assert.notEqual(code, 0);
    assert.match(stderr, /read access to "[^"]*(ftp\/|endpoint\/ftp\/)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
