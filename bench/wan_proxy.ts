/**
 * An emulated WAN in front of a real FTP server (bench tool, not a test): an
 * FTP-aware TCP proxy that delays every byte by a set one-way delay in both
 * directions, on the control connection and on every passive data connection,
 * and can cap bandwidth per connection and for the whole link.
 *
 * Why a proxy: this machine has no traffic shaping (`tc qdisc ... netem` is
 * not there), so latency must be made in user space. The proxy reads the
 * server's control replies and rewrites every `227` (PASV) and `229` (EPSV)
 * to a port of its own, so data connections pass through it too. Plain FTP
 * only: after `AUTH TLS` it cannot read the replies.
 *
 * How time is kept: each chunk read is stamped on arrival and written out at
 * `arrival + delay` (later if a bandwidth cap says so), while reading goes on,
 * so the delay does not become a throughput cap (a chunk waits, not the
 * stream). A new connection reaches the server after three one-way delays
 * (SYN, SYN-ACK, ACK: what a TCP handshake costs), so the first byte the
 * server sends arrives two round trips after `connect`, as over a real link.
 * Reading stops while a direction holds more than `bufferBytes` not yet
 * written (then TCP's own flow control pushes back on the sender).
 *
 *   deno run -A bench/wan_proxy.ts --target 127.0.0.1:2121 --rtt 40 [--port 2100]
 *        [--rate-per-connection 100Mbit] [--rate-link 1Gbit] [--delay-fin]
 *
 * @module
 */
import { parseArgs } from "node:util";

/** What {@link startWanProxy} needs. */
export interface WanProxyOptions {
  /** The real server's control address. */
  target: { hostname: string; port: number };
  /** One-way delay in ms (half the round trip). */
  delayMs: number;
  /** Cap of each connection and direction in bytes per second (default: none). */
  ratePerConnection?: number;
  /** Cap of the whole link, per direction, in bytes per second (default: none). */
  rateLink?: number;
  /**
   * Address to listen on, for the control connection and every data port
   * (default: a loopback address of its own, see {@link ownLoopback}; port 0).
   */
  listen?: { hostname?: string; port?: number };
  /** Bytes held per direction before reading pauses (default 8 MiB). */
  bufferBytes?: number;
  /** Emulate the TCP handshake's 1.5 round trips on connect (default true). */
  handshake?: boolean;
  /**
   * Delay a half-close (FIN) by the one-way delay too, as a link does (default
   * false: a FIN passes as soon as the bytes before it have, so a FIN that
   * follows no bytes, such as a downloading client's, arrives at once). A
   * server that holds its final reply until its own FIN is acknowledged
   * (vsftpd's lingering close of a data connection: the client's FIN carries
   * that ACK here) then answers one round trip after its last byte, as over a
   * real link, instead of half of one.
   */
  delayFin?: boolean;
}

/** Counts kept by the proxy (for checks such as "never more than N sessions"). */
export interface WanProxyStats {
  /** Control connections accepted so far. */
  controlConnections: number;
  /** Control connections open now. */
  controlOpen: number;
  /** Most control connections open at one moment, of those accepted since the last reset. */
  controlMaxOpen: number;
  /** Data connections passed through so far. */
  dataConnections: number;
  /**
   * Connections to a data port from another address than its control
   * connection's client: refused (closed, not passed on), the port left open
   * for the client's own.
   */
  strayDataConnections: number;
  /** Bytes passed server -> client and client -> server. */
  bytesDown: number;
  bytesUp: number;
}

/** A running proxy. */
export interface WanProxy {
  hostname: string;
  port: number;
  stats: WanProxyStats;
  /** Zeroes the counters (between runs of a benchmark); sessions still open no longer count. */
  resetStats(): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/** One direction's shared wire (the link cap). */
interface Wire {
  rate?: number;
  free: number;
}

/**
 * Starts the proxy.
 *
 * @example
 * ```ts
 * const wan = startWanProxy({ target: { hostname: "127.0.0.1", port: 2121 }, delayMs: 20 });
 * // connect any FTP client to ftp://127.0.0.1:${wan.port}
 * await wan.close();
 * ```
 */
export function startWanProxy(options: WanProxyOptions): WanProxy {
  const listener = Deno.listen({
    hostname: options.listen?.hostname ?? ownLoopback(),
    port: options.listen?.port ?? 0,
  });
  const address = listener.addr as Deno.NetAddr;
  const stats: WanProxyStats = zeroStats();
  const open = new Set<Deno.Conn | Deno.Listener>();
  const down: Wire = { rate: options.rateLink, free: 0 };
  const up: Wire = { rate: options.rateLink, free: 0 };
  const handshakeMs = options.handshake === false ? 0 : 3 * options.delayMs;
  let closed = false;
  let epoch = 0;
  let epochOpen = 0;

  const link = (client: Deno.Conn, port: number, onDown?: Rewriter): Promise<void> => {
    open.add(client);
    noDelay(client);
    const server = delay(handshakeMs).then(async () =>
      noDelay(await Deno.connect({ hostname: options.target.hostname, port }))
    );
    const settle = server.then((s) => {
      open.add(s);
      return s;
    });
    const both = Promise.all([
      pump(client, settle, { options, wire: up, count: (n) => stats.bytesUp += n }),
      pump(settle, client, {
        options,
        wire: down,
        count: (n) => stats.bytesDown += n,
        rewrite: onDown,
      }),
    ]);
    return both.then(() => {}, () => {}).finally(async () => {
      close(client);
      open.delete(client);
      try {
        const s = await settle;
        close(s);
        open.delete(s);
      } catch { /* the server was never reached */ }
    });
  };

  /**
   * Rewrites 227/229 replies of one control connection (whose client is at
   * `peer`) to ports of the proxy.
   */
  const rewriter = (peer: string): Rewriter => {
    const listeners = new Set<Deno.Listener>();
    const rewrite: Rewriter = (line) => {
      const target = passivePort(line);
      if (target === undefined) return line;
      const data = listenDataPort(address.hostname);
      listeners.add(data);
      open.add(data);
      const local = (data.addr as Deno.NetAddr).port;
      (async () => {
        try {
          for (;;) {
            const conn = await data.accept();
            const from = conn.remoteAddr as Deno.NetAddr;
            if (from.hostname !== peer) {
              // Not this session's client (a server checks the same: vsftpd's
              // pasv_promiscuous=NO): it gets nothing, the client may still come.
              stats.strayDataConnections++;
              console.error(
                `wan proxy: data port ${local} (control client ${peer}) refused a connection ` +
                  `from ${from.hostname}:${from.port}`,
              );
              close(conn);
              continue;
            }
            stats.dataConnections++;
            void link(conn, target);
            break;
          }
        } catch { /* closed unused */ }
        close(data);
        listeners.delete(data);
        open.delete(data);
      })();
      return rewritePassive(line, address.hostname, local);
    };
    rewrite.done = () => {
      for (const l of listeners) close(l);
    };
    return rewrite;
  };

  (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      stats.controlConnections++;
      stats.controlOpen++;
      // Counted per epoch (see resetStats): sessions of an earlier client still
      // closing through the delay do not count against the next one.
      const mine = epoch;
      epochOpen++;
      stats.controlMaxOpen = Math.max(stats.controlMaxOpen, epochOpen);
      const r = rewriter((conn.remoteAddr as Deno.NetAddr).hostname);
      void link(conn, options.target.port, r).finally(() => {
        stats.controlOpen--;
        if (mine === epoch) epochOpen--;
        r.done?.();
      });
    }
  })();

  return {
    hostname: address.hostname,
    port: address.port,
    stats,
    resetStats() {
      Object.assign(stats, zeroStats(), { controlOpen: stats.controlOpen });
      epoch++;
      epochOpen = 0;
    },
    close() {
      if (!closed) {
        closed = true;
        close(listener);
        for (const c of open) close(c);
      }
      return Promise.resolve();
    },
  };
}

/**
 * A loopback address for this proxy alone (127.a.b.c, chosen at random; on a
 * system where only 127.0.0.1 can be bound, that). Its data ports are then out
 * of reach of anything that connects to 127.0.0.1: a port the kernel hands out
 * for port 0 is free on 127.0.0.1 too, and another program on the machine may
 * connect to it there. Seen at 0 ms (issue 12): test/peers' `freePort()` +
 * `awaitBanner()` (a port found free, polled every 20 ms while a daemon starts)
 * reached a data port of the proxy's before the client did, took the file's
 * bytes, and the client's own connection was refused (reproduced: with 16
 * such pollers beside three 2,000-file mirrors, ferry's downloads were
 * refused on ports the pollers had reached, e.g. 46775, 39615, 32971, and
 * retried; on an address of its own, three runs beside them: no refusal).
 *
 * @example
 * ```ts
 * const wan = startWanProxy({ target, delayMs: 20, listen: { hostname: ownLoopback() } });
 * ```
 */
export function ownLoopback(): string {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  const hostname = `127.${octet()}.${octet()}.${octet()}`;
  try {
    Deno.listen({ hostname, port: 0 }).close();
    return hostname;
  } catch {
    return "127.0.0.1";
  }
}

/**
 * Ports below the kernel's ephemeral range (`ip_local_port_range`), where the
 * proxy binds its data ports by number, one after another
 * ({@link listenDataPort}); the kernel hands out none of them for port 0.
 *
 * @example
 * ```ts
 * dataPortRange("32768\t60999\n"); // { first: 16384, last: 32767 }
 * ```
 */
export function dataPortRange(localPortRange: string): { first: number; last: number } {
  const low = Number(localPortRange.trim().split(/\s+/)[0]);
  const last = Number.isInteger(low) && low > 2048 ? low - 1 : 32767;
  return { first: Math.max(1024, last - 16383), last };
}

let dataPorts: { first: number; last: number; next: number } | undefined;

/**
 * A listener for one data connection on `hostname`, on the next port of
 * {@link dataPortRange} that binds (port 0 when none of the next 100 does).
 *
 * Why not port 0: each data connection leaves a TIME_WAIT socket on its
 * port for 60 s, and the kernel looks for a port 0 bind among those without
 * one. After a few full 2,000-file mirrors through the proxy (~4,500
 * TIME_WAITs each) a port-0 listen on its address took 2.5 ms of kernel time
 * (measured at 40,000 TIME_WAITs; 47 us on 127.0.0.1), 2,000 of them a run:
 * the proxy's one thread became the slowest part of the link, and slower
 * with every run in the last minute (at 0 ms its CPU per full mirror grew
 * from 0.7 s to 6 s over nine runs in a row, most of it system time), so
 * whichever tool ran after another's full mirror was slowed the most. A port
 * named explicitly binds at once (Deno sets SO_REUSEADDR: a TIME_WAIT there
 * does not block it).
 */
function listenDataPort(hostname: string): Deno.Listener {
  if (!dataPorts) {
    let text = "";
    try {
      text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    } catch { /* not Linux: the default below */ }
    const range = dataPortRange(text);
    const next = range.first + Math.floor(Math.random() * (range.last - range.first + 1));
    dataPorts = { ...range, next };
  }
  for (let tries = 0; tries < 100; tries++) {
    const port = dataPorts.next;
    dataPorts.next = port >= dataPorts.last ? dataPorts.first : port + 1;
    try {
      return Deno.listen({ hostname, port });
    } catch (e) {
      if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    }
  }
  return Deno.listen({ hostname, port: 0 });
}

/**
 * Turns Nagle off on one of the proxy's sockets: the proxy stands for a link,
 * not for an endpoint, so a small reply it forwards must not wait for the ACK
 * of the one before (a 40 ms delayed-ACK stall per data connection at 0 ms
 * that neither a router nor vsftpd itself, which sets TCP_NODELAY, adds).
 */
function noDelay<T extends Deno.Conn>(conn: T): T {
  try {
    (conn as unknown as Deno.TcpConn).setNoDelay(true);
  } catch { /* not TCP */ }
  return conn;
}

/** Rewrites one complete reply line (with its CRLF); `done` ends its listeners. */
type Rewriter = ((line: string) => string) & { done?: () => void };

interface PumpOptions {
  options: WanProxyOptions;
  wire: Wire;
  count: (n: number) => void;
  rewrite?: Rewriter;
}

/**
 * Copies `from` to `to`, each chunk written at its arrival time + delay (or
 * later, under a bandwidth cap), then half-closes `to`.
 */
async function pump(
  fromConn: Deno.Conn | Promise<Deno.Conn>,
  toConn: Deno.Conn | Promise<Deno.Conn>,
  { options, wire, count, rewrite }: PumpOptions,
): Promise<void> {
  const from = await fromConn;
  const queue: { data: Uint8Array; due: number }[] = [];
  const limit = options.bufferBytes ?? 8 * 1024 * 1024;
  let held = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  let connFree = 0;
  let pending = "";
  let endedAt = 0;

  const push = (data: Uint8Array) => {
    if (data.length === 0) return;
    const now = performance.now();
    const size = data.length;
    const perConn = options.ratePerConnection ? (size / options.ratePerConnection) * 1000 : 0;
    const perLink = wire.rate ? (size / wire.rate) * 1000 : 0;
    const start = Math.max(now, connFree);
    const linkStart = Math.max(start, wire.free);
    const end = Math.max(start + perConn, linkStart + perLink);
    connFree = end;
    if (perLink) wire.free = linkStart + perLink;
    queue.push({ data, due: end + options.delayMs });
    held += size;
    wake?.();
  };

  const writer = (async () => {
    const to = await toConn;
    try {
      for (;;) {
        if (queue.length === 0) {
          if (ended) break;
          await new Promise<void>((r) => wake = r);
          wake = undefined;
          continue;
        }
        const head = queue[0];
        const wait = head.due - performance.now();
        if (wait > 0.5) await delay(wait);
        queue.shift();
        await writeAll(to, head.data);
        count(head.data.length);
        held -= head.data.length;
        if (held < limit) drained?.();
      }
      if (options.delayFin) await delay(endedAt + options.delayMs - performance.now());
      await to.closeWrite().catch(() => {});
    } catch (e) {
      close(from);
      throw e;
    }
  })();
  // A peer that closed while bytes were still due for it (a client cutting a transfer short,
  // as a segmented download does after its range) rejects the writer before the reading
  // loop awaits it below: handled there, not an unhandled rejection that ends the process.
  writer.catch(() => {});

  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      if (held >= limit) {
        await new Promise<void>((r) => drained = r);
        drained = undefined;
      }
      const n = await from.read(buffer);
      if (n === null) break;
      const chunk = buffer.slice(0, n);
      if (!rewrite) {
        push(chunk);
        continue;
      }
      // Control replies: whole lines only, so a 227/229 can be rewritten.
      pending += latin1(chunk);
      const cut = pending.lastIndexOf("\n") + 1;
      if (cut === 0) continue;
      const lines = pending.slice(0, cut).split(/(?<=\n)/);
      pending = pending.slice(cut);
      push(bytes(lines.map(rewrite).join("")));
    }
    if (pending) push(bytes(pending));
  } finally {
    endedAt = performance.now();
    ended = true;
    wake?.();
  }
  await writer;
}

/**
 * The server's data port named by a 227 or 229 reply line, or undefined.
 *
 * @example
 * ```ts
 * passivePort("227 Entering Passive Mode (127,0,0,1,195,80).\r\n"); // 50000
 * passivePort("229 Entering Extended Passive Mode (|||50000|)\r\n"); // 50000
 * ```
 */
export function passivePort(line: string): number | undefined {
  if (line.startsWith("227 ")) {
    const m = line.match(/(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/);
    return m ? Number(m[5]) * 256 + Number(m[6]) : undefined;
  }
  if (line.startsWith("229 ")) {
    const m = line.match(/\((.)\1\1(\d+)\1\)/);
    return m ? Number(m[2]) : undefined;
  }
  return undefined;
}

/**
 * The reply line with the proxy's address and port instead of the server's.
 *
 * @example
 * ```ts
 * rewritePassive("229 Entering Extended Passive Mode (|||50000|)\r\n", "127.0.0.1", 40000);
 * // "229 Entering Extended Passive Mode (|||40000|)\r\n"
 * ```
 */
export function rewritePassive(line: string, hostname: string, port: number): string {
  if (line.startsWith("227 ")) {
    const h = hostname.split(".").join(",");
    return line.replace(
      /\d+,\d+,\d+,\d+,\d+,\d+/,
      `${h},${Math.floor(port / 256)},${port % 256}`,
    );
  }
  return line.replace(/\((.)\1\1(\d+)\1\)/, (_m, d) => `(${d}${d}${d}${port}${d})`);
}

/** Bytes as one character each (replies pass through unchanged, whatever their encoding). */
function latin1(data: Uint8Array): string {
  let out = "";
  for (let i = 0; i < data.length; i += 8192) {
    out += String.fromCharCode(...data.subarray(i, i + 8192));
  }
  return out;
}

function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function zeroStats(): WanProxyStats {
  return {
    controlConnections: 0,
    controlOpen: 0,
    controlMaxOpen: 0,
    dataConnections: 0,
    strayDataConnections: 0,
    bytesDown: 0,
    bytesUp: 0,
  };
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) done += await conn.write(data.subarray(done));
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function close(c: Deno.Conn | Deno.Listener): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

/**
 * A rate such as "100Mbit", "12.5MB", "1Gbit" or a plain number of bytes, per
 * second, in bytes per second.
 *
 * @example
 * ```ts
 * parseRate("100Mbit"); // 12500000
 * ```
 */
export function parseRate(text: string): number {
  const m = text.trim().match(/^([\d.]+)\s*(k|M|G)?(bit|B)?(\/s)?$/i);
  if (!m) throw new Error(`not a rate: ${JSON.stringify(text)} (e.g. 100Mbit, 12MB)`);
  const scale = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? "").toLowerCase()] ?? 1;
  const bits = (m[3] ?? "B").toLowerCase() === "bit";
  return (Number(m[1]) * scale) / (bits ? 8 : 1);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string" },
      rtt: { type: "string", default: "40" },
      port: { type: "string", default: "0" },
      "rate-per-connection": { type: "string" },
      "rate-link": { type: "string" },
      "no-handshake": { type: "boolean", default: false },
      "delay-fin": { type: "boolean", default: false },
    },
  });
  if (!values.target) {
    console.error(
      "usage: wan_proxy.ts --target HOST:PORT --rtt MS [--port P] " +
        "[--rate-per-connection 100Mbit] [--rate-link 1Gbit] [--no-handshake] [--delay-fin]",
    );
    Deno.exit(2);
  }
  const [hostname, port] = values.target.split(":");
  const rate = values["rate-per-connection"];
  const linkRate = values["rate-link"];
  const wan = startWanProxy({
    target: { hostname, port: Number(port) },
    delayMs: Number(values.rtt) / 2,
    listen: { port: Number(values.port) },
    ratePerConnection: rate ? parseRate(rate) : undefined,
    rateLink: linkRate ? parseRate(linkRate) : undefined,
    handshake: !values["no-handshake"],
    delayFin: values["delay-fin"],
  });
  console.log(`ftp://${wan.hostname}:${wan.port} -> ${values.target}, rtt ${values.rtt} ms`);
  Deno.addSignalListener("SIGINT", () => {
    wan.close();
    Deno.exit(0);
  });
}
