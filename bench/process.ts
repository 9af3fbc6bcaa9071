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
