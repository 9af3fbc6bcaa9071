/**
 * Multi-stream transfers on the client (UFTP's performance option): `NOOP n`
 * (the server may grant fewer), that many EPSV data connections opened at
 * once, then RETR/STOR with the data framed over all of them. The control
 * connection stays reserved until the final reply; any failure closes the
 * session (its state is not trusted any more), so a pool drops it.
 * @module
 */
import net from "node:net";
import type { FtpClient, RawControl, Reply, TransferOptions } from "../../ftp.ts";
import { errorForReply } from "../../ftp.ts";
import { BlockReader, BlockWriter, ByteReader } from "./multistream.ts";
import { UftpProtocolError } from "./errors.ts";

/** "Up to the end" as a RANG end. */
const RANGE_END_MAX = "9223372036854775807";

function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UftpProtocolError(`timed out opening a data connection to ${host}:${port}`));
    }, timeoutMs);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

async function expect(ctl: RawControl, line: string, ok: (r: Reply) => boolean): Promise<Reply> {
  const reply = await ctl.command(line);
  if (!ok(reply)) throw errorForReply(reply, line);
  return reply;
}

/** NOOP n, then the granted number of EPSV connections, each opened at once. */
async function openStreams(ctl: RawControl, streams: number): Promise<net.Socket[]> {
  const granted = await expect(ctl, `NOOP ${streams}`, (r) => r.code === 222 || r.code === 223);
  const n = Number(/(\d+) data connections/.exec(granted.text)?.[1] ?? streams);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const reply = await expect(ctl, "EPSV", (r) => r.code === 229);
      const port = Number(/\|\|\|(\d+)\|/.exec(reply.text)?.[1]);
      if (!Number.isInteger(port)) throw new UftpProtocolError(`bad EPSV reply: ${reply.text}`);
      sockets.push(await connect(ctl.remoteAddress, port, ctl.timeoutMs));
    }
    return sockets;
  } catch (error) {
    for (const s of sockets) s.destroy();
    throw error;
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => (resolve = a, reject = b));
  return { promise, resolve, reject };
}

/**
 * Runs a transfer that holds the control connection until `done` settles;
 * resolves with what `start` made as soon as the transfer is under way.
 */
async function held<T>(
  client: FtpClient,
  start: (ctl: RawControl, done: Deferred<void>) => Promise<T>,
): Promise<T> {
  const started = deferred<T>();
  const done = deferred<void>();
  done.promise.catch(() => {}); // settled here or through `whole`, never left unhandled
  const whole = client.exclusive(async (ctl) => {
    started.resolve(await start(ctl, done));
    await done.promise;
  });
  whole.catch((error) => {
    started.reject(error);
    client.close();
  });
  return await started.promise;
}

/**
 * RETR over `streams` data connections, as a stream of the file's bytes.
 *
 * @example
 * ```ts
 * const data = await multiRetrieve(client, "big.iso", 4, { offset: 0 });
 * ```
 */
export function multiRetrieve(
  client: FtpClient,
  path: string,
  streams: number,
  options: TransferOptions & { offset: number },
): Promise<ReadableStream<Uint8Array>> {
  return held(client, async (ctl, done) => {
    const sockets = await openStreams(ctl, streams);
    const fail = (error: unknown) => {
      for (const s of sockets) s.destroy();
      done.reject(error);
    };
    try {
      if (options.offset > 0) {
        await expect(ctl, `RANG ${options.offset} ${RANGE_END_MAX}`, (r) => r.code === 350);
      }
      await expect(ctl, `RETR ${path}`, (r) => r.code === 150);
    } catch (error) {
      fail(error);
      throw error;
    }
    const blocks = new BlockReader(
      sockets.map((s) => new ByteReader(s, { idleMs: ctl.timeoutMs })),
    );
    let bytes = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const block = await blocks.next();
          if (block) {
            bytes += block.length;
            options.onProgress?.(bytes);
            return controller.enqueue(block);
          }
          const final = await ctl.read();
          if (final.code < 200 || final.code >= 300) throw errorForReply(final, `RETR ${path}`);
          for (const s of sockets) s.destroy();
          controller.close();
          done.resolve();
        } catch (error) {
          fail(error);
          controller.error(error);
        }
      },
      cancel(reason) {
        fail(reason ?? new UftpProtocolError("download cancelled"));
      },
    }, { highWaterMark: 0 });
  });
}

/**
 * STOR over `streams` data connections, as a writable stream; closing it ends
 * the streams and waits for the server's 226.
 *
 * @example
 * ```ts
 * await ReadableStream.from([bytes]).pipeTo(await multiStore(client, "up.bin", 4, {}));
 * ```
 */
export function multiStore(
  client: FtpClient,
  path: string,
  streams: number,
  options: TransferOptions,
): Promise<WritableStream<Uint8Array>> {
  return held(client, async (ctl, done) => {
    const sockets = await openStreams(ctl, streams);
    const fail = (error: unknown) => {
      for (const s of sockets) s.destroy();
      done.reject(error);
    };
    try {
      for (const line of options.before ?? []) await expect(ctl, line, (r) => r.code < 400);
      await expect(ctl, `STOR ${path}`, (r) => r.code === 150);
    } catch (error) {
      fail(error);
      throw error;
    }
    const writer = new BlockWriter(sockets, ctl.timeoutMs);
    let bytes = 0;
    return new WritableStream<Uint8Array>({
      async write(chunk) {
        try {
          await writer.write(chunk);
          bytes += chunk.length;
          options.onProgress?.(bytes);
        } catch (error) {
          fail(error);
          throw error;
        }
      },
      async close() {
        try {
          await writer.close(ctl.timeoutMs);
          const final = await ctl.read();
          if (final.code < 200 || final.code >= 300) throw errorForReply(final, `STOR ${path}`);
          done.resolve();
        } catch (error) {
          fail(error);
          throw error;
        }
      },
      abort(reason) {
        fail(reason ?? new UftpProtocolError("upload aborted"));
      },
    }, { highWaterMark: 1 });
  });
}
