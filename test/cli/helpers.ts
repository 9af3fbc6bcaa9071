/**
 * Runs the real CLI as a child process (`deno run -A cli/main.ts ...`).
 * @module
 */
import { fileURLToPath } from "node:url";

/** The CLI entry point. */
export const MAIN = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ferry ARGS` and waits for it (progress bars off, no colours). */
export async function ferry(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Starts `ferry ARGS` and returns the child, for signal tests. */
export function spawnFerry(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
