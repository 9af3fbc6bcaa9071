import assert from "node:assert/strict";
import { quickCommand } from "./quick.ts";
import { headStartUrl } from "./head_start.ts";
import { buildProgram } from "./program.ts";
import { CliContext } from "./context.ts";

/** What commander hands get's/put's action for `args`: the positionals and the options. */
async function viaCommander(
  args: string[],
): Promise<{ positionals: unknown[]; opts: unknown; globals: unknown }> {
  const cli = new CliContext(() => Promise.reject(new Error("no registry in this test")));
  const name = args.find((a) => a === "get" || a === "put")!;
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
