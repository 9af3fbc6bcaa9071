/**
 * Everything that moves a session's working directory takes its turn on that
 * session: a listing made from inside a directory (CWD, LIST, CWD back: a name
 * with white space or a glob character) must list that directory, whatever
 * else runs on the one session meanwhile (the CWD check after MLSD's 550,
 * the CWD probe of a link whose target no listing told, `FtpHost.chdir`).
 * The fake session keeps a working directory as a server does and, as
 * `FtpClient` does, runs one command at a time in the order they came; each
 * takes a macrotask (LIST three: its data connection).
 */
import assert from "node:assert/strict";
import type { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { configureLogging, resetLogging } from "../../deps/logtape.ts";
import { SessionPool } from "./pool.ts";
import { StatCache } from "./stat_cache.ts";
import { StatReader } from "./stat.ts";

const e = (name: string, type: ListEntry["type"], more: Partial<ListEntry> = {}): ListEntry => ({
  name,
  type,
  size: 1,
  precision: 60_000,
  raw: "",
  ...more,
});

/** Directories and their entries as MLSD and LIST show them (LIST leaves out the link `up`). */
const tree: Record<string, ListEntry[]> = {
  "/": [e("pub", "dir"), e("sp ace", "dir"), e("root.txt", "file"), e("up", "symlink")],
  "/pub": [e("a.txt", "file")],
  "/sp ace": [e("inner.txt", "file")],
};

function refusal(command: string, text: string): FtpPermanentError {
  return new FtpPermanentError(`550 ${text}`, {
    reply: { code: 550, lines: [`550 ${text}`], text },
    command,
  });
}

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** One session: MLSD refused on `/pub` with 550 (as ProFTPD's `<Limit MLSD>`), LIST slow. */
class Session {
  closed = false;
  gone: Promise<void> = Promise.resolve();
  timeShift = 0;
  mlsdLocalTime = false;
  readonly commands: string[] = [];
  #cwd = "/";
  #lock: Promise<unknown> = Promise.resolve();
  /** `fn` when the commands before it are done, `turns` macrotasks after it is sent. */
  #run<T>(line: string, fn: () => T, turns = 1): Promise<T> {
    const run = this.#lock.then(async () => {
      this.commands.push(line);
      const result = fn(); // what the server reads when the command arrives
      for (let i = 0; i < turns; i++) await macrotask();
      return result;
    });
    this.#lock = run.catch(() => {});
    return run;
  }
  features() {
    return Promise.resolve(new Map([["MLST", "type*;size*;modify*;"]]));
  }
  mlsd(path: string) {
    return this.#run(`MLSD ${path}`, () => {
      if (path === "/pub") throw refusal(`MLSD ${path}`, "Unable to handle command");
      const entries = tree[path];
      if (!entries) throw refusal(`MLSD ${path}`, "No such directory");
      return entries;
    });
  }
  mlst(path: string) {
    return this.#run(`MLST ${path}`, () => e(path, "dir"));
  }
  list(path: string) {
    return this.#run(`LIST ${path}`, () => {
      const entries = tree[path === "" ? this.#cwd : path];
      if (!entries) throw refusal(`LIST ${path}`, "No such directory");
      return entries.filter((x) => x.type !== "symlink");
    }, 3);
  }
  pwd() {
    return this.#run("PWD", () => this.#cwd);
  }
  cwd(path: string) {
    return this.#run(`CWD ${path}`, () => {
      if (path === "/up") return void (this.#cwd = "/"); // a link to ".."
      if (tree[path] === undefined) throw refusal(`CWD ${path}`, "No such directory");
      this.#cwd = path;
    });
  }
  quit() {
    this.closed = true;
    return Promise.resolve();
  }
  close() {
    this.closed = true;
  }
}

function reader() {
  const session = new Session();
  const pool = new SessionPool(() => Promise.resolve(session as unknown as FtpClient), {
    maxChildren: 0,
  });
  // The fake speaks MLSD and LIST only: no STAT listings.
  const choice = { useMlsd: "auto" as const, statList: false };
  return { session, pool, reader: new StatReader(pool, new StatCache(), choice) };
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  await configureLogging({
    reset: true,
    sinks: {},
    loggers: [{ category: ["logtape", "meta"], sinks: [], lowestLevel: "error" }],
  });
  try {
    return await fn();
  } finally {
    await resetLogging();
  }
}

/**
 * `other` and a listing from inside `/sp ace` on one session, the listing
 * started `offset` macrotasks after `other` (before it when negative).
 */
async function beside<T>(offset: number, other: (r: StatReader) => Promise<T>) {
  const { session, reader: r } = reader();
  await r.usesMlsd();
  const after = async <U>(turns: number, fn: () => Promise<U>) => {
    for (let i = 0; i < turns; i++) await macrotask();
    return await fn();
  };
  // MLSD shows no link as a link here: removals list with LIST, from inside for "sp ace".
  const [inside, result] = await quietly(() =>
    Promise.all([
      after(Math.max(offset, 0), () => r.listShowingLinks("/sp ace")),
      after(Math.max(-offset, 0), () => other(r)),
    ])
  );
  return { inside: inside.map((s) => s.name), result, commands: session.commands.join(", ") };
}

Deno.test("cwd turns: MLSD's 550 check (CWD in and back) waits for a listing made from inside", async () => {
  for (let offset = -8; offset <= 8; offset++) {
    // MLSD /pub: 550, then CWD /pub and back (it exists), then LIST /pub.
    const { inside, result, commands } = await beside(offset, (r) => r.list("/pub"));
    assert.deepEqual(inside, ["inner.txt"], `offset ${offset}: ${commands}`);
    assert.deepEqual(result.map((s) => s.name), ["a.txt"], `offset ${offset}: ${commands}`);
  }
});

Deno.test("cwd turns: a link's CWD probe waits for a listing made from inside", async () => {
  for (let offset = -8; offset <= 8; offset++) {
    // /up: a link MLSD names without a target and LIST leaves out: CWD into it, PWD, CWD back.
    const { inside, result, commands } = await beside(offset, (r) => r.realpath("/up"));
    assert.deepEqual(inside, ["inner.txt"], `offset ${offset}: ${commands}`);
    assert.equal(result, "/", `offset ${offset}: ${commands}`);
  }
});

Deno.test("cwd turns: a link's CWD probe puts the session's directory back", async () => {
  const { session, reader: r } = reader();
  await session.cwd("/pub");
  await quietly(() => r.realpath("/up"));
  assert.equal(await session.pwd(), "/pub");
});
