/**
 * The README's code runs as written on a fresh machine: its TypeScript
 * blocks type-check and run in a new, empty folder (importing the entry points by their file
 * URLs, as a program importing ferry by URL does), and its workflow validates. What it says
 * about the rest of the house holds: the test command and the peers are .ci/run's, its links
 * resolve, and its commands are the CLI's, each in docs/CLI.md.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./cli/helpers.ts";

const README = new URL("../README.md", import.meta.url);
const ROOT = new URL("../", import.meta.url).href;

function blocks(lang: string, text: string): string[] {
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```\\n", "g"))].map((m) =>
    m[1]
  );
}

Deno.test("README: every TypeScript block runs in a fresh folder", async () => {
  const ts = blocks("ts", await Deno.readTextFile(README));
  assert.ok(ts.length >= 1);
  for (const code of ts) {
    const dir = await Deno.makeTempDir({ prefix: "ferry-readme-" });
    try {
      await Deno.writeTextFile(
        join(dir, "example.ts"),
        code.replaceAll(/"\.\/(\w+\.ts)"/g, `"${ROOT}$1"`),
      );
      const out = await new Deno.Command(Deno.execPath(), {
        // --check: a snippet that runs but does not type-check is not one a user can copy.
        args: ["run", "--check", "-A", "example.ts"],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.equal(new TextDecoder().decode(out.stdout), "1 10\nok\n");
      assert.equal(await Deno.readTextFile(join(dir, "mirror/releases/v1.txt")), "version 1\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("README: the workflow validates", async () => {
  const [yaml] = blocks("yaml", await Deno.readTextFile(README));
  const dir = await Deno.makeTempDir({ prefix: "ferry-readme-" });
  try {
    await Deno.writeTextFile(join(dir, "nightly.yaml"), yaml);
    // As the README runs it: after `export ORIGIN_PW=...` (validate checks passwordEnv's variable).
    const r = await ferry(["validate", "nightly.yaml"], { cwd: dir, env: { ORIGIN_PW: "x" } });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const CI_RUN = new URL("../.ci/run", import.meta.url);

/** The words after `apt-get VERB` up to the first `)`, backquote or redirection, as a sorted set. */
function aptPackages(verb: string, text: string): string[] {
  const m = text.match(new RegExp(`apt-get ${verb}((?:\\s+(?:-[\\w-]+|[\\w.+-]+|\\\\))+)`));
  assert.ok(m, `no apt-get ${verb} in ${text.slice(0, 80)}...`);
  return [...new Set(m[1].split(/\s+/).filter((w) => w && !w.startsWith("-") && w !== "\\"))]
    .sort();
}

Deno.test("README: its test command and peer packages are the ones .ci/run uses", async () => {
  const readme = await Deno.readTextFile(README);
  const ci = await Deno.readTextFile(CI_RUN);
  const test = readme.match(/^(npx -y deno@[\d.]+ task test)\b/m)?.[1];
  assert.ok(test, "README names no test command");
  assert.ok(ci.includes(`\n${test} `), `.ci/run does not run "${test}"`);
  const demo = readme.match(/^(npx -y deno@[\d.]+) task demo\b/m)?.[1];
  assert.equal(`${demo} task test`, test, "the demo and the tests use one Deno");
  for (const verb of ["install", "download"]) {
    assert.deepEqual(aptPackages(verb, readme), aptPackages(verb, ci), `apt-get ${verb}`);
  }
});

/** GitHub's anchor of a heading: lower case, punctuation gone, spaces to dashes. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-");
}

Deno.test("README: every relative link names a file that exists, and a heading in it", async () => {
  const readme = await Deno.readTextFile(README);
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1])
    .filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length >= 5);
  for (const link of links) {
    const [path, anchor] = link.split("#");
    const text = path ? await Deno.readTextFile(new URL(`../${path}`, import.meta.url)) : readme;
    if (anchor === undefined) continue;
    // Headings outside fenced blocks (a "# comment" in a shell block is no heading).
    const headings = text.replace(/^```[\s\S]*?^```/gm, "").split("\n")
      .filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, "")));
    assert.ok(headings.includes(anchor), `${link}: no heading "${anchor}" in ${path || "README"}`);
  }
});

Deno.test("README and docs/CLI.md: their commands are ferry's, and each of ferry's is in docs/CLI.md", async () => {
  const help = await ferry(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  const commands = [...help.stdout.split("\nCommands:\n")[1].matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((m) => m[1]).filter((c) => c !== "help");
  assert.ok(commands.length >= 15, help.stdout);
  /** The first word of each backquoted name in a table's first column, where that starts with one. */
  const tableCommands = (md: string) =>
    md.split("\n").filter((l) => l.startsWith("| `"))
      .flatMap((l) => [...l.split(/(?<!\\)\|/)[1].matchAll(/`([a-z][\w-]*)/g)].map((m) => m[1]));
  const readme = tableCommands(await Deno.readTextFile(README));
  const cliDoc = tableCommands(
    await Deno.readTextFile(new URL("../docs/CLI.md", import.meta.url)),
  );
  for (const c of readme) assert.ok(commands.includes(c), `README shows "${c}", not a command`);
  for (const c of cliDoc) {
    assert.ok(commands.includes(c), `docs/CLI.md shows "${c}", not a command`);
  }
  for (const c of commands) assert.ok(cliDoc.includes(c), `"${c}" is not in docs/CLI.md's table`);
});

Deno.test("README: every `deno task NAME` it shows is a task of deno.json", async () => {
  const readme = await Deno.readTextFile(README);
  const { tasks } = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const named = [...readme.matchAll(/deno(?:@[\d.]+)? task ([\w-]+)/g)].map((m) => m[1]);
  assert.ok(named.length >= 3);
  for (const name of named) assert.ok(name in tasks, `deno task ${name}: no such task`);
});
