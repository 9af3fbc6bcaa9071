/**
 * A TCP gate in front of an FTP server that turns the first control
 * connections away as a busy server does, then lets the rest through
 * untouched: for "the server answered 421 to logins for a while". Passive
 * replies pass unchanged, so data connections go straight to the server.
 * @module
 */
import net from "node:net";

/** Options of {@link startBusyGate}. */
export interface BusyGateOptions {
  /** The FTP server behind the gate (127.0.0.1). */
  upstreamPort: number;
  /** How many control connections are turned away before the gate opens. */
  refuseFirst: number;
  /**
   * `"greeting"`: the refusal is the greeting (vsftpd's `max_per_ip`);
   * `"login"` (default): a 220, then the refusal to USER.
   */
  at?: "greeting" | "login";
  /** The refusal line without CRLF. Default `421 Too many connections, try again later.` */
  reply?: string;
}

/** A running gate. */
export interface BusyGate extends AsyncDisposable {
  port: number;
  /** Control connections turned away so far. */
  refused(): number;
  /** Control connections let through so far. */
  passed(): number;
  close(): Promise<void>;
}

/**
 * Starts the gate on 127.0.0.1:0.
 *
 * @example
 * ```ts
 * await using gate = await startBusyGate({ upstreamPort: srv.port, refuseFirst: 3 });
 * // ftp://127.0.0.1:${gate.port}/ now answers 421 three times, then serves.
 * ```
 */
export async function startBusyGate(options: BusyGateOptions): Promise<BusyGate> {
  const reply = `${options.reply ?? "421 Too many connections, try again later."}\r\n`;
  const sockets = new Set<net.Socket>();
  let refused = 0;
  let passed = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (refused < options.refuseFirst) {
      refused++;
      if (options.at === "greeting") client.end(reply);
      else {
        client.write("220 busy gate\r\n");
        client.once("data", () => client.end(reply));
      }
      return;
    }
    passed++;
    const upstream = net.connect(options.upstreamPort, "127.0.0.1");
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    port: (server.address() as net.AddressInfo).port,
    refused: () => refused,
    passed: () => passed,
    close,
    [Symbol.asyncDispose]: close,
  };
}
