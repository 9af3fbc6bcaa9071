/**
 * The UFTPD's data connections: passive only, one listener per PASV/EPSV,
 * the reply sent and then the one connection from the client's address
 * awaited at once (nothing else is read meanwhile, as in UFTPD); with
 * `NOOP n`, n of them make one multi-stream channel.
 * @module
 */
import net from "node:net";
import { logger } from "../../../plugin.ts";
import { BlockReader, BlockWriter } from "../multistream.ts";
import { ByteReader, endSocket, writeFully } from "../socket_io.ts";

/**
 * A data connection the client never opened in time.
 *
 * @example
 * ```ts
 * throw new DataTimeoutError("no data connection within 30000 ms");
 * ```
 */
export class DataTimeoutError extends Error {}

const log = logger("uftp", "uftpd");

/**
 * Strips IPv4-mapped IPv6 prefixes (`::ffff:1.2.3.4` → `1.2.3.4`), so the
 * registered client address compares equal on dual-stack sockets.
 *
 * @example
 * ```ts
 * plainAddress("::ffff:127.0.0.1"); // "127.0.0.1"
 * ```
 */
export function plainAddress(address: string | undefined): string {
  return (address ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}

/**
 * Opens a listener on `host`, lets `announce(port)` send the 227/229 reply,
 * and resolves with the first connection from `clientIp` (others are closed).
 *
 * @example
 * ```ts
 * const socket = await acceptPassive("127.0.0.1", "127.0.0.1", (port) => reply(`229 ... (|||${port}|)`), 30_000);
 * ```
 */
export async function acceptPassive(
  host: string,
  clientIp: string,
  announce: (port: number) => Promise<void>,
  timeoutMs: number,
): Promise<net.Socket> {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const accepted = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new DataTimeoutError(`no data connection within ${timeoutMs} ms`));
    }, timeoutMs);
    server.on("connection", (socket) => {
      // A reset by the client must fail this transfer, not the process: without a
      // listener node re-throws the socket's error (write EPIPE, read ECONNRESET).
      // The transfer sees the failure through `close` (writeFully, ByteReader).
      socket.on("error", (e: Error) => log.debug("data connection: {error}", { error: e.message }));
      if (plainAddress(socket.remoteAddress) !== clientIp) {
        socket.destroy(); // only the session's own client may connect
        return;
      }
      clearTimeout(timer);
      server.close();
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
  accepted.catch(() => {});
  try {
    await announce((server.address() as net.AddressInfo).port);
  } catch (error) {
    server.close();
    throw error;
  }
  return await accepted;
}

/** Where a download's bytes go. */
export interface DataSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the streams (not with KEEP-ALIVE). */
  close(timeoutMs: number): Promise<void>;
}

/** Where an upload's bytes come from. */
export interface DataSource {
  /** The next bytes, at most `max`; null at the end. */
  read(max: number): Promise<Uint8Array | null>;
}

/**
 * A sink over one socket, or a framed multi-stream sink over several.
 *
 * @example
 * ```ts
 * const sink = dataSink(sockets);
 * await sink.write(bytes);
 * ```
 */
export function dataSink(sockets: net.Socket[]): DataSink {
  if (sockets.length === 1) {
    const [socket] = sockets;
    socket.resume();
    return {
      write: (chunk) => writeFully(socket, chunk),
      close: (timeoutMs) => endSocket(socket, timeoutMs),
    };
  }
  const writer = new BlockWriter(sockets);
  return { write: (c) => writer.write(c), close: (t) => writer.close(t) };
}

/**
 * A source over one socket, or a framed multi-stream source over several.
 * Readers are made once per socket and kept (KEEP-ALIVE reuses sockets).
 *
 * @example
 * ```ts
 * const source = dataSource(sockets, readers);
 * for (let c = await source.read(65536); c; c = await source.read(65536)) await sink(c);
 * ```
 */
export function dataSource(
  sockets: net.Socket[],
  readers: WeakMap<net.Socket, ByteReader>,
): DataSource {
  const of = (s: net.Socket) => {
    let r = readers.get(s);
    if (!r) readers.set(s, r = new ByteReader(s));
    return r;
  };
  if (sockets.length === 1) {
    const reader = of(sockets[0]);
    return { read: (max) => reader.some(max) };
  }
  const blocks = new BlockReader(sockets.map(of));
  let pending: Uint8Array | null = new Uint8Array(0);
  return {
    async read(max) {
      if (pending !== null && pending.length === 0) pending = await blocks.next();
      if (pending === null) return null;
      const out = pending.subarray(0, max);
      pending = pending.subarray(out.length);
      return out;
    },
  };
}
