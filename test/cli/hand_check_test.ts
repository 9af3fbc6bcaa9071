/**
 * A plain `ferry mirror FROM TO`'s workflow is checked by hand
 * (workflow/hand_check.ts), not by zod: over the command lines the quick path
 * takes, the loaded workflow must be what the schema gives, and every value
 * the schema refuses must fail as it does (same error class, same problems,
 * same exit code).
 * @module
 */
import assert from "node:assert/strict";
import { quickMirror } from "../../cli/quick.ts";
import { mirrorOneOff } from "../../cli/commands/mirror_run.ts";
import { syncOneOff } from "../../cli/commands/sync_run.ts";
import { buildProgram } from "../../cli/program.ts";
import { CliContext } from "../../cli/context.ts";
import { oneOffWorkflow } from "../../cli/oneoff.ts";
import { type LoadedWorkflow, loadWorkflowObject } from "../../workflow/load.ts";
import { handChecked } from "../../workflow/hand_check.ts";
import { lazyRegistry } from "../../workflow/lazy_registry.ts";
import { Secrets } from "../../workflow/secrets.ts";
import { WorkflowInvalidError } from "../../workflow/errors.ts";
import { ferry } from "./helpers.ts";

const ENV: Record<string, string> = { HOME: "/home/bob", PW: "pw", EMPTY: "" };

/** Argument lists the quick path takes, and whether the hand check answers for them. */
const CASES: [string[], "hand" | "schema"][] = [
  [["mirror", "ftp://h/pub", "./pub"], "hand"],
  [
    "mirror -q --parallel 8 --connections 8 -u bob --password-env PW ftp://h/pub /dev/shm/x".split(
      " ",
    ),
    "hand",
  ],
  [["-q", "mirror", "ftp://u:p%40ss@h/pub", "pub", "--delete"], "hand"],
  [["mirror", "--quiet", "-P", "3", "--user", "alice", "ftp://h/", "memory://m/"], "hand"],
  [
    [
      "mirror",
      "--parallel=12",
      "--connections=2",
      "--user=u",
      "--password-env=P",
      "a",
      "ftp://h/b",
    ],
    "hand",
  ],
  [["mirror", "--no-netrc", "--ca", "ca.pem", "ftpes://h/pub", "./pub"], "hand"],
  [["mirror", "--no-netrc", "--ca", "ca.pem", "-u", "x", "ftps://h/pub", "./pub"], "hand"],
  [["mirror", "--no-netrc", "--password-env", "PW", "ftp://h/pub", "./pub"], "hand"],
  [["mirror", "-P", "1", "--parallel", "4", "-u", "a", "-u", "b", "x", "y"], "hand"],
  [["mirror", "-P", "1", "--connections", "1", "FTP://H:2121/a b/c", "/tmp/ü x"], "hand"],
  [
    ["mirror", "-P", "64", "--connections", "64", "-u", "a b:c@d", "ftp://h/", "file:///tmp/x"],
    "hand",
  ],
  [["mirror", "--ca", "weird name.pem", "ftp://h/", "."], "hand"],
  [["mirror", "--password-env", "_A1", "ftp://h/", "/"], "hand"],
  [["mirror", "ftp://h/pub", "uftp://h:9000/rest/auth/T:/d"], "hand"],
  [["mirror", "./a", "./b"], "hand"],
  [["mirror", "C:\\a", "./b"], "hand"],
  ["mirror -x *.tmp -i **/*.iso --exclude=.git ftp://h/ b".split(" "), "hand"],
  [["mirror", "-x", "a b", "--include", "{x,y}/**", "./a", "./b"], "hand"],
  [["mirror", "-x", "a[", "./a", "./b"], "schema"],
  [["mirror", "-i", "ok", "-i", "logs/[0-9", "./a", "./b"], "schema"],
  [["mirror", "-x", "a**b", "./a", "./b"], "schema"],
  // Refused by the schema (or the checks after it): the same problems either way.
  [["--quiet", "mirror", "-q", "./a", "./b", "--delete", "--parallel", "123456789"], "schema"],
  [["mirror", "--parallel", "65", "ftp://h/", "./b"], "schema"],
  [["mirror", "--connections", "65", "ftp://h/", "./b"], "schema"],
  [["mirror", "--connections", "999999999", "-P", "100", "ftp://h/", "./b"], "schema"],
  [["mirror", "--password-env", "1PW", "ftp://h/", "./b"], "schema"],
  [["mirror", "--password-env", "P-W", "ftp://h/", "./b"], "schema"],
  [["mirror", "--password-env", "P W", "-u", "bob", "ftp://h/", "./b"], "schema"],
  [["mirror", "sftp://h/pub", "./pub"], "hand"], // the scheme is validate.ts's: both refuse
  [["mirror", "ftp://h/${env:HOME}", "./${env:PW}"], "schema"],
  [["mirror", "ftp://h/${env:NOT_SET_AT_ALL}", "./b"], "schema"],
  [["mirror", "${env:EMPTY}", "./b"], "schema"],
  [["mirror", "-u", "${env:EMPTY}", "ftp://h/", "./b"], "schema"],
  [["mirror", "ftp://h/$${env:HOME}", "./b"], "schema"],
];

/** What a loaded workflow holds, comparable with deepEqual. */
function shown(wf: LoadedWorkflow) {
  return {
    file: wf.file,
    baseDir: wf.baseDir,
    name: wf.name,
    config: wf.config,
    jobs: wf.jobs,
    kinds: [...wf.registry.jobKinds.keys()],
    schemes: [...wf.registry.endpointSchemes.keys()],
    methods: [...wf.registry.authMethods.keys()],
    secrets: [wf.secrets.size, wf.secrets.redact("p@ss p%40ss pw")],
  };
}

/** Loads `tree` as cli/oneoff.ts does: the result, or the error thrown. */
async function load(tree: Record<string, unknown>, schemaOnly: boolean) {
  try {
    const wf = await loadWorkflowObject(structuredClone(tree), {
      registry: lazyRegistry(),
      secrets: new Secrets(),
      file: "ferry mirror",
      env: (name) => ENV[name],
      schemaOnly,
    });
    return { ok: shown(wf) };
  } catch (error) {
    assert.ok(error instanceof WorkflowInvalidError, String(error));
    return { error: error.constructor.name, message: error.message, problems: error.problems };
  }
}

Deno.test("hand check: the quick mirror's workflow loads as the schema loads it", async () => {
  const registry = lazyRegistry();
  await registry.ensure("jobKind", "mirror");
  for (const [args, expected] of CASES) {
    const label = args.join(" ");
    const quick = quickMirror(args);
    assert.ok(quick, label);
    const { positionals: [from, to], opts } = quick;
    const tree = oneOffWorkflow(mirrorOneOff(from, to, opts));
    const byHand = await load(tree, false);
    const bySchema = await load(tree, true);
    assert.deepEqual(byHand, bySchema, label);
    // The hand check answered where expected (no "$": the tree is what it sees).
    if (!label.includes("$")) {
      assert.equal(
        handChecked(structuredClone(tree), registry) !== undefined,
        expected === "hand",
        label,
      );
    }
  }
});

/** What commander hands sync's action for `args`: A, B and the options. */
async function syncViaCommander(
  args: string[],
): Promise<[string, string, Record<string, unknown>]> {
  const cli = new CliContext(() => Promise.reject(new Error("no registry in this test")));
  const program = await buildProgram(cli, "sync");
  let seen: [string, string, Record<string, unknown>] | undefined;
  program.commands.find((c) => c.name() === "sync")!.action((...all: unknown[]) => {
    seen = [all[0] as string, all[1] as string, { ...(all[2] as Record<string, unknown>) }];
  });
  await program.parseAsync(["sync", ...args], { from: "user" });
  return seen!;
}

const SYNC_CASES: [string[], "hand" | "schema"][] = [
  [["./a", "ftp://bob:pw@h/b"], "hand"],
  ["-u bob --password-env PW -P 4 --connections 3 ./a ftp://h/b".split(" "), "hand"],
  ["--conflict newer --force --state-dir ./st ./a ./b".split(" "), "hand"],
  ["--conflict keep-both --conflict-suffix my.word-1 ./a memory://m/".split(" "), "hand"],
  ["--conflict-suffix bad/word ./a ./b".split(" "), "schema"],
  ["--parallel 65 ./a ./b".split(" "), "schema"],
  ["--exclude *.tmp -i **/*.iso ./a ./b".split(" "), "hand"],
  ["--exclude a[ ./a ./b".split(" "), "schema"],
  ["--min-size 10 ./a ./b".split(" "), "schema"],
  ["--dry-run ./a ./b".split(" "), "schema"],
  ["--tls require ./a ftp://h/b".split(" "), "schema"],
  ["--no-mlsd ./a ftp://h/b".split(" "), "schema"],
  ["--compare size ./a ./b".split(" "), "schema"],
  [["--state-dir", "${env:HOME}/st", "./a", "./b"], "schema"],
];

Deno.test("hand check: a one-off sync's workflow loads as the schema loads it", async () => {
  const registry = lazyRegistry();
  await registry.ensure("jobKind", "sync");
  for (const [args, expected] of SYNC_CASES) {
    const label = args.join(" ");
    const [a, b, opts] = await syncViaCommander(args);
    const tree = oneOffWorkflow(syncOneOff(a, b, opts));
    assert.deepEqual(await load(tree, false), await load(tree, true), label);
    if (!label.includes("$")) {
      assert.equal(
        handChecked(structuredClone(tree), registry) !== undefined,
        expected === "hand",
        label,
      );
    }
  }
});

Deno.test("hand check: a tree it does not know is left to the schema", async () => {
  const registry = lazyRegistry();
  await registry.ensure("jobKind", "mirror");
  await registry.ensure("jobKind", "walk");
  const base = () => ({
    version: 1,
    name: "mirror",
    endpoints: { from: { url: "ftp://h/" }, to: { url: "./b" } },
    jobs: { mirror: { mirror: { from: "from:/", to: "to:/" } } },
  });
  assert.ok(handChecked(base(), registry));
  const edits: ((t: ReturnType<typeof base> & Record<string, unknown>) => void)[] = [
    (t) => t.version = 2,
    (t) => t.name = "",
    (t) => t.description = "x",
    (t) => (t.endpoints.from as Record<string, unknown>).url = "",
    (t) => (t.endpoints.from as Record<string, unknown>).timeout = 5,
    (t) => (t.endpoints.from as Record<string, unknown>).maxConnections = "8",
    (t) => (t.endpoints.from as Record<string, unknown>).maxConnections = 0,
    (t) => (t.endpoints.from as Record<string, unknown>).maxConnections = 2.5,
    (t) => (t.endpoints.from as Record<string, unknown>).tls = { ca: "c", insecure: true },
    (t) => (t.endpoints.from as Record<string, unknown>).tls = { mode: "off" },
    (t) => (t.endpoints.from as Record<string, unknown>).auth = { method: "password" },
    (t) => (t.endpoints.from as Record<string, unknown>).auth = { method: "anonymous" },
    (t) => (t.endpoints.from as Record<string, unknown>).auth = { method: "netrc", user: "" },
    (t) => (t.endpoints.from as Record<string, unknown>).auth = { method: "netrc", optional: 1 },
    (t) =>
      (t.endpoints.from as Record<string, unknown>).auth = {
        method: "password",
        passwordEnv: "A",
        password: "x",
      },
    (t) => (t.endpoints as Record<string, unknown>)["bad name"] = { url: "x" },
    (t) => (t.jobs.mirror as Record<string, unknown>).parallel = "8",
    (t) => (t.jobs.mirror as Record<string, unknown>).dryRun = true,
    (t) => (t.jobs.mirror as Record<string, unknown>).walk = { at: "from:/" },
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).delete = "true",
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).exclude = "a[",
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).exclude = ["ok", 1],
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).minSize = 10,
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).from = "/x",
    (t) => (t.jobs.mirror.mirror as Record<string, unknown>).to = undefined,
    (t) => (t.jobs as Record<string, unknown>).other = { walk: { at: "from:/" } },
  ];
  for (const [i, edit] of edits.entries()) {
    const tree = base();
    edit(tree);
    assert.equal(handChecked(tree, registry), undefined, `edit ${i}`);
  }
  // Another registry's mirror (not ferry's own kinds) is the schema's to check.
  assert.equal(handChecked(base(), lazyRegistry()), undefined);
});

Deno.test("hand check: a refused value fails the command as before (message, exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["mirror", "-q", "--parallel", "65", "ftp://127.0.0.1:1/", "./b"], /parallel/],
    [["mirror", "-q", "--connections", "99", "ftp://127.0.0.1:1/", "./b"], /maxConnections/],
    [["mirror", "-q", "--password-env", "1X", "ftp://127.0.0.1:1/", "./b"], /passwordEnv/],
    [["mirror", "-q", "-x", "a[", "ftp://127.0.0.1:1/", "./b"], /bad glob/],
  ];
  for (const [args, words] of cases) {
    const out = await ferry(args);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, words);
    // The schema's words: the same problems loadWorkflowObject reports with zod alone.
    const quick = quickMirror(args)!;
    const tree = oneOffWorkflow(
      mirrorOneOff(quick.positionals[0], quick.positionals[1], quick.opts),
    );
    const bySchema = await load(tree, true);
    assert.ok(bySchema.problems && bySchema.problems.length > 0);
    for (const p of bySchema.problems) assert.ok(out.stderr.includes(p.message), p.message);
  }
});
