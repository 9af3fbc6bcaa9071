/**
 * Free TCP ports on 127.0.0.1 for peers that cannot bind port 0 themselves
 * (vsftpd needs a `listen_port`; passive ranges need a fixed span).
 *
 * A port found free here can be taken by someone else before the peer binds it;
 * the starters detect that (the peer fails to bind and says so) rather than hide it.
 * @module
 */
import net from "node:net";

/**
 * Ranges are searched below Linux's ephemeral range (32768-60999) so that ports
 * the kernel hands out for port 0 and outgoing connections rarely collide with them.
 */
const RANGE_LOW = 20000;
const RANGE_HIGH = 32000;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * const listener = Deno.listen({ hostname: "127.0.0.1", port });
 * listener.close();
 * ```
 */
export function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return Promise.resolve(port);
}

/**
 * `count` contiguous TCP ports on 127.0.0.1 that were all free a moment ago, as an
 * inclusive `[first, last]` pair (the form of vsftpd's `pasv_min_port`/`pasv_max_port`
 * and of pyftpdlib's `range(first, last + 1)`).
 *
 * @example
 * ```ts
 * const [first, last] = await freePortRange(10); // last === first + 9
 * ```
 */
export function freePortRange(count: number): Promise<[number, number]> {
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    return Promise.reject(new RangeError(`freePortRange: count must be 1..1000, got ${count}`));
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = RANGE_LOW + Math.floor(Math.random() * (RANGE_HIGH - RANGE_LOW - count));
    if (allFree(first, count)) return Promise.resolve([first, first + count - 1]);
  }
  return Promise.reject(new Error(`freePortRange: no ${count} contiguous free ports found`));
}

/** Binds every port of the span (all at once, so none is counted twice), then releases them. */
function allFree(first: number, count: number): boolean {
  const held: Deno.Listener[] = [];
  try {
    for (let port = first; port < first + count; port++) {
      held.push(Deno.listen({ hostname: "127.0.0.1", port }));
    }
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.PermissionDenied) {
      return false;
    }
    throw e;
  } finally {
    for (const l of held) l.close();
  }
}

/** Ports held by {@link reserveSharedPorts} until `release()`. */
export interface HeldPorts {
  /** Distinct ports, in the order asked for. */
  readonly ports: number[];
  /** Closes the holding listeners; resolves once they are closed. Idempotent. */
  release(): Promise<void>;
}

/**
 * `count` distinct ports on 127.0.0.1, each held by a listener with SO_REUSEPORT,
 * so that a peer which itself binds with SO_REUSEPORT as the same user (the UFTPD:
 * `socket.create_server(..., reuse_port=True)`) can bind them while nobody else can.
 * Release them once the peer listens. Unlike two calls of {@link freePort}, the ports
 * cannot be equal (the kernel may hand the same port 0 twice in a row) and cannot be
 * taken between the choice and the peer's bind.
 *
 * The listeners never accept: nobody knows the ports before the peer is up.
 *
 * @example
 * ```ts
 * const held = await reserveSharedPorts(2);
 * const [cmd, ftp] = held.ports;
 * // ... start the peer on cmd and ftp, wait until it listens ...
 * await held.release();
 * ```
 */
export async function reserveSharedPorts(count: number): Promise<HeldPorts> {
  const servers: net.Server[] = [];
  const release = () => Promise.all(servers.map(closeServer)).then(() => {});
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        // node:net honours reusePort under Deno without --unstable-net (Deno.listen does not).
        server.listen({ host: "127.0.0.1", port: 0, reusePort: true }, () => resolve());
      });
    }
  } catch (e) {
    await release();
    throw e;
  }
  let releasing: Promise<void> | undefined;
  return {
    ports: servers.map((s) => (s.address() as net.AddressInfo).port),
    release: () => releasing ??= release(),
  };
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
