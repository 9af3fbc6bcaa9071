/**
 * How `FtpClient` gets its control connection: TCP (node:net, or `Deno.connect`
 * for a plain session that never needs TLS), TLS from the first byte for
 * implicit FTPS, the server's welcome read and checked; or a connection opened
 * elsewhere and handed over (`FtpClient.adopt`, the CLI's head start).
 * @module
 */
import type net from "node:net";
import type { FtpClientOptions } from "./client_options.ts";
import { ConnSocket, type ControlSocket } from "./conn_socket.ts";
import { ControlConnection } from "./control.ts";
import { connectConn } from "./data_connection.ts";
import { errorForReply, FtpReplyError } from "./errors.ts";
import { connectSocket, formatHostPort } from "./socket.ts";
import { tlsCode } from "./tls_code.ts";

/** A control connection whose welcome was read, and where it goes. */
export interface OpenedControl {
  control: ControlConnection;
  /** The welcome's text (220). */
  welcome: string;
  /** The host without IPv6 brackets. */
  host: string;
  port: number;
}

/**
 * Connects (TLS at once for `tls: "implicit"`) and reads the server's
 * welcome; the connection is closed again when that fails or is not a 220.
 *
 * @example
 * ```ts
 * const { control, welcome } = await openControl({ host: "127.0.0.1", port: 2121 });
 * ```
 */
export async function openControl(options: FtpClientOptions): Promise<OpenedControl> {
  const tls = options.tls ?? "none";
  const port = options.port ?? (tls === "implicit" ? 990 : 21);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const host = stripBrackets(options.host);
  if (tls === "none" && options.nativeControl && options.sourceAddress === undefined) {
    const conn = await connectConn(host, port, { timeoutMs });
    // Its commands are not held back by Nagle (the ACK nudges, pipelined lines).
    conn.setNoDelay(true);
    return await welcomed(new ConnSocket(conn), options, host, port);
  }
  let socket: net.Socket = await connectSocket(host, port, {
    timeoutMs,
    localAddress: options.sourceAddress,
  });
  if (tls === "implicit") {
    const code = await tlsCode();
    socket = await code.startTlsClient(socket, host, options.tlsOptions ?? {}, timeoutMs).catch(
      (error) => {
        if (!(error instanceof code.TlsError) || error.code !== "ENOTTLS") throw error;
        throw new code.TlsError(
          `${formatHostPort(host, port)} did not speak TLS (implicit FTPS, ftps://): a plain ` +
            `FTP server there? Try ftpes:// (AUTH TLS on a plain port) or ftp://`,
          { code: "ENOTTLS", host, cause: error },
        );
      },
    );
  }
  return await welcomed(socket, options, host, port);
}

/**
 * A control connection over a plain connection opened elsewhere, its welcome
 * read there (`FtpClient.adopt`).
 *
 * @example
 * ```ts
 * const { control } = adoptControl(conn, { host: "127.0.0.1", port: 21 });
 * ```
 */
export function adoptControl(
  conn: Deno.TcpConn,
  options: FtpClientOptions,
): { control: ControlConnection; host: string; port: number } {
  const host = stripBrackets(options.host);
  const port = options.port ?? 21;
  return { control: controlOn(new ConnSocket(conn), options, host, port), host, port };
}

/** The control connection on a connected socket once the server's welcome is read. */
async function welcomed(
  socket: ControlSocket,
  options: FtpClientOptions,
  host: string,
  port: number,
): Promise<OpenedControl> {
  const control = controlOn(socket, options, host, port);
  try {
    const welcome = await control.read();
    if (welcome.code >= 400) throw errorForReply(welcome);
    if (welcome.code !== 220) throw new FtpReplyError(`unexpected welcome: ${welcome.lines[0]}`);
    return { control, welcome: welcome.text, host, port };
  } catch (error) {
    control.destroy();
    throw error;
  }
}

function controlOn(
  socket: ControlSocket,
  options: FtpClientOptions,
  host: string,
  port: number,
): ControlConnection {
  return new ControlConnection(socket, {
    encoding: options.encoding ?? "utf-8",
    timeoutMs: options.timeoutMs ?? 30_000,
    peer: formatHostPort(host, port),
  });
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}
