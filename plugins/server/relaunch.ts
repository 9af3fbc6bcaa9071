/**
 * `ferry serve` starts itself again, once, with settings that suit a server
 * holding hundreds of sessions:
 *
 * - V8's `--max-semi-space-size=2`: V8 lets its young generation grow to 16
 *   MiB per semi-space under a burst of allocation and keeps it; with 300
 *   sessions that showed up as +14 KiB per idle session and +40 KiB per
 *   stalled download (bench/server_memory.ts; docs/SERVER.md "Memory"). The
 *   size is fixed when the isolate is made (`node:v8` setFlagsFromString at
 *   run time changes nothing), so the flag has to be there at launch.
 * - glibc's `MALLOC_MMAP_THRESHOLD_=65536`: transfer buffers (64 KiB and up)
 *   get pages of their own, which cost RSS only where bytes were written
 *   (a stalled upload's half-filled buffer) and go back to the system when the
 *   buffer is freed. glibc otherwise raises the threshold after the first
 *   freed buffer and serves the next ones from its heap, zeroing (touching)
 *   all of it and keeping it after free: stalled uploads 136 -> 106 KiB each.
 * - V8's `--expose-gc`: once the server is idle (no session open, no transfer
 *   for 2 s) it asks V8 for a last-resort collection, which hands the heap
 *   pages that a burst of sessions grew back to the system (trim.ts
 *   `v8Release`); V8 otherwise keeps them (~10 MiB after 300 sessions).
 *
 * The process replaces itself (`execve`: same pid, same descriptors) with the
 * same command line and the environment extended. Only where it can: Linux
 * with a glibc, FFI already allowed (`-A` or `--allow-ffi`; never prompted
 * for), ferry's own CLI as the main module (not a library user's process, not
 * tests running the command in-process), and something still to add (so the
 * second start does not start again; a user's own `DENO_V8_FLAGS` flag or
 * `MALLOC_MMAP_THRESHOLD_` wins). `FERRY_SERVE_V8_FLAGS` replaces the V8 flags
 * (comma-separated; empty: none); `FERRY_SERVE_RESTART=0` turns all of it off.
 * @module
 */
import { logger } from "../../plugin.ts";

const log = logger("server");

/** What `ferry serve` adds to `DENO_V8_FLAGS` (see the module comment). */
export const SERVE_V8_FLAGS: readonly string[] = ["--max-semi-space-size=2", "--expose-gc"];
/** glibc's fixed mmap threshold for `ferry serve` (bytes; see the module comment). */
export const SERVE_MMAP_THRESHOLD = "65536";

/** What {@link relaunchPlan} decides. */
export type RelaunchPlan = { env: Record<string, string> } | { skip: string };

/**
 * Decides whether to restart with the serving settings, and with which
 * environment (pure).
 *
 * @example
 * ```ts
 * relaunchPlan({ PATH: "/bin" }, { os: "linux", ffi: true, cli: true });
 * // { env: { PATH: "/bin", DENO_V8_FLAGS: "--max-semi-space-size=2,--expose-gc", MALLOC_MMAP_THRESHOLD_: "65536" } }
 * relaunchPlan(
 *   { DENO_V8_FLAGS: "--max-semi-space-size=2,--expose-gc", MALLOC_MMAP_THRESHOLD_: "65536" },
 *   { os: "linux", ffi: true, cli: true },
 * ); // { skip: "nothing to add" }
 * ```
 */
export function relaunchPlan(
  env: Readonly<Record<string, string>>,
  where: { os: string; ffi: boolean; cli: boolean },
): RelaunchPlan {
  if (!where.cli) return { skip: "not started as ferry's CLI" };
  if (where.os !== "linux") return { skip: `not Linux (${where.os})` };
  if (!where.ffi) return { skip: "FFI not allowed (--allow-ffi)" };
  if (env.FERRY_SERVE_RESTART === "0") return { skip: "FERRY_SERVE_RESTART=0" };
  const wanted = env.FERRY_SERVE_V8_FLAGS !== undefined
    ? env.FERRY_SERVE_V8_FLAGS.split(",").map((f) => f.trim()).filter(Boolean)
    : SERVE_V8_FLAGS;
  const have = (env.DENO_V8_FLAGS ?? "").split(/[,\s]+/).filter(Boolean);
  const name = (f: string) => f.split("=")[0];
  const missing = wanted.filter((f) => !have.some((h) => name(h) === name(f)));
  const out: Record<string, string> = { ...env };
  if (missing.length) out.DENO_V8_FLAGS = [...have, ...missing].join(",");
  if (env.MALLOC_MMAP_THRESHOLD_ === undefined) out.MALLOC_MMAP_THRESHOLD_ = SERVE_MMAP_THRESHOLD;
  if (!missing.length && env.MALLOC_MMAP_THRESHOLD_ !== undefined) {
    return { skip: "nothing to add" };
  }
  return { env: out };
}

/**
 * Replaces this process with the same command line and `env` (`execve` of
 * the running deno binary, argv from /proc/self/cmdline). Returns only when
 * that failed, with why.
 */
function execSelf(env: Record<string, string>): string {
  const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
  if (argv.at(-1) === "") argv.pop();
  const enc = new TextEncoder();
  // Every C string stays referenced by `keep` until execve returns (or never does).
  const keep: Uint8Array<ArrayBuffer>[] = [];
  const table = (items: string[]) => {
    const ptrs = new BigUint64Array(items.length + 1);
    items.forEach((s, i) => {
      const c = enc.encode(s + "\0");
      keep.push(c);
      ptrs[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(c)));
    });
    return ptrs;
  };
  const lib = Deno.dlopen("libc.so.6", {
    execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  });
  try {
    const path = enc.encode(Deno.execPath() + "\0");
    lib.symbols.execve(
      path,
      table(argv),
      table(Object.entries(env).map(([k, v]) => `${k}=${v}`)),
    );
    return `execve failed (${keep.length} strings)`;
  } finally {
    lib.close();
  }
}

/**
 * Restarts the process with {@link SERVE_V8_FLAGS} when {@link relaunchPlan}
 * says so; otherwise (or when the restart fails) logs why at debug level and
 * returns, and the server runs with V8's defaults.
 *
 * @example
 * ```ts
 * relaunchWithServerFlags(); // first thing `ferry serve` does
 * ```
 */
export function relaunchWithServerFlags(): void {
  let plan: RelaunchPlan;
  try {
    const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
    const env = ffi ? Deno.env.toObject() : {};
    const cli = /\/cli\/main\.ts$/.test(new URL(Deno.mainModule).pathname);
    plan = relaunchPlan(env, { os: Deno.build.os, ffi, cli });
  } catch (e) {
    plan = { skip: (e as Error).message };
  }
  if ("skip" in plan) {
    log.debug("serving settings (V8 flags, malloc) not applied: {why}", { why: plan.skip });
    return;
  }
  let why: string;
  try {
    why = execSelf(plan.env);
  } catch (e) {
    why = (e as Error).message;
  }
  log.debug("serving settings (V8 flags, malloc) not applied: {why}", { why });
}
