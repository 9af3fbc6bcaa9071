/**
 * The cells of the interop matrix, each a scenario run with the real `ferry` CLI
 * against one running server: a mirror round trip with `--delete -P 4`, a two-way
 * sync, and a mirror through a proxy that cuts the big file's data connection once.
 * The server files are checked on its disk, byte for byte.
 * @module
 */
import assert from "node:assert/strict";
import type { CutProxy } from "../peers/cut_proxy.ts";
import {
  assertNoPartials,
  assertSameTrees,
  assertTree,
  bytes,
  explain,
  ferryJson,
  type JobOutcome,
  randomBytes,
  seedServer,
  smallTree,
  type TreeSpec,
  writeTree,
} from "./_matrix.ts";

/** A server as the cells see it. */
export interface Remote {
  /** URL of the directory the cells work in (it need not exist yet). */
  url: string;
  /** The same directory on the server's disk. */
  dir: string;
  user: string;
  password: string;
  /** PEM file of the CA to trust (`--ca`). */
  ca?: string;
  /** More flags for every ferry run (`--time-shift`...). */
  flags?: string[];
  /** The server's log, for failure messages. */
  log(): string;
}

/** Options of {@link mirrorRoundTrip}. */
export interface RoundTripOptions {
  /** Files in the tree (default 30). */
  files?: number;
  /**
   * Check that the files that came back down carry the mtimes they went up with,
   * within this many seconds (60 where only LIST's minutes are known); off when undefined.
   */
  mtimeToleranceSec?: number;
  /** A second mirror up right after the first must transfer nothing (default true). */
  idempotent?: boolean;
}

/** A whole minute two hours ago: recent enough for LIST to show hh:mm, exact at minutes. */
export function recentMinute(): number {
  return Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60;
}

/** `ferry ARGS` against `remote` (its user, password and flags added); asserts it succeeded. */
export async function ferryOk(
  remote: Remote,
  args: string[],
  what: string,
  cwd?: string,
): Promise<JobOutcome> {
  const run = await ferryJson(
    [
      ...args,
      ...(args[0] === "run" ? [] : ["-u", remote.user, "--password-env", "FERRY_TEST_PW"]),
      ...(remote.ca && args[0] !== "run" ? ["--ca", remote.ca] : []),
      ...(remote.flags ?? []),
    ],
    { password: remote.password, cwd },
  );
  assert.equal(run.result.code, 0, `${what}: ${explain(run, remote.log)}`);
  assert.equal(run.failed, 0, `${what}: ${explain(run, remote.log)}`);
  return run;
}

/**
 * Mirror up with `--delete -P 4` over a server directory holding an extra file
 * and a stale one, then down into a local directory holding the same kind of
 * leftovers; both sides must end byte-identical with no partial files.
 *
 * @example
 * ```ts
 * await mirrorRoundTrip(remote, dir, { mtimeToleranceSec: 1 });
 * ```
 */
export async function mirrorRoundTrip(
  remote: Remote,
  work: string,
  options: RoundTripOptions = {},
): Promise<void> {
  const tree = smallTree(options.files ?? 30);
  const mtime = recentMinute();
  const src = `${work}/src`, down = `${work}/down`;
  await writeTree(src, tree, mtime);
  const stale = Object.keys(tree)[1];
  await seedServer(remote.dir, { "gone.bin": bytes(500, 1), [stale]: bytes(77, 2) });
  const up = await ferryOk(remote, ["mirror", src, remote.url, "--delete", "-P", "4"], "mirror up");
  const count = Object.keys(tree).length;
  assert.equal(up.transferred, count, `mirror up: ${explain(up)}`);
  assert.equal(up.deleted, 1, `mirror up deletes gone.bin: ${explain(up)}`);
  await assertTree(remote.dir, tree, "server after mirror up");
  await assertNoPartials(remote.dir, "server after mirror up");
  if (options.idempotent ?? true) {
    const again = await ferryOk(
      remote,
      ["mirror", src, remote.url, "--delete", "-P", "4"],
      "again",
    );
    assert.equal(again.transferred, 0, `a second mirror up changed files: ${explain(again)}`);
  }
  await writeTree(down, { "stale.bin": bytes(300, 3), [stale]: bytes(99, 4) });
  const downRun = await ferryOk(
    remote,
    ["mirror", remote.url, down, "--delete", "-P", "4"],
    "mirror down",
  );
  assert.equal(downRun.transferred, count, `mirror down: ${explain(downRun)}`);
  await assertTree(down, tree, "local after mirror down");
  await assertNoPartials(down, "local after mirror down");
  if (options.mtimeToleranceSec !== undefined) {
    await assertMtimes(down, tree, mtime, options.mtimeToleranceSec);
  }
}

async function assertMtimes(
  dir: string,
  tree: TreeSpec,
  mtime: number,
  toleranceSec: number,
): Promise<void> {
  const off: string[] = [];
  for (const path of Object.keys(tree)) {
    const got = (await Deno.stat(`${dir}/${path}`)).mtime!.getTime() / 1000;
    if (Math.abs(got - mtime) > toleranceSec) off.push(`${path}: ${got - mtime} s`);
  }
  assert.deepEqual(off, [], "mtimes after the round trip (went up with one mtime for all)");
}

/**
 * Two-way sync: each side has files the other lacks, then each side changes and
 * deletes one file; after each sync both sides hold the same bytes.
 *
 * @example
 * ```ts
 * await twoWaySync(remote, dir);
 * ```
 */
export async function twoWaySync(remote: Remote, work: string): Promise<void> {
  const local = `${work}/local`, state = `${work}/state`;
  const shared = smallTree(8);
  const mine = prefixed("mine-", smallTree(5, 1));
  const theirs = prefixed("theirs-", smallTree(5, 2));
  const mtime = recentMinute();
  await writeTree(local, { ...shared, ...mine }, mtime);
  await seedServer(remote.dir, { ...shared, ...theirs }, mtime);
  const sync = ["sync", local, remote.url, "--state-dir", state, "-P", "4"];
  await ferryOk(remote, sync, "first sync");
  const union = { ...shared, ...mine, ...theirs };
  await assertTree(local, union, "local after the first sync");
  await assertTree(remote.dir, union, "server after the first sync");

  // Each side changes one file and deletes another; later mtimes win.
  const later = mtime + 600;
  const [changedHere, deletedHere] = Object.keys(mine);
  const [changedThere, deletedThere] = Object.keys(theirs);
  await writeTree(local, { [changedHere]: bytes(4321, 5) }, later);
  await Deno.remove(`${local}/${deletedHere}`);
  await seedServer(remote.dir, { [changedThere]: bytes(1234, 6) }, later);
  await Deno.remove(`${remote.dir}/${deletedThere}`);
  await ferryOk(remote, sync, "second sync");
  const expected = { ...union, [changedHere]: bytes(4321, 5), [changedThere]: bytes(1234, 6) };
  delete expected[deletedHere];
  delete expected[deletedThere];
  await assertTree(local, expected, "local after the second sync");
  await assertSameTrees(local, remote.dir, "both sides after the second sync");
  await assertNoPartials(remote.dir, "server after sync");
  await assertNoPartials(local, "local after sync");
}

function prefixed(prefix: string, tree: TreeSpec): TreeSpec {
  return Object.fromEntries(
    Object.entries(tree).map(([path, content]) => {
      const slash = path.lastIndexOf("/") + 1;
      return [`${path.slice(0, slash)}${prefix}${path.slice(slash)}`, content];
    }),
  );
}

/** The tree of the cut cells: one big file and a few small ones. */
export function cutTree(bigBytes: number): TreeSpec {
  return { "big.bin": randomBytes(bigBytes), ...smallTree(4, 7) };
}

/**
 * A mirror through `proxy` (which cuts one data connection once) in the given
 * direction: ferry must resume or restart and end with the right bytes, say ok,
 * and leave no partial file. With `endpointOptions` (e.g. UFTP's `streams`, which
 * have no CLI flag) it runs as a workflow file (`ferry run`), else as `ferry mirror`.
 *
 * @example
 * ```ts
 * await mirrorAcrossCut(remote, proxy, dir, "up", cutTree(64 << 20));
 * ```
 */
export async function mirrorAcrossCut(
  remote: Remote,
  proxy: CutProxy,
  work: string,
  direction: "up" | "down",
  tree: TreeSpec,
  endpointOptions?: Record<string, unknown>,
): Promise<JobOutcome> {
  const local = `${work}/local`;
  if (direction === "up") {
    await writeTree(local, tree);
  } else {
    await Deno.mkdir(local, { recursive: true });
    await seedServer(remote.dir, tree);
  }
  const args = endpointOptions
    ? ["run", await workflowFile(remote, work, local, direction, endpointOptions)]
    : direction === "up"
    ? ["mirror", local, remote.url, "--delete", "-P", "4"]
    : ["mirror", remote.url, local, "--delete", "-P", "4"];
  const run = await ferryOk(remote, args, `mirror ${direction} across a cut`);
  assert.ok(proxy.cutDone(), "the proxy never cut a data connection: the cell tested nothing");
  const target = direction === "up" ? remote.dir : local;
  await assertTree(target, tree, `${direction === "up" ? "server" : "local"} after the cut`);
  await assertNoPartials(target, "after the cut");
  return run;
}

/** A one-job workflow (JSON is YAML) mirroring `local` and `remote` in `direction`. */
async function workflowFile(
  remote: Remote,
  work: string,
  local: string,
  direction: "up" | "down",
  options: Record<string, unknown>,
): Promise<string> {
  // As the CLI does: the endpoint is the parent, the job works on the last name (a
  // UFTP session based on a directory that does not exist yet is refused).
  const cut = remote.url.lastIndexOf("/");
  const there = `there:/${remote.url.slice(cut + 1)}`;
  const [from, to] = direction === "up" ? ["here:/", there] : [there, "here:/"];
  const workflow = {
    version: 1,
    name: `cut-${direction}`,
    endpoints: {
      here: { url: local },
      there: {
        url: remote.url.slice(0, cut),
        auth: { method: "password", user: remote.user, passwordEnv: "FERRY_TEST_PW" },
        ...(remote.ca ? { tls: { ca: remote.ca } } : {}),
        options,
      },
    },
    jobs: { [direction]: { mirror: { from, to, delete: true }, parallel: 4 } },
  };
  const file = `${work}/workflow.yaml`;
  await Deno.writeTextFile(file, JSON.stringify(workflow, null, 2));
  return file;
}
