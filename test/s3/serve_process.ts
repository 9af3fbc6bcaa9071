/**
 * `ferry serve s3://BUCKET/PREFIX` as a real CLI process for the s3 serve
 * tests: listening on 127.0.0.1 (serve's default is 0.0.0.0), on a free port
 * that it prints, stopped with SIGTERM by `await using`.
 * @module
 */
import { MAIN } from "../cli/helpers.ts";

/** A running `ferry serve` child. */
export interface ServeProcess extends AsyncDisposable {
  port: number;
  /** What it printed so far (stdout and stderr), for "no secret in the logs". */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `ferry serve -i 127.0.0.1 -p 0 ARGS` and waits for its "serving" line.
 *
 * @example
 * ```ts
 * await using srv = await startServe(["-u", "bob", "-P", "pw", "s3://test/x"], s3.env);
 * ```
 */
export async function startServe(
  args: string[],
  env: Record<string, string>,
): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", MAIN, "serve", "-i", "127.0.0.1", "-p", "0", ...args],
    env: { NO_COLOR: "1", FERRY_NO_PROGRESS: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let errText = "";
  const errDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (s) => void (errText += s) }),
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let port = 0;
  const ready = /ferry serve: ftp:\/\/127\.0\.0\.1:(\d+)\/ serving s3:\/\//;
  while (!port) {
    const { done, value } = await reader.read();
    if (done) {
      await errDone;
      await child.status;
      throw new Error(`ferry serve ended before listening:\n${text}\n${errText}`);
    }
    text += value;
    const m = ready.exec(text);
    if (m) port = Number(m[1]);
  }
  const outDone = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += value;
    }
  })();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill("SIGTERM");
    await Promise.all([outDone, errDone]);
    const status = await child.status;
    if (status.code !== 0) throw new Error(`ferry serve exited ${status.code}:\n${errText}`);
  };
  return { port, output: () => text + errText, stop, [Symbol.asyncDispose]: stop };
}
