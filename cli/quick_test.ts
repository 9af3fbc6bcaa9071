import assert from "node:assert/strict";
import { quickCommand, quickMirror, quickSync, scanArgs } from "./quick.ts";
import { headStartUrl } from "./head_start.ts";
import { buildProgram } from "./program.ts";
import { CliContext } from "./context.ts";

/** What commander hands get's/put's action for `args`: the positionals and the options. */
async function viaCommander(
  args: string[],
): Promise<{ positionals: unknown[]; opts: unknown; globals: unknown }> {
  const cli = new CliContext(() => Promise.reject(new Error("no registry in this test")));
  const name = args.find((a) => a === "get" || a === "put" || a === "mirror" || a === "sync")!;
  const program = await buildProgram(cli, name);
  let seen: { positionals: unknown[]; opts: unknown; globals: unknown } | undefined;
  program.commands.find((c) => c.name() === name)!.action((...all: unknown[]) => {
    // commander passes the declared arguments, then the options, then the command.
    const positionals = all.slice(0, -2);
    seen = { positionals, opts: { ...(all.at(-2) as object) }, globals: { ...program.opts() } };
  });
  await program.parseAsync(args, { from: "user" });
  return seen!;
}

const SAME_AS_COMMANDER = [
  ["get", "ftp://u:pw@h/a.bin"],
  ["get", "ftp://h/a.bin", "out.bin"],
  ["get", "-q", "ftp://h/a.bin", "dir/", "-c"],
  ["get", "--quiet", "--continue", "--no-netrc", "memory://x/a"],
  ["put", "a.bin", "ftp://h/in/"],
  ["put", "-q", "a.bin", "ftp://u:pw@h/b.bin", "--no-atomic"],
  ["put", "--no-netrc", "--quiet", "a.bin", "uftp://h:9000/rest/auth/T:/d/"],
  ["-q", "get", "ftp://h/a"],
  ["--quiet", "-q", "put", "a.bin", "ftp://h/b"],
  ["-q", "get", "--ca", "ca.pem", "uftp://u:pw@h:9000/rest/auth/T:/d/a", "out"],
  ["-q", "put", "--ca", "ca.pem", "a.bin", "uftp://u:pw@h:9000/rest/auth/T:/d/a"],
  ["get", "ftp://h/a", "--ca=ca.pem", "-c"],
  ["put", "--ca", "one.pem", "a.bin", "ftp://h/b", "--ca", "two.pem"],
];

Deno.test("quickCommand: the positionals and options commander would give the action", async () => {
  for (const args of SAME_AS_COMMANDER) {
    const quick = quickCommand(args);
    assert.ok(quick, args.join(" "));
    const commander = await viaCommander(args);
    const positionals = quick.name === "get" && quick.positionals.length === 1
      ? [...quick.positionals, undefined]
      : quick.positionals;
    assert.deepEqual(
      { positionals, opts: quick.opts, globals: quick.globals },
      commander,
      args.join(" "),
    );
  }
});

Deno.test("quickCommand: anything else is left to commander", () => {
  for (
    const args of [
      [],
      ["ls", "ftp://h/"],
      ["get"],
      ["get", "--help"],
      ["get", "-h", "ftp://h/a"],
      ["get", "ftp://h/a", "b", "c"],
      ["put", "a.bin"],
      ["put", "-c", "a.bin", "ftp://h/b"],
      ["get", "--no-atomic", "ftp://h/a"],
      ["get", "-qc", "ftp://h/a"],
      ["get", "--", "ftp://h/a"],
      ["get", "-", "ftp://h/a"],
      ["get", "ftp://h/a", "--password-env", "PW"],
      ["get", "ftp://h/a", "--segments", "2"],
      ["get", "ftp://h/a", "-v"],
      ["put", "a", "ftp://h/b", "--plugin", "./p.ts"],
      ["-v", "get", "ftp://h/a"],
      ["-q", "ls", "ftp://h/"],
      ["-q"],
      ["get", "ftp://h/a", "--ca"],
      ["get", "--ca", "-q", "ftp://h/a"],
      ["get", "--ca=", "ftp://h/a"],
      ["get", "--cafile", "x", "ftp://h/a"],
    ]
  ) assert.equal(quickCommand(args), undefined, args.join(" "));
});

Deno.test("headStartUrl: a quick get/put of a plain ftp:// URL", () => {
  assert.equal(headStartUrl(["put", "-q", "a", "ftp://u:pw@h/b"]), "ftp://u:pw@h/b");
  assert.equal(headStartUrl(["get", "FTP://u:pw@h/b", "a"]), "FTP://u:pw@h/b");
  assert.equal(headStartUrl(["get", "ftpes://u:pw@h/b"]), undefined);
  assert.equal(headStartUrl(["put", "ftp://u:pw@h/b", "memory://x/b"]), undefined);
  assert.equal(headStartUrl(["get", "ftp://u:pw@h/b", "--net-timeout", "5s"]), undefined);
});

const MIRROR_SAME_AS_COMMANDER = [
  ["mirror", "ftp://h/pub", "./pub"],
  [
    "mirror",
    "-q",
    "--parallel",
    "8",
    "--connections",
    "8",
    "-u",
    "bob",
    "--password-env",
    "PW",
    "ftp://h/pub",
    "/dev/shm/x",
  ],
  ["-q", "mirror", "ftp://u:pw@h/pub", "pub", "--delete"],
  ["mirror", "--quiet", "-P", "3", "--user", "alice", "ftp://h/", "memory://m/"],
  ["mirror", "--parallel=12", "--connections=2", "--user=u", "--password-env=P", "a", "ftp://h/b"],
  ["mirror", "--no-netrc", "--ca", "ca.pem", "ftpes://h/pub", "./pub"],
  ["mirror", "-P", "1", "--parallel", "4", "-u", "a", "-u", "b", "x", "y"],
  ["--quiet", "mirror", "-q", "./a", "./b", "--delete", "--parallel", "123456789"],
  ["mirror", "a", "b", "--exclude", "*.tmp"],
  ["mirror", "-x", "*.tmp", "-i", "**/*.iso", "--exclude=.git", "-x", "a b", "ftp://h/", "b"],
  ["mirror", "--include", "x", "--include=y", "-q", "a", "b", "-P", "2"],
];

Deno.test("quickMirror: the positionals and options commander would give mirror's action", async () => {
  for (const args of MIRROR_SAME_AS_COMMANDER) {
    const quick = quickMirror(args);
    assert.ok(quick, args.join(" "));
    assert.equal(quickCommand(args), undefined, args.join(" "));
    const commander = await viaCommander(args);
    assert.deepEqual(
      { positionals: quick.positionals, opts: quick.opts, globals: quick.globals },
      commander,
      args.join(" "),
    );
  }
});

Deno.test("quickMirror: anything else is left to commander", () => {
  for (
    const args of [
      ["mirror"],
      ["mirror", "ftp://h/pub"],
      ["mirror", "a", "b", "c"],
      ["mirror", "--help", "a", "b"],
      ["mirror", "-h", "a", "b"],
      ["mirror", "--", "a", "b"],
      ["mirror", "-", "a"],
      ["mirror", "a", "b", "--parallel", "08"],
      ["mirror", "a", "b", "--parallel", "+8"],
      ["mirror", "a", "b", "--parallel", "8.0"],
      ["mirror", "a", "b", "--parallel", "1e1"],
      ["mirror", "a", "b", "--parallel", "0"],
      ["mirror", "a", "b", "--parallel", "-1"],
      ["mirror", "a", "b", "--parallel", "1234567890"],
      ["mirror", "a", "b", "--parallel"],
      ["mirror", "a", "b", "--parallel="],
      ["mirror", "a", "b", "-P8"],
      ["mirror", "a", "b", "-u"],
      ["mirror", "a", "b", "-u", "-q"],
      ["mirror", "a", "b", "-u=bob"],
      ["mirror", "a", "b", "--password-env", ""],
      ["mirror", "a", "b", "--exclude", "-x"],
      ["mirror", "a", "b", "-x="],
      ["mirror", "a", "b", "-i"],
      ["mirror", "a", "b", "--min-size", "1"],
      ["mirror", "a", "b", "--dry-run"],
      ["mirror", "a", "b", "-n"],
      ["mirror", "a", "b", "--queue", "redis://h"],
      ["mirror", "a", "b", "--backup-dir", "old"],
      ["mirror", "a", "b", "--password-file", "pw"],
      ["mirror", "a", "b", "--netrc"],
      ["mirror", "a", "b", "--tls", "require"],
      ["mirror", "a", "b", "--json"],
      ["mirror", "a", "b", "-v"],
      ["mirror", "a", "b", "--plugin", "./p.ts"],
      ["mirror", "a", "b", "--compare", "size"],
      ["mirror", "a", "b", "--continue"],
      ["mirror", "a", "b", "--no-atomic"],
      ["-v", "mirror", "a", "b"],
      ["sync", "a", "b"],
      ["get", "ftp://h/a"],
    ]
  ) assert.equal(quickMirror(args), undefined, args.join(" "));
});

Deno.test("scanArgs: one scan for the quick path and the FTP side's head start", () => {
  const args = ["mirror", "-q", "-P", "8", "-u", "bob", "ftp://h/pub", "./pub"];
  assert.deepEqual(scanArgs(args), {
    quick: quickMirror(args),
    side: { positionals: ["ftp://h/pub", "./pub"], user: "bob", passwordEnv: undefined },
  });
  // The head start's flags only: no quick path, a head start.
  assert.deepEqual(scanArgs(["sync", "--retries", "2", "./a", "ftp://h/b"]), {
    quick: undefined,
    side: { positionals: ["./a", "ftp://h/b"], user: undefined, passwordEnv: undefined },
  });
  assert.equal(scanArgs(["mirror", "--dry-run", "a", "b"]).quick, undefined);
  // The quick path's: no head start (a CA, `--flag=value`, a -q before the command).
  assert.equal(scanArgs(["mirror", "--ca", "c.pem", "ftp://h/a", "b"]).side, undefined);
  assert.equal(scanArgs(["mirror", "--parallel=8", "ftp://h/a", "b"]).side, undefined);
  assert.equal(scanArgs(["-q", "mirror", "ftp://h/a", "b"]).side, undefined);
  assert.ok(scanArgs(["-q", "mirror", "ftp://h/a", "b"]).quick);
  // A count commander must read: no quick path, the head start still.
  assert.equal(scanArgs(["mirror", "-P", "08", "ftp://h/a", "b"]).quick, undefined);
  assert.ok(scanArgs(["mirror", "-P", "08", "ftp://h/a", "b"]).side);
  assert.deepEqual(scanArgs(["mirror", "--tls", "require", "ftp://h/a", "b"]), {});
});

const SYNC_SAME_AS_COMMANDER = [
  ["sync", "./a", "ftp://h/b"],
  "sync -q -P 8 --connections 8 -u bob --password-env PW ./a ftp://h/b".split(" "),
  "-q sync --force --state-dir /tmp/st --conflict newer ./a ./b".split(" "),
  "sync --conflict=keep-both --conflict-suffix mine -x *.tmp -i **/*.iso a ftp://h/b".split(" "),
  "sync --no-netrc --ca ca.pem --conflict a --conflict b ftpes://h/a ./b".split(" "),
  "sync --parallel=3 --user=u --password-env=P --exclude=x --force a b".split(" "),
];

Deno.test("quickSync: the positionals and options commander would give sync's action", async () => {
  for (const args of SYNC_SAME_AS_COMMANDER) {
    const quick = quickSync(args);
    assert.ok(quick, args.join(" "));
    assert.equal(quickMirror(args), undefined, args.join(" "));
    assert.equal(quickCommand(args), undefined, args.join(" "));
    assert.deepEqual(
      { positionals: quick.positionals, opts: quick.opts, globals: quick.globals },
      await viaCommander(args),
      args.join(" "),
    );
  }
});

Deno.test("quickSync: anything else is left to commander", () => {
  for (
    const args of [
      "sync a",
      "sync a b c",
      "sync --help a b",
      "sync --conflict bogus a b",
      "sync --conflict Newer a b",
      "sync --conflict= a b",
      "sync --delete a b",
      "sync --dry-run a b",
      "sync --max-delete 5 a b",
      "sync --compare size a b",
      "sync --queue redis://h a b",
      "sync --tls require a b",
      "sync -P 08 a b",
      "sync --min-size 1 a b",
      "sync -v a b",
      "sync -- a b",
    ].map((line) => line.split(" "))
  ) assert.equal(quickSync(args), undefined, args.join(" "));
});
