/**
 * A local endpoint's writes: where a write goes and the hooks that open,
 * rename and remove it there (the atomic write itself is endpoint/atomic.ts),
 * a file created where nothing is, opened to resume at an offset, or at a
 * position for a segment, and the sink its bytes go through.
 * @module
 */
import type { WriteAtOptions, WriteOptions } from "../types.ts";
import { AlreadyExistsError, InvalidOffsetError, IsADirectoryError } from "../errors.ts";
import {
  planWrite,
  sinkStream,
  type WriteHooks,
  type WritePlan,
  type WriteSink,
} from "../atomic.ts";
import type { LocalFiles } from "./context.ts";
import { lstatOrUndefined } from "./guard.ts";

/** A write's plan and the hooks that carry it out here: see {@link planned}. */
export type Planned = { plan: WritePlan; hooks: WriteHooks };

/**
 * Where a write goes and the hooks that open, rename and remove it there:
 * synchronously, once the root is known, for a partial that is not there
 * yet (a mirror's every file: no promises of its own per file).
 */
export function planned(
  files: LocalFiles,
  path: string,
  options: WriteOptions,
): Planned | Promise<Planned> {
  const plan = planWrite(path, options);
  const root = files.guard.known;
  if (root === undefined) return files.guard.real().then((r) => plannedAt(files, r, plan, options));
  return plannedAt(files, root, plan, options);
}

function plannedAt(
  files: LocalFiles,
  root: string,
  plan: WritePlan,
  options: WriteOptions,
): Planned | Promise<Planned> {
  if (!plan.rename && plan.offset === 0) {
    // The common case of a partial that is not there yet. O_EXCL creates a
    // file only where nothing is, not even a dangling link, so the parent's
    // check suffices; anything already there takes the long way below.
    options.signal?.throwIfAborted();
    files.guard.guardAt(root, plan.target, false);
    const file = files.attemptSync(plan.target, () => createNew(files.guard.abs(plan.target)));
    if (file) return { plan, hooks: writeHooks(files, undefined, files.fsync === "always", file) };
    // Something is there (a link too, which O_EXCL never follows).
    if (options.exclusive) throw new AlreadyExistsError(plan.target);
  }
  return plannedLong(files, plan);
}

/** {@link planned} where something may be there already (or the write replaces by rename). */
async function plannedLong(files: LocalFiles, plan: WritePlan): Promise<Planned> {
  const guarded = await files.guard.guard(plan.target, !plan.rename);
  // The fixed partial name is opened without O_EXCL, so it must not lead out either.
  if (plan.keepOnFailure) await files.guard.guard(plan.writeTo, true);
  const existing = guarded !== undefined ? guarded.info : await files.attempt(
    plan.target,
    () => Promise.resolve(lstatOrUndefined(files.guard.abs(plan.target))),
  );
  if (existing?.isDirectory) throw new IsADirectoryError(plan.target);
  // An atomic replacement keeps the permissions the old file had.
  const mode = existing?.isFile ? existing.mode ?? undefined : undefined;
  const flush = files.fsync === "always" ||
    (files.fsync === "replace" && plan.rename && existing?.isFile === true);
  return { plan, hooks: writeHooks(files, mode, flush) };
}

/** Hooks for openPlannedWrite; `opened` is the write target when it was created already. */
function writeHooks(
  files: LocalFiles,
  mode: number | undefined,
  flush: boolean,
  opened?: Deno.FsFile,
): WriteHooks {
  return {
    open: async (name, offset) => {
      if (opened) return fileSink(opened, flush);
      const abs = files.guard.abs(name);
      const file = await files.attempt(name, () => openForWrite(name, abs, offset));
      if (mode !== undefined && name !== "" && offset === 0) {
        await Deno.chmod(abs, mode & 0o7777).catch(() => {});
      }
      return fileSink(file, flush);
    },
    rename: (from, to) =>
      files.attempt(
        to,
        () => Promise.resolve(Deno.renameSync(files.guard.abs(from), files.guard.abs(to))),
      ),
    remove: (name) => Deno.remove(files.guard.abs(name)),
    setMtime: (path, mtime) => files.setMtime(path, mtime),
  };
}

/**
 * The stream of LocalEndpoint's `writeAt`: `p` (normalized) opened, created
 * when missing, at `position`, the rest of the file left alone.
 */
export async function openAt(
  files: LocalFiles,
  p: string,
  position: number,
  options: WriteAtOptions,
): Promise<WritableStream<Uint8Array>> {
  options.signal?.throwIfAborted();
  await files.guard.guard(p, true);
  const file = await files.attempt(p, async () => {
    const opened = await Deno.open(files.guard.abs(p), { write: true, create: true });
    try {
      if ((await opened.stat()).isDirectory) throw new IsADirectoryError(p);
      await opened.seek(position, Deno.SeekMode.Start);
      return opened;
    } catch (e) {
      opened.close();
      throw e;
    }
  });
  return sinkStream(fileSink(file, files.fsync === "always"), options.signal);
}

/**
 * Creates a file where nothing is (O_EXCL); undefined when something is there.
 * Synchronous, like the other small file operations here: the asynchronous
 * open's hand-off to a blocking thread and back cost more CPU than the create
 * (a full mirror of 2,000 small files into tmpfs: ~0.9 x the CPU). A slow
 * create (ext4 without a journal walks past inodes freed in the last minutes)
 * costs the same CPU on either thread, and the machine's cores are busy then.
 */
function createNew(abs: string): Deno.FsFile | undefined {
  try {
    return Deno.openSync(abs, { write: true, createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return undefined;
    throw e;
  }
}

async function openForWrite(name: string, abs: string, offset: number): Promise<Deno.FsFile> {
  if (offset === 0) {
    return Deno.openSync(abs, { write: true, create: true, truncate: true });
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(abs, { write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InvalidOffsetError(name, offset, 0);
    throw e;
  }
  try {
    const size = (await file.stat()).size;
    if (size !== offset) throw new InvalidOffsetError(name, offset, size);
    await file.seek(offset, Deno.SeekMode.Start);
    return file;
  } catch (e) {
    file.close();
    throw e;
  }
}

function fileSink(file: Deno.FsFile, flush: boolean): WriteSink {
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  const writeSync = (chunk: Uint8Array) => {
    for (let at = 0; at < chunk.byteLength;) at += file.writeSync(chunk.subarray(at));
  };
  return {
    write(chunk) {
      // Synchronous: a local write lands in the page cache in microseconds,
      // less than an async call's hand-off to the thread pool costs.
      writeSync(chunk);
      return Promise.resolve();
    },
    // The FTP server's uploads write through it without the Web Streams layer.
    writeSync,
    async close() {
      if (flush) await file.syncData();
      close();
    },
    abort() {
      try {
        close();
      } catch { /* already gone */ }
      return Promise.resolve();
    },
  };
}
