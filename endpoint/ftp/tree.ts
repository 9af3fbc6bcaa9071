/**
 * Whole-tree operations on a host, written against a small interface so they
 * can be tested on a fake: `walk` (os.walk / ftputil's `FTPHost.walk`) and
 * `rmtree` (shutil.rmtree / ftputil's `FTPHost.rmtree`).
 * @module
 */
import type { Stat } from "../types.ts";
import { linkTarget, remoteJoin } from "./remote_path.ts";

/** What `walk` and `rmtree` need from a host; paths are absolute remote paths. */
export interface TreeHost {
  /** Entries of a directory with their lstats. */
  list(path: string): Promise<Stat[]>;
  /** Stat of the path itself (links not followed). */
  lstat(path: string): Promise<Stat>;
  /** Stat following links. */
  stat(path: string): Promise<Stat>;
  /** Where a path leads after following links. */
  realpath(path: string): Promise<string>;
  /** Deletes a file or a link. */
  remove(path: string): Promise<void>;
  /** Deletes an empty directory. */
  rmdir(path: string): Promise<void>;
}

/** Options of {@link walk}. */
export interface WalkOptions {
  /** Yield a directory before its subdirectories (default true); prune by editing `dirnames`. */
  topdown?: boolean;
  /** Called when a directory cannot be listed; the walk goes on without it. Default: ignore. */
  onError?: (error: unknown, path: string) => void;
  /** Descend into symlinks to directories (default false). Each real directory is visited once. */
  followLinks?: boolean;
}

/** One step of a walk: a directory, its subdirectory names and its other names. */
export type WalkEntry = [dirpath: string, dirnames: string[], filenames: string[]];

/**
 * Walks a remote tree like `os.walk`. Symlinks to directories are listed in
 * `dirnames` (as os.walk does) and entered only with `followLinks`, never twice
 * and never into their own ancestors.
 *
 * @example
 * ```ts
 * for await (const [dir, dirs, files] of walk(host, "/pub")) {
 *   dirs.splice(0, dirs.length, ...dirs.filter((d) => !d.startsWith(".")));
 *   console.log(dir, files);
 * }
 * ```
 */
export async function* walk(
  host: TreeHost,
  top: string,
  options: WalkOptions = {},
): AsyncGenerator<WalkEntry> {
  const visited = new Set<string>();
  const real = options.followLinks ? await host.realpath(top).catch(() => top) : top;
  const unique = (await host.stat(top).catch(() => undefined))?.unique;
  visited.add(unique ?? real);
  yield* walkDir(host, top, real, options, visited, new Set(unique ? [unique] : []));
}

/**
 * `dir` is the path as walked, `real` the same directory with every link
 * resolved, `ancestors` the server identities (`unique`) of the directories
 * above: a server whose listing shows links as their targets (pyftpdlib's
 * MLSD) would otherwise lead a walk round a `up -> ..` link for ever.
 */
async function* walkDir(
  host: TreeHost,
  dir: string,
  real: string,
  options: WalkOptions,
  visited: Set<string>,
  ancestors: Set<string>,
): AsyncGenerator<WalkEntry> {
  let entries: Stat[];
  try {
    entries = await host.list(dir);
  } catch (error) {
    options.onError?.(error, dir);
    return;
  }
  const dirnames: string[] = [];
  const filenames: string[] = [];
  const links = new Map<string, Stat>();
  const uniques = new Map<string, string>();
  for (const entry of entries) {
    let isDir = entry.type === "dir";
    let unique = entry.unique;
    if (entry.type === "symlink") {
      const target = await host.stat(remoteJoin(dir, entry.name)).catch(() => undefined);
      isDir = target?.type === "dir";
      unique = target?.unique;
      if (isDir) links.set(entry.name, entry);
    }
    if (unique !== undefined) uniques.set(entry.name, unique);
    (isDir ? dirnames : filenames).push(entry.name);
  }
  const topdown = options.topdown ?? true;
  if (topdown) yield [dir, dirnames, filenames];
  for (const name of dirnames) {
    const link = links.get(name);
    if (link && !options.followLinks) continue;
    const unique = uniques.get(name);
    if (unique !== undefined && ancestors.has(unique)) continue;
    let childReal = remoteJoin(real, name);
    if (link) {
      childReal = await host.realpath(childReal).catch(() =>
        link.target ? linkTarget(childReal, link.target) : childReal
      );
    }
    // Without followLinks no link is entered, so no directory can come round twice.
    if (options.followLinks) {
      const key = unique ?? childReal;
      if (visited.has(key)) continue;
      visited.add(key);
    }
    const below = unique === undefined ? ancestors : new Set([...ancestors, unique]);
    yield* walkDir(host, remoteJoin(dir, name), childReal, options, visited, below);
  }
  if (!topdown) yield [dir, dirnames, filenames];
}

/** The operation that failed inside {@link rmtree}. */
export type RmtreeOperation = "list" | "remove" | "rmdir" | "lstat";

/** Options of {@link rmtree}. */
export interface RmtreeOptions {
  /** Carry on past every error. */
  ignoreErrors?: boolean;
  /** Called for each error (unless `ignoreErrors`); without it the first error is thrown. */
  onError?: (operation: RmtreeOperation, path: string, error: unknown) => void;
}

/**
 * Removes a directory and everything below it, without following symlinks.
 * Refuses a symlink as the top (like shutil).
 *
 * @example
 * ```ts
 * await rmtree(host, "/tmp/old", { onError: (op, path, e) => console.warn(op, path, e) });
 * ```
 */
export async function rmtree(
  host: TreeHost,
  path: string,
  options: RmtreeOptions = {},
): Promise<void> {
  const report = (operation: RmtreeOperation, at: string, error: unknown) => {
    if (options.ignoreErrors) return;
    if (options.onError) return options.onError(operation, at, error);
    throw error;
  };
  let top: Stat;
  try {
    top = await host.lstat(path);
  } catch (error) {
    return report("lstat", path, error);
  }
  if (top.type === "symlink") {
    return report("lstat", path, new TypeError(`rmtree: ${path} is a symbolic link`));
  }
  await removeTree(host, path, report);
}

async function removeTree(
  host: TreeHost,
  dir: string,
  report: (operation: RmtreeOperation, at: string, error: unknown) => void,
): Promise<void> {
  let entries: Stat[] = [];
  try {
    entries = await host.list(dir);
  } catch (error) {
    report("list", dir, error);
  }
  for (const entry of entries) {
    const path = remoteJoin(dir, entry.name);
    if (entry.type === "dir") {
      await removeTree(host, path, report);
    } else {
      try {
        await host.remove(path);
      } catch (error) {
        report("remove", path, error);
      }
    }
  }
  try {
    await host.rmdir(dir);
  } catch (error) {
    report("rmdir", dir, error);
  }
}
