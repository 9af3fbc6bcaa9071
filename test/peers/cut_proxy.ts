/**
 * A TCP proxy on 127.0.0.1 in front of an FTP (or UFTP) server that can cut one
 * data connection: the client talks to the proxy's port; `227`/`229` replies are
 * rewritten to data ports of the proxy's own, each of which forwards to the
 * server's data port; the Nth data connection is closed (or reset) after K bytes,
 * once. That is "the data connection cut once at 64 MiB" of a test.
 *
 * Plain control connections only: after `AUTH TLS` (234) the proxy passes the
 * encrypted bytes through untouched, so it can no longer rewrite 227/229 and data
 * connections then bypass it (nothing is cut). Implicit FTPS is never parsed.
 * Passive mode only (PORT/EPRT are passed on unchanged, and not proxied).
 *
 * Built on node:net, as scripted.ts, because only node:net can send a TCP reset.
 * @module
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import { listen } from "./scripted.ts";

/** Which data connection to cut, when, and how. */
export interface CutOptions {
  /**
   * 1-based: the Nth data connection the proxy accepts (all control connections
   * together). Default: whichever data connection first reaches `afterBytes`
   * (the big file's, whatever listings came before it).
   */
  connection?: number;
  /** Forward exactly this many bytes of it (both directions together), then cut. */
  afterBytes: number;
  /**
   * "close" (default): the receiving side gets a clean EOF after exactly `afterBytes`
   * (an uploading server may take the file as complete), the sending side a reset.
   * "reset": a TCP reset both ways (bytes in flight may be lost).
   */
  mode?: "close" | "reset";
}

/**
 * A cut of a control connection at one command, once: the moment a rename (or
 * any command) is in doubt for the client.
 */
export interface ControlCut {
  /** The client's command line to cut at: the first that matches. */
  command: RegExp;
  /**
   * "command": that line, and all after it, never reach the server (the lines
   * before it in the same write do). "reply": it reaches the server, and the
   * server's answer to it is withheld: the server acted, the client never hears.
   */
  at: "command" | "reply";
  /** Runs at the cut, before both sides are closed (a test changes the server's files then). */
  onCut?: () => void | Promise<void>;
}

/**
 * Each client line that matches is held back (with all after it) while that
 * transfer's data bytes go to the server first: a control path slower than the
 * data path, as through a far proxy. The line goes on when the server has
 * closed the data connection after its first bytes (or EOF), or after `graceMs`
 * from the hold, whichever comes first.
 */
export interface HoldCommand {
  command: RegExp;
  graceMs: number;
}

/**
 * How a held line was let go: "closed", the server closed the data connection
 * that had sent it bytes; "fed", bytes went first and the grace ran out; "idle",
 * no byte went first (the client waited for the reply).
 */
export type HoldOutcome = "closed" | "fed" | "idle";

/** Options of {@link startCutProxy}. */
export interface CutProxyOptions {
  /** The server's control port on 127.0.0.1. */
  targetPort: number;
  targetHost?: string;
  /** The one cut to make; none when absent (a counting proxy). */
  cut?: CutOptions;
  /** A control connection to cut at a command (plain control connections only). */
  controlCut?: ControlCut;
  /** Lines held back until their data went first (plain control connections only). */
  holdCommand?: HoldCommand;
}

/** A running proxy. */
export interface CutProxy extends AsyncDisposable {
  host: "127.0.0.1";
  /** Where clients connect instead of the server's control port. */
  port: number;
  /** Control connections accepted so far. */
  controlConnections(): number;
  /** Data connections accepted so far. */
  dataConnections(): number;
  /** The most control connections (sessions) that were open at the same time. */
  mostControlsAtOnce(): number;
  /** Whether the cut has happened (it happens once). */
  cutDone(): boolean;
  /** Whether the control connection was cut (see {@link CutProxyOptions.controlCut}). */
  controlCutDone(): boolean;
  /** The command lines clients sent so far (plain control connections), in order. */
  commands(): string[];
  /** How each held line was let go, in order (see {@link CutProxyOptions.holdCommand}). */
  holds(): HoldOutcome[];
  /** Stops listening and ends every proxied connection. Idempotent, never throws. */
  stop(): Promise<void>;
}

/**
 * Starts the proxy.
 *
 * @example
 * ```ts
 * await using proxy = await startCutProxy({ targetPort: peer.port, cut: { afterBytes: 1 << 20 } });
 * // connect the FTP client to proxy.port; the first data connection ends after 1 MiB
 * ```
 */
export async function startCutProxy(options: CutProxyOptions): Promise<CutProxy> {
  const targetHost = options.targetHost ?? "127.0.0.1";
  const state = new ProxyState(options.cut, options.controlCut, options.holdCommand);
  const server = net.createServer((client) => {
    state.controls++;
    state.openControls++;
    state.mostControls = Math.max(state.mostControls, state.openControls);
    // Gone once the client has sent its FIN ("end"), or its RST ("error": a client that closes
    // a session with replies still unread resets it), as the client counts it: "close" comes a
    // turn later, after a session the client opened meanwhile was already counted.
    let open = true;
    const gone = () => {
      if (open) state.openControls--;
      open = false;
    };
    client.once("end", gone);
    client.once("error", gone);
    client.once("close", gone);
    const upstream = net.connect({ host: targetHost, port: options.targetPort });
    state.track(client, upstream);
    proxyControl(client, upstream, targetHost, state);
  });
  state.servers.add(server);
  await listen(server);
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= state.stop();
  return {
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    controlConnections: () => state.controls,
    dataConnections: () => state.data,
    mostControlsAtOnce: () => state.mostControls,
    cutDone: () => state.cut === "done",
    controlCutDone: () => state.controlCut === "done",
    commands: () => [...state.commands],
    holds: () => [...state.holds],
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Counters, the cut, and every socket and listener (to end them all on stop). */
class ProxyState {
  controls = 0;
  openControls = 0;
  mostControls = 0;
  data = 0;
  cut: CutOptions | "done" | undefined;
  controlCut: ControlCut | "done" | undefined;
  readonly commands: string[] = [];
  readonly holds: HoldOutcome[] = [];
  readonly sockets = new Set<net.Socket>();
  readonly servers = new Set<net.Server>();
  readonly #closed: Promise<void>[] = [];

  constructor(cut?: CutOptions, controlCut?: ControlCut, readonly hold?: HoldCommand) {
    this.cut = cut;
    this.controlCut = controlCut;
  }

  /** The control cut if `line` is where it happens (taken: it happens once). */
  claimControlCut(line: string): ControlCut | undefined {
    const cut = this.controlCut;
    if (cut === undefined || cut === "done" || !cut.command.test(line)) return undefined;
    this.controlCut = "done";
    return cut;
  }

  /** Remembers sockets, and ends each pair together (either side closing closes both). */
  track(a: net.Socket, b: net.Socket): void {
    for (const [s, other] of [[a, b], [b, a]]) {
      this.sockets.add(s);
      this.#closed.push(new Promise((resolve) => s.once("close", () => resolve())));
      s.on("error", () => other.destroy());
      s.once("close", () => {
        this.sockets.delete(s);
        if (other.destroyed) return;
        other.end();
        // A half-open peer that never answers our FIN must not keep the test waiting.
        const timer = setTimeout(() => other.destroy(), 1000);
        other.once("close", () => clearTimeout(timer));
      });
    }
  }

  /** How `nth` may be cut: undefined when it is not a candidate (it is forwarded as is). */
  budgetFor(nth: number): { limit: number; mode: "close" | "reset" } | undefined {
    const cut = this.cut;
    if (cut === undefined || cut === "done") return undefined;
    if (cut.connection !== undefined && cut.connection !== nth) return undefined;
    return { limit: cut.afterBytes, mode: cut.mode ?? "close" };
  }

  /** True for the one connection that gets to make the cut (first to reach its budget). */
  claimCut(): boolean {
    if (this.cut === undefined || this.cut === "done") return false;
    this.cut = "done";
    return true;
  }

  async stop(): Promise<void> {
    const stopped = [...this.servers].map((s) =>
      new Promise<void>((resolve) => s.close(() => resolve()))
    );
    for (const s of this.sockets) s.destroy();
    await Promise.all([...stopped, ...this.#closed]);
  }
}

function proxyControl(
  client: net.Socket,
  upstream: net.Socket,
  targetHost: string,
  state: ProxyState,
): void {
  let authAsked = false;
  let opaque = false;
  // Final replies (not 1xx) the server sent, the greeting being the 0th; each command gets
  // one, so the Nth command's answer is the Nth final reply.
  let commandsSent = 0;
  let finalReplies = -1;
  let cutAtReply: ControlCut & { reply: number } | undefined;
  let cutting = false;
  const cut = (how: ControlCut) => {
    cutting = true;
    void Promise.resolve(how.onCut?.()).finally(() => {
      client.destroy();
      upstream.destroy();
    });
  };
  let partialLine = "";
  // Plain commands are forwarded line by line, each seen whole (see ControlCut), in
  // order: a held line holds all after it.
  let sending = Promise.resolve();
  client.on("data", (chunk: Buffer) => {
    sending = sending.then(() => forwardCommands(chunk)).catch(() => void client.destroy());
  });
  const forwardCommands = async (chunk: Buffer) => {
    if (cutting) return;
    // Commands are plain text until the server's 234 to AUTH; only then TLS bytes.
    if (opaque) {
      upstream.write(chunk);
      return;
    }
    const text = partialLine + chunk.toString("latin1");
    const lines = text.split("\n");
    partialLine = lines.pop()!;
    let forward = "";
    for (const raw of lines) {
      const line = raw.replace(/\r$/, "");
      if (/^AUTH\s/i.test(line)) authAsked = true;
      const controlCut = state.claimControlCut(line);
      if (controlCut?.at === "command") {
        upstream.write(Buffer.from(forward, "latin1"));
        cut(controlCut);
        return;
      }
      state.commands.push(line);
      commandsSent++;
      if (controlCut) cutAtReply = { ...controlCut, reply: commandsSent };
      if (state.hold?.command.test(line)) {
        upstream.write(Buffer.from(forward, "latin1"));
        forward = "";
        state.holds.push(await dataFirst(client, state.hold.graceMs));
        if (cutting) return;
      }
      forward += raw + "\n";
    }
    // An unfinished line waits for its end: the cut must see it whole.
    upstream.write(Buffer.from(forward, "latin1"));
  };
  // Replies are handled strictly in order: a rewritten 227/229 must wait until the
  // proxy's data port listens, and nothing after it may overtake it.
  let pending = "";
  let chain = Promise.resolve();
  upstream.on("data", (chunk: Buffer) => {
    chain = chain.then(async () => {
      if (cutting) return;
      if (opaque) {
        client.write(chunk);
        return;
      }
      pending += chunk.toString("latin1");
      let newline: number;
      while (!opaque && (newline = pending.indexOf("\n")) >= 0) {
        let line = pending.slice(0, newline + 1);
        pending = pending.slice(newline + 1);
        if (/^[2-5]\d\d /.test(line) && ++finalReplies === cutAtReply?.reply) {
          cut(cutAtReply);
          return;
        }
        line = await rewritePassive(line, targetHost, state, client);
        client.write(Buffer.from(line, "latin1"));
        if (authAsked && /^234[ -]/.test(line)) opaque = true;
      }
      if (opaque && pending) {
        client.write(Buffer.from(pending, "latin1"));
        pending = "";
      }
    }).catch(() => {
      client.destroy();
    });
  });
}

/** A 227/229 reply pointing at a data port of the proxy's own, forwarding to the server's. */
async function rewritePassive(
  line: string,
  targetHost: string,
  state: ProxyState,
  control: net.Socket,
): Promise<string> {
  const pasv = line.match(/^227 .*?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/);
  const epsv = line.match(/^229 .*?\(\|\|\|(\d+)\|\)/);
  if (!pasv && !epsv) return line;
  const serverPort = pasv ? Number(pasv[5]) * 256 + Number(pasv[6]) : Number(epsv![1]);
  const serverHost = pasv ? pasv.slice(1, 5).join(".") : targetHost;
  const port = await openDataPort(serverHost, serverPort, state, control);
  return pasv
    ? `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}).\r\n`
    : `229 Entering Extended Passive Mode (|||${port}|).\r\n`;
}

/** Listens until its control connection ends; every connection accepted is forwarded. */
async function openDataPort(
  serverHost: string,
  serverPort: number,
  state: ProxyState,
  control: net.Socket,
): Promise<number> {
  // The transfer a held line belongs to uses the latest data port of its control connection.
  const watch = new DataWatch();
  dataWatches.set(control, watch);
  const listener = net.createServer((client) => {
    const nth = ++state.data;
    const upstream = net.connect({ host: serverHost, port: serverPort });
    state.track(client, upstream);
    watch.accepted(client, upstream);
    const budget = state.budgetFor(nth);
    if (!budget) {
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    let left = budget.limit;
    let spared = false; // another connection made the cut first: forward everything
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk: Buffer) => {
        if (!spared && left <= 0) return;
        if (!spared && chunk.length >= left && !state.claimCut()) spared = true;
        if (spared || chunk.length < left) {
          left -= chunk.length;
          if (!to.write(chunk)) {
            from.pause();
            to.once("drain", () => from.resume());
          }
          return;
        }
        const part = chunk.subarray(0, left);
        left = 0;
        if (budget.mode === "reset") {
          to.write(part, () => cutReset(client, upstream));
        } else {
          // The receiver sees a clean EOF after exactly `afterBytes`; the sender's
          // next write fails (unread data makes the kernel answer with a reset).
          to.end(part);
          from.destroy();
        }
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  state.servers.add(listener);
  closeWithControl(control, listener);
  await listen(listener);
  return (listener.address() as net.AddressInfo).port;
}

/** The first data connection of a data port: whether bytes went first, whether the server closed it. */
class DataWatch {
  #fed!: () => void;
  #closed!: () => void;
  #taken = false;
  /** The client sent a byte or its EOF. */
  readonly fed = new Promise<void>((resolve) => this.#fed = resolve);
  /** The server closed its side after that. */
  readonly closed = new Promise<void>((resolve) => this.#closed = resolve);

  accepted(client: net.Socket, upstream: net.Socket): void {
    if (this.#taken) return;
    this.#taken = true;
    client.once("data", () => this.#fed());
    client.once("end", () => this.#fed());
    const closed = () => void this.fed.then(() => this.#closed());
    upstream.once("end", closed);
    upstream.once("close", closed);
  }
}

/** The latest data port's watch, per control connection. */
const dataWatches = new WeakMap<net.Socket, DataWatch>();

/** Waits until the latest data connection's bytes went first (see {@link HoldCommand}). */
async function dataFirst(control: net.Socket, graceMs: number): Promise<HoldOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<"grace">((resolve) =>
    timer = setTimeout(() => resolve("grace"), graceMs)
  );
  const watch = dataWatches.get(control);
  let fed = false;
  watch?.fed.then(() => fed = true);
  const closed = watch ? watch.closed.then(() => "closed" as const) : grace;
  const how = await Promise.race([closed, grace]).finally(() => clearTimeout(timer));
  return how === "closed" ? "closed" : fed ? "fed" : "idle";
}

/** The data ports each control connection opened, closed with it. */
const dataPorts = new WeakMap<net.Socket, Set<net.Server>>();

/**
 * Closes `listener` when `control` closes, with one "close" listener per
 * control connection (one per data port set off Node's MaxListenersExceeded
 * warning after 10 transfers in a session).
 */
function closeWithControl(control: net.Socket, listener: net.Server): void {
  let ports = dataPorts.get(control);
  if (!ports) {
    const opened = ports = new Set();
    dataPorts.set(control, opened);
    control.once("close", () => opened.forEach((port) => port.close()));
  }
  ports.add(listener);
  listener.once("close", () => ports.delete(listener));
}

function cutReset(a: net.Socket, b: net.Socket): void {
  if (!a.destroyed) a.resetAndDestroy();
  if (!b.destroyed) b.resetAndDestroy();
}
