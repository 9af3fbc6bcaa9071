/**
 * The endpoint conformance suite: the same cases for every implementation of
 * the {@link Endpoint} contract, so that jobs can rely on one behaviour.
 *
 * @example
 * ```ts
 * runConformance("memory", async () => ({ endpoint: new MemoryEndpoint(), cleanup: async () => {} }));
 * ```
 * @module
 */
import assert from "node:assert/strict";
import type { Endpoint, Stat } from "../../endpoint/types.ts";
import {
  AlreadyExistsError,
  InvalidOffsetError,
  InvalidPathError,
  IsADirectoryError,
  NotADirectoryError,
  NotEmptyError,
  NotFoundError,
  SizeMismatchError,
  UnsupportedError,
} from "../../endpoint/errors.ts";
import { isTempName, partialName } from "../../endpoint/atomic.ts";
import { collect, writeAll } from "../../endpoint/streams.ts";
import { type Peer, peerTest } from "../peers/skip.ts";

/** A fresh endpoint for one case, and how to tear it down. */
export interface ConformanceFixture {
  endpoint: Endpoint;
  cleanup(): Promise<void>;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Skip every case (e.g. a peer server is missing). */
  ignore?: boolean;
  /**
   * Real peers the fixture starts: missing ones skip each case as `(skipped: <why>)`,
   * or fail it under `FERRY_REQUIRE_PEERS=1` (see {@link peerTest}).
   */
  needs?: Peer[];
  /** Creates a symlink on the backend; symlink cases run only when given. */
  symlink?: (endpoint: Endpoint, target: string, path: string) => Promise<void>;
  /** Passed on to Deno.test (servers in child processes may need `false`). */
  sanitizeResources?: boolean;
  sanitizeOps?: boolean;
  /**
   * The server stores names with leading or trailing spaces under other names
   * (Pure-FTPd turns those spaces into `_`): making one must then fail with
   * InvalidPathError, never succeed under a name nobody asked for.
   */
  editsEdgeSpaces?: boolean;
  /** Cases to skip, by title, with the reason (a peer's own bug, not the endpoint's). */
  skip?: Record<string, string>;
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function put(ep: Endpoint, path: string, data: Uint8Array | string): Promise<void> {
  await writeAll(await ep.write(path), typeof data === "string" ? text(data) : data);
}

async function get(ep: Endpoint, path: string, offset?: number): Promise<Uint8Array> {
  return await collect(await ep.read(path, { offset }));
}

async function names(ep: Endpoint, path: string): Promise<string[]> {
  return (await ep.list(path)).map((s) => s.name).sort();
}

/**
 * Lists `path` until `done` holds for its names, or until `withinMs` passed
 * (a bound for a loaded machine, not a wait that makes the case pass: the
 * listing decides); the names last listed.
 */
async function namesWhen(
  ep: Endpoint,
  path: string,
  done: (names: string[]) => boolean,
  withinMs = 15_000,
): Promise<string[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const listed = await names(ep, path);
    if (done(listed) || performance.now() > until) return listed;
    await new Promise((resolve) => setTimeout(resolve, 10)); // the next listing, not a timing
  }
}

function byName(list: Stat[], name: string): Stat {
  const st = list.find((s) => s.name === name);
  assert.ok(st, `${name} is listed`);
  return st;
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Asserts that `mtime` reports `expected` within the stat's precision (truncated or rounded). */
function assertMtime(st: Stat, expected: Date): void {
  assert.ok(st.mtime, "mtime is reported");
  const delta = Math.abs(st.mtime.getTime() - expected.getTime());
  assert.ok(
    delta < Math.max(st.precision, 1),
    `mtime ${st.mtime.toISOString()} is ${expected.toISOString()} within ${st.precision} ms`,
  );
}

type Case = (ep: Endpoint, options: ConformanceOptions) => Promise<void>;

const cases: Record<string, Case> = {
  async "paths that leave the root or carry control characters are rejected"(ep) {
    for (const bad of ["..", "../x", "a/../../x", "a\0b", "a\rb", "a\nb"]) {
      await assert.rejects(ep.stat(bad), InvalidPathError, bad);
      await assert.rejects(ep.list(bad), InvalidPathError, bad);
      await assert.rejects(ep.read(bad), InvalidPathError, bad);
      await assert.rejects(ep.write(bad), InvalidPathError, bad);
      await assert.rejects(ep.mkdir(bad, { parents: true }), InvalidPathError, bad);
      await assert.rejects(ep.remove(bad), InvalidPathError, bad);
      await assert.rejects(ep.rename("x", bad), InvalidPathError, bad);
    }
    await assert.rejects(ep.write(""), InvalidPathError);
  },

  async "stat of the root is a directory, by every spelling"(ep) {
    for (const root of ["", ".", "/"]) {
      const st = await ep.stat(root);
      assert.equal(st.type, "dir");
      assert.equal(st.name, "");
    }
  },

  async "missing paths throw NotFoundError"(ep) {
    await assert.rejects(ep.stat("missing"), NotFoundError);
    await assert.rejects(ep.lstat("missing"), NotFoundError);
    await assert.rejects(ep.stat("missing/deeper"), NotFoundError);
    await assert.rejects(ep.list("missing"), NotFoundError);
    await assert.rejects(ep.read("missing"), NotFoundError);
    await assert.rejects(ep.remove("missing"), NotFoundError);
    await assert.rejects(ep.rmdir("missing"), NotFoundError);
    await assert.rejects(ep.rename("missing", "other"), NotFoundError);
    await assert.rejects(ep.write("missing/file"), NotFoundError);
  },

  async "mkdir with parents, without, and over existing entries"(ep) {
    await ep.mkdir("a/b/c", { parents: true });
    await ep.mkdir("a/b/c", { parents: true }); // idempotent
    for (const p of ["a", "a/b", "a/b/c"]) assert.equal((await ep.stat(p)).type, "dir");
    await ep.mkdir("a/d");
    await assert.rejects(ep.mkdir("a/d"), AlreadyExistsError);
    await assert.rejects(ep.mkdir("x/y"), NotFoundError);
    await put(ep, "a/file", "x");
    await assert.rejects(ep.mkdir("a/file"), AlreadyExistsError);
    await assert.rejects(ep.mkdir("a/file", { parents: true }), AlreadyExistsError);
  },

  async "list gives each entry with its stat"(ep) {
    await ep.mkdir("d/sub", { parents: true });
    await put(ep, "d/three.txt", "abc");
    await put(ep, "d/.hidden", "hidden");
    assert.deepEqual(await names(ep, "d"), [".hidden", "sub", "three.txt"]);
    const list = await ep.list("d");
    const file = byName(list, "three.txt");
    assert.equal(file.type, "file");
    assert.equal(file.size, 3);
    assert.ok(file.mtime instanceof Date);
    assert.ok(file.precision > 0);
    assert.equal(byName(list, "sub").type, "dir");
    assert.equal(byName(list, ".hidden").size, 6);
    assert.deepEqual(await ep.list("d/sub"), []);
    await assert.rejects(ep.list("d/three.txt"), NotADirectoryError);
    assert.ok((await names(ep, "")).includes("d"));
  },

  async "write and read round trip: binary, empty, more than 1 MiB"(ep) {
    const binary = new Uint8Array(1024).map((_, i) => i % 256);
    await put(ep, "bin", binary);
    assert.deepEqual(await get(ep, "bin"), binary);
    await put(ep, "empty", new Uint8Array(0));
    assert.equal((await ep.stat("empty")).size, 0);
    assert.equal((await get(ep, "empty")).byteLength, 0);
    const big = randomBytes(1024 * 1024 + 123);
    // Uneven chunks, as a network source would deliver them.
    const chunks: Uint8Array[] = [];
    for (let at = 0, n = 1; at < big.byteLength; at += n, n = (n * 7 + 13) % 100_000 + 1) {
      chunks.push(big.subarray(at, at + n));
    }
    await writeAll(await ep.write("big", { size: big.byteLength }), chunks);
    const st = await ep.stat("big");
    assert.equal(st.type, "file");
    assert.equal(st.size, big.byteLength);
    assert.deepEqual(await get(ep, "big"), big);
    await put(ep, "bin", "replaced");
    assert.equal(str(await get(ep, "bin")), "replaced");
  },

  async "read from an offset"(ep) {
    const data = randomBytes(200_000);
    await put(ep, "f", data);
    assert.deepEqual(await get(ep, "f", 1000), data.subarray(1000));
    assert.deepEqual(await get(ep, "f", 199_999), data.subarray(199_999));
    assert.equal((await get(ep, "f", 200_000)).byteLength, 0);
    await ep.mkdir("dir");
    await assert.rejects(ep.read("dir"), IsADirectoryError);
  },

  async "write at an offset resumes the target itself when not atomic"(ep) {
    await put(ep, "f", "hello");
    await writeAll(await ep.write("f", { atomic: false, offset: 5 }), text(" world"));
    assert.equal(str(await get(ep, "f")), "hello world");
    // The offset must be the size of what is there: beyond it or inside it is refused.
    await assert.rejects(ep.write("f", { atomic: false, offset: 100 }), InvalidOffsetError);
    await assert.rejects(ep.write("f", { atomic: false, offset: 3 }), InvalidOffsetError);
    await assert.rejects(ep.write("missing", { atomic: false, offset: 3 }), InvalidOffsetError);
    assert.equal(str(await get(ep, "f")), "hello world");
  },

  async "an exclusive write creates where nothing is and refuses anything there"(ep, options) {
    if (!ep.capabilities().exclusiveWrites) return;
    const exclusive = { atomic: false, exclusive: true };
    await writeAll(await ep.write("new", exclusive), text("fresh"));
    assert.equal(str(await get(ep, "new")), "fresh");
    await assert.rejects(ep.write("new", exclusive), AlreadyExistsError);
    await ep.mkdir("dir");
    await assert.rejects(ep.write("dir", exclusive), AlreadyExistsError);
    const links = options.symlink !== undefined && ep.capabilities().symlinks;
    if (links) {
      // A link is never followed, dangling or not: nothing is created behind it.
      await options.symlink!(ep, "new", "link");
      await options.symlink!(ep, "nowhere", "dangling");
      await assert.rejects(ep.write("link", exclusive), AlreadyExistsError);
      await assert.rejects(ep.write("dangling", exclusive), AlreadyExistsError);
      assert.equal(str(await get(ep, "new")), "fresh");
      await assert.rejects(ep.stat("nowhere"), NotFoundError);
    }
    assert.deepEqual(
      await names(ep, ""),
      links ? ["dangling", "dir", "link", "new"] : ["dir", "new"],
    );
  },

  async "an aborted resumable write keeps its partial, and a write at its size finishes it"(ep) {
    const part = partialName("f");
    const w = (await ep.write("f", { resumable: true, size: 11 })).getWriter();
    await w.write(text("hello"));
    await w.abort(new Error("connection lost"));
    await assert.rejects(ep.stat("f"), NotFoundError);
    const have = (await ep.stat(part)).size;
    assert.ok(have <= 5, `partial has ${have} bytes`);
    await assert.rejects(ep.write("f", { offset: have + 1 }), InvalidOffsetError);
    if (have > 0) await assert.rejects(ep.write("f", { offset: have - 1 }), InvalidOffsetError);
    // `resumable` keeps using the partial even when nothing of it arrived (have = 0).
    const rest = text("hello world".slice(have));
    await writeAll(await ep.write("f", { offset: have, size: 11, resumable: true }), rest);
    assert.equal(str(await get(ep, "f")), "hello world");
    await assert.rejects(ep.stat(part), NotFoundError);
    assert.deepEqual(await names(ep, ""), ["f"]);
  },

  async "an aborted atomic write keeps the old target and leaves no temporary file"(ep) {
    await ep.mkdir("d");
    await put(ep, "d/keep", "old content");
    const w = (await ep.write("d/keep")).getWriter();
    await w.write(text("new content, partly"));
    await w.abort(new Error("stop"));
    assert.equal(str(await get(ep, "d/keep")), "old content");

    const controller = new AbortController();
    const w2 = (await ep.write("d/new", { signal: controller.signal })).getWriter();
    await w2.write(randomBytes(100_000));
    controller.abort(new Error("cancelled"));
    await assert.rejects(w2.write(text("more")));
    await assert.rejects(ep.stat("d/new"), NotFoundError);
    // Cleanup after a signal runs in the background (on FTP: ABOR, then DELE of
    // the server's temporary file): the listing says when it is done.
    assert.deepEqual(await namesWhen(ep, "d", (n) => !n.some(isTempName)), ["keep"]);
  },

  async "a write of the wrong size is rejected and changes nothing"(ep) {
    await put(ep, "t", "old");
    await assert.rejects(
      (async () => writeAll(await ep.write("t", { size: 10 }), text("short")))(),
      SizeMismatchError,
    );
    await assert.rejects(
      (async () => writeAll(await ep.write("t", { size: 2 }), text("too long")))(),
      SizeMismatchError,
    );
    await assert.rejects(
      (async () => writeAll(await ep.write("new", { size: 1 }), text("")))(),
      SizeMismatchError,
    );
    assert.equal(str(await get(ep, "t")), "old");
    assert.deepEqual(await names(ep, ""), ["t"]);
  },

  async "a directory can be listed while a write is open"(ep) {
    await put(ep, "a", "1");
    const w = (await ep.write("b")).getWriter();
    await w.write(text("part"));
    const listed = (await names(ep, "")).filter((n) => !isTempName(n));
    assert.deepEqual(listed, ["a"]);
    assert.equal(str(await get(ep, "a")), "1");
    await w.close();
    assert.deepEqual(await names(ep, ""), ["a", "b"]);
  },

  async "write refuses directories and missing parents before any data"(ep) {
    await ep.mkdir("dir");
    await assert.rejects(ep.write("dir"), IsADirectoryError);
    await assert.rejects(ep.write("nope/f"), NotFoundError);
  },

  async "rename files and directories, replacing a file"(ep) {
    await put(ep, "a", "A");
    await ep.rename("a", "b");
    await assert.rejects(ep.stat("a"), NotFoundError);
    assert.equal(str(await get(ep, "b")), "A");
    await put(ep, "c", "C");
    await ep.rename("c", "b");
    assert.equal(str(await get(ep, "b")), "C");
    await ep.mkdir("d1/inner", { parents: true });
    await put(ep, "d1/inner/f", "F");
    await ep.rename("d1", "d2");
    assert.equal(str(await get(ep, "d2/inner/f")), "F");
    await assert.rejects(ep.stat("d1"), NotFoundError);
    await ep.rename("b", "d2/inner/moved");
    assert.equal(str(await get(ep, "d2/inner/moved")), "C");
  },

  async "remove files, not directories"(ep) {
    await put(ep, "f", "x");
    await ep.remove("f");
    await assert.rejects(ep.stat("f"), NotFoundError);
    await ep.mkdir("d");
    await assert.rejects(ep.remove("d"), IsADirectoryError);
  },

  async "rmdir removes only empty directories"(ep) {
    await ep.mkdir("d/e", { parents: true });
    await assert.rejects(ep.rmdir("d"), NotEmptyError);
    await put(ep, "f", "x");
    await assert.rejects(ep.rmdir("f"), NotADirectoryError);
    await ep.rmdir("d/e");
    await ep.rmdir("d");
    assert.deepEqual(await names(ep, ""), ["f"]);
  },

  async "setMtime and write's mtime option hold within the reported precision"(ep) {
    const when = new Date("2001-02-03T04:05:06.789Z");
    await put(ep, "f", "x");
    if (!ep.capabilities().setMtime) {
      await assert.rejects(ep.setMtime("f", when), UnsupportedError);
      return;
    }
    await ep.setMtime("f", when);
    assertMtime(await ep.stat("f"), when);
    assertMtime(byName(await ep.list(""), "f"), when);
    const later = new Date("2020-12-31T23:59:58Z");
    await writeAll(await ep.write("g", { mtime: later }), text("y"));
    assertMtime(await ep.stat("g"), later);
    await assert.rejects(ep.setMtime("missing", when), NotFoundError);
  },

  async "chmod where supported"(ep) {
    await put(ep, "f", "x");
    if (!ep.capabilities().chmod) {
      await assert.rejects(ep.chmod("f", 0o600), UnsupportedError);
      return;
    }
    await ep.chmod("f", 0o600);
    const mode = (await ep.stat("f")).mode;
    if (mode !== undefined) assert.equal(mode & 0o777, 0o600);
    await ep.chmod("f", 0o644);
    const again = (await ep.stat("f")).mode;
    if (again !== undefined) assert.equal(again & 0o777, 0o644);
  },

  async "names with spaces and unicode"(ep, options) {
    const dir = "dir with space/ü ñ 文件";
    const file = `${dir}/naïve résumé 📄 #1.txt`;
    await ep.mkdir(dir, { parents: true });
    await put(ep, file, "ünïcödé");
    assert.deepEqual(await names(ep, dir), ["naïve résumé 📄 #1.txt"]);
    assert.equal(str(await get(ep, file)), "ünïcödé");
    assert.equal((await ep.stat(file)).name, "naïve résumé 📄 #1.txt");
    const edge = `${dir}/  leading and trailing  `;
    const edgeDir = `${dir}/ edge dir `;
    if (options.editsEdgeSpaces) {
      await assert.rejects(ep.rename(file, edge), InvalidPathError);
      await assert.rejects(ep.mkdir(edgeDir), InvalidPathError);
      await assert.rejects(ep.mkdir(`${dir}/other /deeper`, { parents: true }), InvalidPathError);
      // Under the server's own names, not the ones asked for.
      const made = await names(ep, dir);
      assert.equal(made.length, 3, made.join(", "));
      for (const asked of ["  leading and trailing  ", " edge dir ", "other "]) {
        assert.ok(!made.includes(asked), asked);
      }
      return;
    }
    await ep.rename(file, edge);
    await ep.mkdir(edgeDir);
    await ep.mkdir(`${edgeDir}/ deeper `, { parents: true });
    assert.deepEqual(await names(ep, dir), ["  leading and trailing  ", " edge dir "]);
    assert.deepEqual(await names(ep, edgeDir), [" deeper "]);
  },

  async "symlinks are reported by lstat and list, followed by stat and read"(ep, options) {
    if (!options.symlink || !ep.capabilities().symlinks) return;
    await ep.mkdir("d");
    await put(ep, "d/target.txt", "through the link");
    await options.symlink(ep, "target.txt", "d/link");
    assert.equal((await ep.lstat("d/link")).type, "symlink");
    assert.equal((await ep.stat("d/link")).type, "file");
    assert.equal(byName(await ep.list("d"), "link").type, "symlink");
    assert.equal(str(await get(ep, "d/link")), "through the link");
    await options.symlink(ep, "d", "dirlink");
    assert.equal((await ep.stat("dirlink")).type, "dir");
    assert.deepEqual(await names(ep, "dirlink"), ["link", "target.txt"]);
    await ep.remove("d/link");
    assert.deepEqual(await names(ep, "d"), ["target.txt"]);
  },
};

/**
 * Registers every conformance case as a `Deno.test` named `<name>: <case>`,
 * each on a fresh fixture from `factory`.
 *
 * @example
 * ```ts
 * runConformance("local", async () => {
 *   const dir = await Deno.makeTempDir();
 *   return { endpoint: new LocalEndpoint(dir), cleanup: () => Deno.remove(dir, { recursive: true }) };
 * });
 * ```
 */
export function runConformance(
  name: string,
  factory: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void {
  for (const [title, run] of Object.entries(cases)) {
    const fn = async () => {
      const fixture = await factory();
      try {
        await run(fixture.endpoint, options);
      } finally {
        await fixture.endpoint.close();
        await fixture.cleanup();
      }
    };
    const skipped = options.skip?.[title];
    if (options.ignore || skipped !== undefined) {
      const why = skipped === undefined ? "" : ` (skipped: ${skipped})`;
      Deno.test({ name: `${name}: ${title}${why}`, ignore: true, fn });
      continue;
    }
    peerTest(`${name}: ${title}`, options.needs ?? [], fn, {
      sanitizeResources: options.sanitizeResources,
      sanitizeOps: options.sanitizeOps,
    });
  }
}

/** The case titles, for reports and docs. */
export const conformanceCases: readonly string[] = Object.keys(cases);
