/**
 * Shared fixtures of the server tests: a server over a memory endpoint with a
 * few users, file helpers, and runners for real client peers.
 * @module
 */
import { configureLogging, getStreamSink } from "../../deps/logtape.ts";
import { MemoryEndpoint } from "../../mod.ts";
import {
  type FtpServerHandle,
  type FtpServerOptions,
  startFtpServer,
  VirtualAuthorizer,
} from "../../server.ts";

// FERRY_TEST_LOG=debug shows the server's log while a test runs.
const testLog = Deno.env.get("FERRY_TEST_LOG");
if (testLog) {
  await configureLogging({
    sinks: { err: getStreamSink(Deno.stderr.writable) },
    loggers: [
      { category: ["ferry"], lowestLevel: testLog as "debug", sinks: ["err"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["err"] },
    ],
  });
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** Writes `data` at `path` of `ep` (parents created). */
export async function put(ep: MemoryEndpoint, path: string, data: string | Uint8Array) {
  const dir = path.split("/").slice(0, -1).join("/");
  if (dir) await ep.mkdir(dir, { parents: true });
  const w = await ep.write(path, { atomic: false });
  await ReadableStream.from([typeof data === "string" ? enc.encode(data) : data]).pipeTo(w);
}

/** Reads a whole file of `ep`. */
export async function get(ep: MemoryEndpoint, path: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await ep.read(path)).arrayBuffer());
}

/** A test server and its storage. */
export interface TestServer extends AsyncDisposable {
  srv: FtpServerHandle;
  ep: MemoryEndpoint;
  auth: VirtualAuthorizer;
  port: number;
}

/**
 * A server on 127.0.0.1:0 over a fresh memory endpoint with users
 * `bob`/`pw` (all permissions, home `/`), `ro`/`pw` (read-only, home `pub`)
 * and anonymous (read-only, home `pub`). Failed logins answer after 10 ms.
 */
export async function testServer(
  options: Partial<FtpServerOptions> = {},
  setup?: (ep: MemoryEndpoint, auth: VirtualAuthorizer) => Promise<void> | void,
): Promise<TestServer> {
  const ep = new MemoryEndpoint();
  await put(ep, "pub/hello.txt", "hello\nworld\n");
  const auth = new VirtualAuthorizer()
    .addUser("bob", { password: "pw", perm: "elradfmwMT" })
    .addUser("ro", { password: "pw", home: "pub" })
    .addAnonymous({ home: "pub" });
  await setup?.(ep, auth);
  const srv = await startFtpServer({
    endpoint: ep,
    authorizer: auth,
    port: 0,
    authFailedDelayMs: 10,
    ...options,
  });
  return { srv, ep, auth, port: srv.port, [Symbol.asyncDispose]: () => srv.close() };
}

/** Where the Debian peers live (the system Python, not a pyenv one). */
export const PYTHON = "/usr/bin/python3";

export { hasPeer, peerTest } from "../peers/skip.ts";

/** Output of a finished peer command. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`). */
export async function run(
  cmd: string,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(enc.encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs a Python script with the system Python; throws with its output when it fails. */
export async function python(script: string, args: string[] = [], timeoutMs = 60_000) {
  const r = await run(PYTHON, ["-c", script, ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`python failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `n` pseudo-random bytes (getRandomValues stops at 64 KiB per call). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  }
  return out;
}

/**
 * Awaits `event` (a promise the server's own step resolves), failing with
 * `what` if it has not come within `ms`: a bound for a loaded machine, so a
 * server that never gets there fails the test instead of hanging it.
 *
 * @example
 * ```ts
 * await bounded(hookRan, "the upload hook");
 * ```
 */
export async function bounded<T>(event: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([event, late]);
  } finally {
    clearTimeout(timer);
  }
}
