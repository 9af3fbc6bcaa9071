/**
 * Running the peers' command-line tools from a benchmark, and timing them.
 * @module
 */

/**
 * Runs a command to its end; throws with its output when it fails.
 *
 * @example
 * ```ts
 * await run("lftp", ["-c", "open ftp://127.0.0.1:2121; mirror src dst"]);
 * ```
 */
export async function run(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<void> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const text = new TextDecoder();
    throw new Error(`${cmd} failed: ${text.decode(out.stderr)}${text.decode(out.stdout)}`);
  }
}

/**
 * Runs a command and returns its standard output; throws when it fails.
 *
 * @example
 * ```ts
 * const obscured = (await output("rclone", ["obscure", "pw"])).trim();
 * ```
 */
export async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/**
 * Seconds `fn` took.
 *
 * @example
 * ```ts
 * const s = await timed(() => run("true", []));
 * ```
 */
export async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/**
 * Seconds as printed in the tables (two decimals).
 *
 * @example
 * ```ts
 * sec(1.234); // "1.23"
 * ```
 */
export function sec(s: number): string {
  return s.toFixed(2);
}

/**
 * Writes a file of `bytes` (a multiple of 1 MiB): each MiB starts with 64 KiB of
 * random bytes, so no layer can compress it away, the rest zeros.
 *
 * @example
 * ```ts
 * await writeRandomFile("/dev/shm/source.bin", 512 * 1024 * 1024);
 * ```
 */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await Deno.create(path);
  const chunk = new Uint8Array(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    await file.write(chunk);
  }
  file.close();
}
