/**
 * The runtime's floor for bench/server_memory.ts: the least an FTP server on
 * Deno 2.9.6 can hold per session. Just enough FTP for the benchmark (USER,
 * PASS, CWD, PWD, TYPE, EPSV, RETR, STOR, NOOP, QUIT), no endpoint, no
 * files: RETR sends a size remembered from STOR (or `--size` bytes) out of
 * one shared buffer, and STOR reads into one shared buffer and throws the
 * bytes away. A session keeps what any FTP server's must: its socket, a
 * reader (one pending read into a 1 KiB buffer, a line decoder), the user
 * (USER names it, PASS checks it: bench/pw) and the working directory. What
 * remains per session is what Deno itself costs for that.
 *
 * `--files DIR` makes it a floor for CPU and wall time too: STOR writes the
 * bytes to DIR/NAME and RETR reads them back from there, 64 KiB at a time
 * with synchronous file calls (as ferry's local endpoint), one buffer per
 * transfer; no paths checked, no staging, no stat.
 *
 *   deno run -A bench/server_floor.ts PORT [--size BYTES] [--control node|deno] [--files DIR]
 *
 * `--control node` accepts control connections with node:net (as ferry does)
 * instead of `Deno.listen`. Prints `READY <port>`; SIGUSR2 prints
 * `MEM {json}` (Deno.memoryUsage()); stops on SIGTERM.
 * @module
 */
import net from "node:net";
import { reportMemoryOnSignal } from "./mem_report.ts";

const port = Number(Deno.args[0]);
const sizeAt = Deno.args.indexOf("--size");
const defaultSize = sizeAt > 0 ? Number(Deno.args[sizeAt + 1]) : 32 * 1048576;
const controlAt = Deno.args.indexOf("--control");
const control = controlAt > 0 ? Deno.args[controlAt + 1] : "deno";
const filesAt = Deno.args.indexOf("--files");
const files = filesAt > 0 ? Deno.args[filesAt + 1] : undefined;
const sizes = new Map<string, number>();
// Shared on purpose: the floor measures sockets, not data buffers.
const shared = new Uint8Array(64 * 1024);
const enc = new TextEncoder();

interface Line {
  write(s: string): void;
}

/** One session's command handling; `lines` yields command lines. */
async function session(out: Line, lines: AsyncIterable<string>) {
  let listener: Deno.Listener | undefined;
  // The state a logged-in session cannot do without.
  let user = "";
  let loggedIn = false;
  let cwd = "/";
  out.write("220 floor\r\n");
  for await (const line of lines) {
    const sp = line.indexOf(" ");
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? "" : line.slice(sp + 1);
    if (verb === "USER") {
      user = arg;
      loggedIn = false;
      out.write("331 ok\r\n");
    } else if (verb === "PASS") {
      loggedIn = user === "bench" && arg === "pw";
      out.write(loggedIn ? "230 ok\r\n" : "530 no\r\n");
    } else if (verb === "QUIT") {
      out.write("221 bye\r\n");
      break;
    } else if (!loggedIn) out.write("530 log in\r\n");
    else if (verb === "TYPE" || verb === "NOOP") out.write("200 ok\r\n");
    else if (verb === "PWD") out.write(`257 "${cwd}"\r\n`);
    else if (verb === "CWD") {
      cwd = arg.startsWith("/") ? arg : `${cwd === "/" ? "" : cwd}/${arg}`;
      out.write("250 ok\r\n");
    } else if (verb === "EPSV") {
      listener?.close();
      listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      out.write(`229 ok (|||${(listener.addr as Deno.NetAddr).port}|)\r\n`);
    } else if ((verb === "RETR" || verb === "STOR") && listener) {
      out.write("150 ok\r\n");
      const l = listener;
      listener = undefined;
      const conn = await l.accept();
      l.close();
      try {
        if (files) await fileTransfer(verb, `${files}/${arg}`, conn);
        else if (verb === "RETR") {
          let left = sizes.get(arg) ?? defaultSize;
          while (left > 0) {
            left -= await conn.write(shared.subarray(0, Math.min(left, shared.length)));
          }
        } else {
          let n = 0;
          for (let r; (r = await conn.read(shared)) !== null;) n += r;
          sizes.set(arg, n);
        }
        conn.close();
        out.write("226 done\r\n");
      } catch {
        try {
          conn.close();
        } catch { /* closed */ }
        out.write("426 failed\r\n");
      }
    } else out.write("502 no\r\n");
  }
  listener?.close();
}

/** RETR or STOR against a real file: 64 KiB synchronous file reads/writes. */
async function fileTransfer(verb: string, path: string, conn: Deno.Conn) {
  const buf = new Uint8Array(64 * 1024);
  if (verb === "RETR") {
    using file = Deno.openSync(path, { read: true });
    for (let n; (n = file.readSync(buf)) !== null && n > 0;) {
      for (let at = 0; at < n;) at += await conn.write(buf.subarray(at, n));
    }
  } else {
    // Socket reads fill the buffer; each full one is one file write.
    using file = Deno.openSync(path, { write: true, create: true, truncate: true });
    let len = 0;
    for (let n; (n = await conn.read(buf.subarray(len))) !== null;) {
      len += n;
      if (len < buf.length) continue;
      for (let at = 0; at < len;) at += file.writeSync(buf.subarray(at, len));
      len = 0;
    }
    for (let at = 0; at < len;) at += file.writeSync(buf.subarray(at, len));
  }
}

/** Splits a byte stream into CRLF lines. */
async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const c of chunks) {
    buf += dec.decode(c);
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
    }
  }
}

async function* connChunks(conn: Deno.Conn): AsyncGenerator<Uint8Array> {
  const b = new Uint8Array(1024);
  try {
    for (let n; (n = await conn.read(b)) !== null;) yield b.subarray(0, n);
  } catch { /* reset */ }
}

if (control === "node") {
  const srv = net.createServer((sock) => {
    sock.on("error", () => {});
    session({ write: (s) => sock.writable && sock.write(s) }, splitLines(sock))
      .catch(() => {}).finally(() => sock.destroy());
  });
  await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", 1024, resolve));
} else {
  const l = Deno.listen({ hostname: "127.0.0.1", port });
  (async () => {
    for await (const conn of l) {
      const out = { write: (s: string) => void conn.write(enc.encode(s)).catch(() => {}) };
      session(out, splitLines(connChunks(conn))).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch { /* closed */ }
      });
    }
  })();
}
console.log(`READY ${port}`);
reportMemoryOnSignal();
await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", () => resolve()));
Deno.exit(0);
