/**
 * A server that offers MLST in FEAT and refuses MLSD (ProFTPD with
 * `<Limit MLSD MLST> DenyAll` answers 550 to every MLSD, existing path or not):
 * the reader falls back to LIST once the directory is known to exist, says so
 * once, and a missing directory is still NotFoundError.
 */
import assert from "node:assert/strict";
import type { FtpClient } from "../../ftp/client.ts";
import { FtpPermanentError } from "../../ftp/errors.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { configureLogging, type LogRecord, resetLogging } from "../../deps/logtape.ts";
import { NotADirectoryError, NotFoundError, PermissionDeniedError } from "../errors.ts";
import { SessionPool } from "./pool.ts";
import { StatCache } from "./stat_cache.ts";
import { mlsdRefusal, StatReader } from "./stat.ts";

function refusal(command: string, code: number, text: string): FtpPermanentError {
  return new FtpPermanentError(`${code} ${text}`, {
    reply: { code, lines: [`${code} ${text}`], text },
    command,
  });
}

/** Directories and their entries; `null`: enterable, but the user may not list it. */
const tree: Record<string, ListEntry[] | null> = {
  "/": [
    { name: "pub", type: "dir", precision: 60_000, raw: "" },
    { name: "locked", type: "dir", precision: 60_000, raw: "" },
    { name: "c d", type: "dir", precision: 60_000, raw: "" },
  ],
  "/locked": null,
  "/pub": [
    { name: "a.txt", type: "file", size: 3, precision: 60_000, raw: "" },
    { name: "sub", type: "dir", precision: 60_000, raw: "" },
  ],
  "/pub/sub": [],
  "/c d": [{ name: "x.txt", type: "file", size: 1, precision: 60_000, raw: "" }],
  // Listed with its own "." (vsftpd, ProFTPD, Pure-FTPd under LIST -a).
  "/dotted": [
    { name: ".", type: "dir", precision: 60_000, raw: "" },
    { name: "..", type: "dir", precision: 60_000, raw: "" },
    { name: "y.txt", type: "file", size: 1, precision: 60_000, raw: "" },
  ],
};

/**
 * A session of such a server: MLSD/MLST refused with `code`, LIST and CWD by
 * the tree. With `mlsdWorks` MLSD answers like LIST (a server that merely
 * denies one unreadable directory).
 */
class Refusing {
  closed = false;
  gone: Promise<void> = Promise.resolve();
  timeShift = 0;
  mlsdLocalTime = false;
  readonly commands: string[] = [];
  #cwd = "/";
  constructor(readonly code: number, readonly mlsdWorks = false) {}
  features() {
    return Promise.resolve(new Map([["MLST", "type*;size*;modify*;"]]));
  }
  mlsd(path: string) {
    this.commands.push(`MLSD ${path}`);
    if (this.mlsdWorks && tree[path]) return Promise.resolve(tree[path]);
    return Promise.reject(refusal(`MLSD ${path}`, this.code, "Unable to handle command"));
  }
  mlst(path: string) {
    this.commands.push(`MLST ${path}`);
    return Promise.reject(refusal(`MLST ${path}`, this.code, "Unable to handle command"));
  }
  list(path: string) {
    this.commands.push(`LIST ${path}`);
    // Like Pure-FTPd, a space in the argument would split it: only "" may name such a directory.
    if (/\s/.test(path)) return Promise.reject(refusal(`LIST ${path}`, 550, "split"));
    const entries = tree[path === "" ? this.#cwd : path];
    if (entries) return Promise.resolve(entries);
    if (entries === null) return Promise.reject(refusal(`LIST ${path}`, 550, "Permission denied"));
    // LIST of a missing path: an empty listing (vsftpd) or 450/550; both happen.
    return Promise.reject(refusal(`LIST ${path}`, 550, "No such file or directory"));
  }
  pwd() {
    return Promise.resolve(this.#cwd);
  }
  cwd(path: string) {
    this.commands.push(`CWD ${path}`);
    if (tree[path] === undefined) {
      return Promise.reject(refusal(`CWD ${path}`, 550, "No such directory"));
    }
    this.#cwd = path;
    return Promise.resolve();
  }
  quit() {
    this.closed = true;
    return Promise.resolve();
  }
  close() {
    this.closed = true;
  }
}

async function withLogs<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const records: LogRecord[] = [];
  await configureLogging({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["ferry"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    const result = await fn();
    const warnings = records.filter((r) => r.level === "warning").map((r) =>
      r.message.map(String).join("")
    );
    return { result, warnings };
  } finally {
    await resetLogging();
  }
}

function reader(code: number, useMlsd: boolean | "auto" = "auto", mlsdWorks = false) {
  const session = new Refusing(code, mlsdWorks);
  const pool = new SessionPool(() => Promise.resolve(session as unknown as FtpClient));
  // The fake speaks MLSD and LIST only: no STAT listings.
  return { session, reader: new StatReader(pool, new StatCache(), { useMlsd, statList: false }) };
}

Deno.test("mlsdRefusal: 500/502/504 refuse the command, 550 only where the path exists", () => {
  assert.equal(mlsdRefusal(refusal("MLSD /x", 500, "Unknown command")), "refused");
  assert.equal(mlsdRefusal(refusal("MLSD /x", 502, "Not implemented")), "refused");
  assert.equal(mlsdRefusal(refusal("MLSD /x", 550, "Unable to handle")), "if-path-exists");
  assert.equal(mlsdRefusal(refusal("MLSD /x", 501, "Bad path")), undefined);
  assert.equal(mlsdRefusal(new Error("x")), undefined);
});

Deno.test("stat reader: a 550 to MLSD on a directory that exists means LIST from then on, said once", async () => {
  const { session, reader: r } = reader(550);
  const { result, warnings } = await withLogs(async () => {
    const pub = await r.list("/pub");
    const sub = await r.list("/pub/sub");
    return { pub, sub, mlsd: await r.usesMlsd() };
  });
  assert.deepEqual(result.pub.map((s) => s.name), ["a.txt", "sub"]);
  assert.deepEqual(result.sub, []);
  assert.equal(result.mlsd, false);
  assert.equal(r.fellBackToList, true);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /refused MLSD on \/pub.*550 Unable to handle command.*LIST/);
  // One MLSD, the CWD that proves /pub exists (and back), a LIST that works
  // there, then LIST only: /pub's (no "." in it, so not proof of a directory),
  // the parent's to check it (LIST of a link or file would list that, see
  // StatReader.list), which makes that listing of /pub stand. /pub/sub's LIST
  // is empty without a ".": CWD into it (and back) shows it readable.
  assert.deepEqual(session.commands, [
    "MLSD /pub",
    "CWD /pub",
    "CWD /",
    "LIST /pub",
    "LIST /pub",
    "LIST /",
    "LIST /pub/sub",
    "CWD /pub/sub",
    "CWD /",
  ]);
});

Deno.test("stat reader: a 550 to MLSD on a missing directory is still NotFoundError", async () => {
  const { reader: r } = reader(550);
  const { result } = await withLogs(async () => ({
    missing: await r.list("/nope").catch((e) => e),
    file: await r.list("/pub/a.txt").catch((e) => e),
    stat: await r.lstat("/pub/nope").catch((e) => e),
  }));
  assert.ok(result.missing instanceof NotFoundError, String(result.missing));
  assert.ok(result.file instanceof NotADirectoryError, String(result.file));
  assert.ok(result.stat instanceof NotFoundError, String(result.stat));
});

Deno.test("stat reader: a 550 to MLSD where LIST fails too (no read permission) is no refusal", async () => {
  const { reader: r } = reader(550, "auto", true);
  const { result, warnings } = await withLogs(async () => ({
    error: await r.list("/locked").catch((e) => e),
    mlsd: await r.usesMlsd(),
  }));
  // An error for that directory, with the server's reply to MLSD in it.
  assert.ok(result.error instanceof PermissionDeniedError, String(result.error));
  assert.match(result.error.message, /cannot read directory \/locked \(550 Unable/);
  assert.ok(result.error.cause instanceof FtpPermanentError, String(result.error.cause));
  assert.match(result.error.cause.command ?? "", /^MLSD/);
  assert.equal(result.mlsd, true);
  assert.deepEqual(warnings, []);
});

Deno.test("stat reader: 500 to MLSD falls back without a CWD; useMlsd: true keeps the error", async () => {
  const { session, reader: r } = reader(500);
  const { result } = await withLogs(() => r.list("/pub"));
  assert.equal(result.length, 2);
  assert.deepEqual(session.commands, ["MLSD /pub", "LIST /pub", "LIST /"]);

  const strict = reader(550, true);
  const error = await strict.reader.list("/pub").catch((e) => e);
  assert.ok(error instanceof FtpPermanentError && error.ftpCode === 550, String(error));
  assert.equal(await strict.reader.usesMlsd(), true);

  const never = reader(550, false);
  assert.equal((await never.reader.list("/pub")).length, 2);
  assert.equal(never.reader.fellBackToList, false);
  assert.deepEqual(never.session.commands, ["LIST /pub", "LIST /"]);
});

Deno.test("stat reader: a refused MLST on the root gives a plain directory stat; 502 means LIST after", async () => {
  for (const [code, mlsd] of [[550, true], [502, false]] as const) {
    const { session, reader: r } = reader(code);
    const { result, warnings } = await withLogs(async () => ({
      root: await r.rootStat(),
      mlsd: await r.usesMlsd(),
    }));
    assert.equal(result.root.type, "dir");
    // A 550 to MLST / may be a chroot's: the MLSD that follows decides.
    assert.equal(result.mlsd, mlsd, `${code}`);
    assert.equal(warnings.length, mlsd ? 0 : 1);
    assert.deepEqual(session.commands, ["MLST /"]);
  }
});

Deno.test("stat reader: a directory with a space is listed from inside it", async () => {
  const { session, reader: r } = reader(550, false);
  assert.deepEqual((await r.list("/c d")).map((s) => s.name), ["x.txt"]);
  assert.deepEqual(session.commands, ["LIST /", "CWD /c d", "LIST ", "CWD /"]);
});

Deno.test("stat reader: a LIST that shows its own '.' is the check: the parent is not listed", async () => {
  const { session, reader: r } = reader(500, false);
  assert.deepEqual((await r.list("/dotted")).map((s) => s.name), ["y.txt"]);
  assert.deepEqual(session.commands, ["LIST /dotted"]);
  // A glob-like path is checked first (vsftpd would list /pub, "." and all, for
  // "LIST /pub/*"): its parent is listed (and that one's), never the path itself.
  await assert.rejects(r.list("/pub/*"), NotFoundError);
  assert.deepEqual(session.commands.slice(1), ["LIST /pub", "LIST /"]);
});
