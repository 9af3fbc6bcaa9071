/**
 * The auth server's side of the UFTPD command port: one TCP connection per
 * request, the `key=value` lines and `END`, then the reply read to EOF.
 * @module
 */
import net from "node:net";
import {
  type CommandReply,
  encodeTransferRequest,
  parseCommandReply,
  type TransferRequest,
} from "./command_port.ts";
import { UftpProtocolError } from "./errors.ts";

/**
 * Registers a session with a UFTPD; resolves with its `OK::<port>` or
 * `ERROR::<message>` answer. Network failures reject with {@link UftpProtocolError}.
 *
 * @example
 * ```ts
 * const reply = await sendTransferRequest("127.0.0.1", 64435, request);
 * if (reply.ok) console.log("FTP port", reply.port);
 * ```
 */
export function sendTransferRequest(
  host: string,
  port: number,
  request: TransferRequest,
  timeoutMs = 30_000,
): Promise<CommandReply> {
  const message = encodeTransferRequest(request);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let text = "";
    const decoder = new TextDecoder();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UftpProtocolError(`UFTPD command port ${host}:${port} did not answer in time`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(message));
    socket.on("data", (chunk: Uint8Array) => text += decoder.decode(chunk, { stream: true }));
    socket.on("error", (cause) => {
      clearTimeout(timer);
      reject(
        new UftpProtocolError(
          `Cannot connect to UFTPD server at ${host}:${port}: ${cause.message}`,
          {
            code: "ECONNREFUSED",
            cause,
          },
        ),
      );
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parseCommandReply(text));
    });
  });
}
