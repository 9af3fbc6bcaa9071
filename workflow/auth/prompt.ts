/**
 * Reading a password at the terminal without echo. Thin I/O edge: the decoding
 * of keystrokes is the pure {@link feedKeys}.
 * @module
 */
import { AuthError, InterruptedError } from "../errors.ts";

/** State of a line being typed. */
export interface KeyState {
  text: string;
  done: boolean;
  cancelled: boolean;
}

/**
 * Applies raw keystrokes to the line: Enter ends, Backspace/DEL erases, Ctrl-C
 * and Ctrl-D (on an empty line) cancel, Ctrl-U clears, other control bytes are ignored.
 *
 * @example
 * ```ts
 * feedKeys({ text: "", done: false, cancelled: false }, "pw\x7fd\r"); // { text: "pd", done: true, ... }
 * ```
 */
export function feedKeys(state: KeyState, chunk: string): KeyState {
  let { text, done, cancelled } = state;
  for (const ch of chunk) {
    if (done || cancelled) break;
    if (ch === "\r" || ch === "\n") done = true;
    else if (ch === "\x03") cancelled = true;
    else if (ch === "\x04") {
      if (text === "") cancelled = true;
      else done = true;
    } else if (ch === "\x7f" || ch === "\b") text = [...text].slice(0, -1).join("");
    else if (ch === "\x15") text = "";
    else if (ch >= " ") text += ch;
  }
  return { text, done, cancelled };
}

/**
 * Asks for a secret on the terminal (prompt on stderr, no echo). Throws
 * {@link AuthError} when stdin is not a terminal, {@link InterruptedError} on Ctrl-C.
 *
 * @example
 * ```ts
 * const pw = await promptSecret("Password for bob@ftp.example.org: ");
 * ```
 */
export async function promptSecret(prompt: string, signal?: AbortSignal): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new AuthError("cannot prompt for a password: stdin is not a terminal");
  }
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  await Deno.stderr.write(enc.encode(prompt));
  Deno.stdin.setRaw(true);
  let state: KeyState = { text: "", done: false, cancelled: false };
  const buf = new Uint8Array(256);
  try {
    while (!state.done && !state.cancelled) {
      if (signal?.aborted) throw new InterruptedError();
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      state = feedKeys(state, dec.decode(buf.subarray(0, n), { stream: true }));
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(enc.encode("\n"));
  }
  if (state.cancelled) throw new InterruptedError("password prompt cancelled");
  return state.text;
}
