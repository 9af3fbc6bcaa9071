/**
 * A control connection to a loopback peer that writes what it is given at
 * once: for unit tests of what reads replies (ftp/control.ts, a transfer's
 * end) without a server.
 * @module
 */
import { ControlConnection } from "../../ftp/control.ts";
import { ConnSocket } from "../../ftp/conn_socket.ts";

/**
 * A control connection whose peer says `says`, then waits for the client to
 * go (`hangUp`: closes at once instead); `stop` ends both.
 *
 * @example
 * ```ts
 * const { control, stop } = await loopbackControl("226 Transfer complete.\r\n");
 * console.log((await control.read()).code); // 226
 * await stop();
 * ```
 */
export async function loopbackControl(
  says = "",
  hangUp = false,
): Promise<{ control: ControlConnection; stop(): Promise<void> }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const c = await listener.accept();
    if (says) await c.write(new TextEncoder().encode(says));
    if (!hangUp) await c.read(new Uint8Array(16)).catch(() => null); // until the client goes
    c.close();
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const control = new ControlConnection(new ConnSocket(conn), {
    encoding: "utf-8",
    timeoutMs: 5_000,
    peer: `127.0.0.1:${port}`,
  });
  return {
    control,
    stop: async () => {
      control.destroy();
      await served;
      listener.close();
    },
  };
}
