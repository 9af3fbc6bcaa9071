/**
 * The state store: what ferry saw (or sent) last time, per pair of trees, in an
 * embedded SQLite file (`node:sqlite`), never in memory only. Two-way sync
 * needs it to tell "deleted here" from "new there"; mirror uses it to remember
 * what it sent to a target that cannot keep mtimes, so it does not resend.
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { dirname } from "../util/paths.ts";
import type { Endpoint, Stat } from "../endpoint/types.ts";
import { normalizePath } from "../endpoint/path.ts";
import { errorMessage, FerryError } from "../util/errors.ts";
import { tryLockFile } from "../util/lock.ts";

/**
 * A state file that cannot be opened or read (not a database, damaged, held
 * too long by another process): the message names the file.
 */
export class StateError extends FerryError {
  /** The state file. */
  readonly path: string;
  /** Makes the error for `path`; `cause` is SQLite's. */
  constructor(path: string, cause: unknown) {
    super(
      `state file ${path}: ${errorMessage(cause)} (move it aside and the next sync of each ` +
        "pair is a first run again: a union, which deletes nothing and brings back what was " +
        "deleted on one side since)",
      { code: "ESTATE", cause },
    );
    this.path = path;
  }
}

/**
 * The state directory's path holds something else (a file): the message names
 * it (Deno's own was a bare "File exists (os error 17): mkdir ...").
 */
export class StateDirError extends FerryError {
  /** The state directory as given. */
  readonly path: string;
  /** Makes the error for `path`; `cause` is the mkdir's. */
  constructor(path: string, cause: unknown) {
    super(
      `state directory ${path}: not a directory (something else is there); it must be a ` +
        "directory, where the state database lives, or a path not there yet",
      { code: "ESTATE", cause },
    );
    this.path = path;
  }
}

/** Another run holds the pair (a sync of the same two trees with the same state file). */
export class SyncLockedError extends FerryError {
  /** The lock file. */
  readonly lockFile: string;
  /** Makes the error; `holder` says who holds the lock, as its lock file tells. */
  constructor(a: string, b: string, lockFile: string, holder: string) {
    super(
      `a sync of ${shown(a)} and ${
        shown(b)
      } is already running (${holder}; lock file ${lockFile}): ` +
        "run again once it has finished",
      { code: "ELOCKED" },
    );
    this.lockFile = lockFile;
  }
}

/** The default state file, relative to the working directory. */
export const defaultStatePath = ".ferry/state.db";

/** What one side of a path looked like. */
export interface Snapshot {
  /** What the side had at the path. */
  type: "file" | "dir" | "symlink" | "other";
  /** Size in bytes. */
  size: number;
  /** ms since the epoch, or null when unknown. */
  mtime: number | null;
  /**
   * How exact `mtime` is, in ms (the listing's or stat's precision: the true
   * time lies in `[mtime, mtime + precision)`); absent in rows saved before
   * it was kept, and for unknown precisions.
   */
  precision?: number;
}

/** A path's last known state on both sides of a pair. */
export interface PairEntry {
  /** Side a's state. */
  a?: Snapshot;
  /** Side b's state. */
  b?: Snapshot;
}

/** What was stored for a pair. */
export interface PairState {
  /** No run of this pair finished before (two-way sync then takes the union). */
  firstRun: boolean;
  /** ISO time the last run finished, if any. */
  lastRun?: string;
  /** Each path's last known state, by path. */
  entries: Map<string, PairEntry>;
}

const schema = `
CREATE TABLE IF NOT EXISTS pairs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  last_run TEXT,
  UNIQUE (kind, a, b)
) STRICT;
CREATE TABLE IF NOT EXISTS entries (
  pair INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  a_type TEXT, a_size INTEGER, a_mtime INTEGER,
  b_type TEXT, b_size INTEGER, b_mtime INTEGER,
  a_prec INTEGER, b_prec INTEGER,
  PRIMARY KEY (pair, path)
) STRICT;
`;

/** Columns added after the first release of the schema: added to older files on open. */
const added = ["a_prec INTEGER", "b_prec INTEGER"];

/**
 * The key of one tree in the store: the endpoint URL (no credentials) and the
 * canonical root below it.
 *
 * @example
 * ```ts
 * treeKey(ep, "/docs/"); // "memory://demo|/docs"
 * ```
 */
export function treeKey(ep: Endpoint, root: string): string {
  return `${ep.url}|/${normalizePath(root)}`;
}

/**
 * node:sqlite, loaded when a store opens (`process.getBuiltinModule`,
 * synchronous): a mirror onto a target that keeps mtimes opens none, and then
 * does not load it (nor the parts of Deno's Node layer it brings).
 */
function sqlite(): typeof import("node:sqlite") {
  return process.getBuiltinModule("node:sqlite");
}

/**
 * A state database. Open one per process and share it between jobs; each
 * pair is saved in one transaction, so a crash leaves the previous state.
 *
 * @example
 * ```ts
 * const store = StateStore.open(); // .ferry/state.db
 * const state = store.load("sync", treeKey(a, ""), treeKey(b, ""));
 * store.close();
 * ```
 */
export class StateStore {
  /** The database file (`:memory:` for a throwaway store). */
  readonly path: string;
  readonly #db: DatabaseSync;

  /** Wraps an open database (see `StateStore.open`). */
  constructor(db: DatabaseSync, path = ":memory:") {
    this.#db = db;
    this.path = path;
    this.#db.exec("PRAGMA foreign_keys = ON;");
    this.#db.exec(schema);
    const have = new Set(
      (this.#db.prepare("PRAGMA table_info(entries)").all() as { name: string }[]).map((c) =>
        c.name
      ),
    );
    for (const column of added) {
      if (!have.has(column.split(" ")[0])) {
        this.#db.exec(`ALTER TABLE entries ADD COLUMN ${column}`);
      }
    }
  }

  /**
   * Opens (and creates, with its directory) a state file; `":memory:"` gives a
   * throwaway store for tests and dry runs.
   *
   * @example
   * ```ts
   * const store = StateStore.open(".ferry/state.db");
   * ```
   */
  static open(path: string = defaultStatePath): StateStore {
    if (path !== ":memory:") {
      // Deno's own call: node:fs would cost every mirror ~15 ms of start-up to load.
      try {
        Deno.mkdirSync(dirname(path), { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        throw new StateDirError(dirname(path), error);
      }
      let db: DatabaseSync | undefined;
      try {
        db = new (sqlite().DatabaseSync)(path);
        // Another process creating or saving the same file waits, not fails ("database is locked").
        db.exec("PRAGMA busy_timeout = 10000;");
        db.exec("PRAGMA journal_mode = WAL;");
        return new StateStore(db, path);
      } catch (error) {
        try {
          db?.close();
        } catch {
          // the open failed already; its error is the one to tell
        }
        throw new StateError(path, error);
      }
    }
    return new StateStore(new (sqlite().DatabaseSync)(":memory:"), path);
  }

  /**
   * Holds a pair for this process while it runs (an OS lock on a file beside
   * the database, freed by the system when the process dies), or throws
   * {@link SyncLockedError} naming the holder. A `:memory:` store locks nothing.
   * `release()` lets the pair go (the lock file stays, unlocked).
   *
   * @example
   * ```ts
   * const lock = store.lock("sync", a, b);
   * try { /* plan, carry out, save *\/ } finally { lock.release(); }
   * ```
   */
  lock(kind: string, a: string, b: string): { release(): void } {
    if (this.path === ":memory:") return { release() {} };
    const file = `${this.path}.${kind}-${fnv1a(`${kind}\n${a}\n${b}`)}.lock`;
    const got = tryLockFile(file);
    if ("holder" in got) throw new SyncLockedError(a, b, file, got.holder);
    return got;
  }

  /**
   * What was saved for a pair (`kind` separates jobs: "sync", "mirror"...).
   *
   * @example
   * ```ts
   * const { firstRun, entries } = store.load("sync", "memory://a|/", "memory://b|/");
   * ```
   */
  load(kind: string, a: string, b: string): PairState {
    try {
      return this.#load(kind, a, b);
    } catch (error) {
      throw error instanceof FerryError ? error : new StateError(this.path, error);
    }
  }

  #load(kind: string, a: string, b: string): PairState {
    const pair = this.#db.prepare(
      "SELECT id, last_run FROM pairs WHERE kind = ? AND a = ? AND b = ?",
    )
      .get(kind, a, b) as { id: number; last_run: string | null } | undefined;
    const entries = new Map<string, PairEntry>();
    if (!pair) return { firstRun: true, entries };
    const rows = this.#db.prepare("SELECT * FROM entries WHERE pair = ? ORDER BY path").all(
      pair.id,
    );
    for (const row of rows as unknown as Row[]) {
      const entry: PairEntry = {};
      if (row.a_type !== null) entry.a = snap(row.a_type, row.a_size, row.a_mtime, row.a_prec);
      if (row.b_type !== null) entry.b = snap(row.b_type, row.b_size, row.b_mtime, row.b_prec);
      entries.set(row.path, entry);
    }
    return {
      firstRun: pair.last_run === null,
      ...(pair.last_run !== null ? { lastRun: pair.last_run } : {}),
      entries,
    };
  }

  /**
   * Replaces a pair's entries and stamps its last run, in one transaction.
   *
   * @example
   * ```ts
   * store.save("sync", a, b, new Map([["x.txt", { a: snapA, b: snapB }]]));
   * ```
   */
  save(
    kind: string,
    a: string,
    b: string,
    entries: Map<string, PairEntry>,
    now = new Date(),
  ): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#db.prepare(
        "INSERT INTO pairs (kind, a, b, last_run) VALUES (?, ?, ?, ?) " +
          "ON CONFLICT (kind, a, b) DO UPDATE SET last_run = excluded.last_run",
      ).run(kind, a, b, now.toISOString());
      const { id } = this.#db.prepare("SELECT id FROM pairs WHERE kind = ? AND a = ? AND b = ?")
        .get(kind, a, b) as { id: number };
      this.#db.prepare("DELETE FROM entries WHERE pair = ?").run(id);
      const insert = this.#db.prepare(
        "INSERT INTO entries (pair, path, a_type, a_size, a_mtime, b_type, b_size, b_mtime, " +
          "a_prec, b_prec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      for (const [path, e] of entries) {
        insert.run(
          id,
          path,
          e.a?.type ?? null,
          e.a?.size ?? null,
          e.a?.mtime ?? null,
          e.b?.type ?? null,
          e.b?.size ?? null,
          e.b?.mtime ?? null,
          e.a?.precision ?? null,
          e.b?.precision ?? null,
        );
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Forgets a pair (the next sync is a first run again).
   *
   * @example
   * ```ts
   * store.forget("sync", a, b);
   * ```
   */
  forget(kind: string, a: string, b: string): void {
    this.#db.prepare("DELETE FROM pairs WHERE kind = ? AND a = ? AND b = ?").run(kind, a, b);
  }

  /**
   * Closes the database.
   *
   * @example
   * ```ts
   * store.close();
   * ```
   */
  close(): void {
    this.#db.close();
  }
}

interface Row {
  path: string;
  a_type: string | null;
  a_size: number | null;
  a_mtime: number | null;
  b_type: string | null;
  b_size: number | null;
  b_mtime: number | null;
  a_prec: number | null;
  b_prec: number | null;
}

function snap(
  type: string,
  size: number | null,
  mtime: number | null,
  precision: number | null,
): Snapshot {
  return {
    type: type as Snapshot["type"],
    size: size ?? 0,
    mtime,
    ...(precision !== null ? { precision } : {}),
  };
}

/**
 * The snapshot of a stat as the store keeps it.
 *
 * @example
 * ```ts
 * snapshotOf({ name: "a", type: "file", size: 3, mtime: new Date(5), precision: 1 }); // { type: "file", size: 3, mtime: 5, precision: 1 }
 * ```
 */
export function snapshotOf(
  stat: Pick<Stat, "type" | "size" | "mtime"> & { precision?: number },
): Snapshot {
  const mtime = stat.mtime?.getTime() ?? null;
  const precision = stat.precision;
  return {
    type: stat.type,
    size: stat.type === "dir" ? 0 : stat.size,
    mtime,
    ...(mtime !== null && precision !== undefined && Number.isFinite(precision)
      ? { precision }
      : {}),
  };
}

/** FNV-1a, 32 bits, as 8 hex digits: a short file-name-safe tag of a pair. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** A tree key (`URL|/root`) as a person reads it: the URL with the root appended. */
function shown(key: string): string {
  const bar = key.lastIndexOf("|/");
  if (bar < 0) return key;
  const url = key.slice(0, bar);
  const root = key.slice(bar + 2);
  return root === "" ? url : `${url.replace(/\/+$/, "")}/${root}`;
}
