/**
 * A head start for `ferry get`/`put` of a plain `ftp://` URL: the control
 * connection is opened, and with the URL's user and password the login
 * written, before the rest of the CLI loads. A server spends most of a login
 * checking the password (vsftpd: ~45 ms of yescrypt on loopback), which then
 * overlaps the start-up instead of following it. It runs on `Deno.connect`
 * and imports nothing of the wire client: loading that (Deno's Node layer)
 * takes ~30 ms, which would come before the login. The connection and what
 * was written are handed to the client when it has loaded (`FtpClient.adopt`).
 *
 * Only an argument list whose outcome is known before parsing gets one: the
 * command, its positionals, and flags that change neither the connection, the
 * credentials nor the logging (see {@link headStartUrl}); anything else takes
 * the usual path. `connectFtp` takes the session ({@link HeadStart.take}) and
 * checks it was made as it would make it; one not taken is closed.
 *
 * `sync` and `mirror` with a plain `ftp://` side get one too
 * ({@link startFtpSideHead}): the endpoint's session factory takes the
 * connection (ftp/head_sessions.ts).
 * @module
 */
import type { HeadSession, HeadStart } from "./head_types.ts";
import type * as Wire from "./head_wire.ts";
import type { Reply } from "../ftp/reply_shape.ts";
import { late, pauseLateImports } from "./late.ts";
import { deadline as after } from "../util/timers.ts";
import { type ArgScan, loadQuickModules, quickCommand, scanOf } from "./quick.ts";

export type { HeadSession, HeadStart };

/**
 * The head start's FTP modules (cli/head_wire.ts: ftp/reply.ts, login_lines.ts,
 * head_sessions.ts, errors.ts), imported as its connect leaves, by a specifier
 * Deno cannot read ahead: a command with no `ftp://` URL loads none of them,
 * and an FTP run's connect is not held back by their load.
 */
const WIRE = new URL("./head_wire.ts", import.meta.url).href;

/** A plain `ftp://` URL as the head start reads it. */
interface PlainFtpUrl {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

/**
 * Where a plain `ftp://` URL connects and who it logs in as, read as ftp/url.ts's
 * `parseFtpUrl` reads it, without loading the FTP layer; undefined for anything
 * else or anything that parser refuses (the usual path then says what is wrong).
 */
function plainFtpUrl(text: string): PlainFtpUrl | undefined {
  let url: URL;
  try {
    url = new URL(text);
    if (url.protocol !== "ftp:" || !url.hostname) return undefined;
    if (/[\r\n\0]/.test(decodeURIComponent(url.pathname))) return undefined;
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : 21,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * The `ftp://` URL a `get`/`put` argument list will connect to, when nothing
 * else in it can change how: a list cli/quick.ts takes by hand (its flags
 * touch neither the connection nor the logging, and `--no-netrc` only keeps
 * the URL's credentials), else undefined (the usual path).
 *
 * @example
 * ```ts
 * headStartUrl(["put", "-q", "a.bin", "ftp://u:pw@h/a.bin"]); // "ftp://u:pw@h/a.bin"
 * headStartUrl(["get", "--tls", "require", "ftp://h/a"]);     // undefined
 * ```
 */
export function headStartUrl(args: readonly string[] | ArgScan): string | undefined {
  const quick = quickCommand(args);
  if (!quick) return undefined;
  const url = quick.positionals[quick.name === "get" ? 0 : 1];
  return /^ftp:\/\//i.test(url) ? url : undefined;
}

/** What a scheme's head-start module exports (see workflow/builtin_manifests.ts). */
interface SchemeHeadStart {
  startHead(url: string, options: {
    ca?: string;
    /** Settles when Deno's crypto library has initialised (see plugins/uftp/head.ts). */
    tlsReady?: Promise<unknown>;
    /** The CLI's modules, to load while the auth server answers. */
    preload?: (() => Promise<unknown>)[];
    /** A name under the URL the session may ask MLST of in its login (see plugins/uftp/head.ts). */
    statAhead?: string;
  }): {
    /** When the rest may load without holding the head back. */
    started?: Promise<void>;
    dispose(): Promise<void>;
  };
}

/** What a `get`/`put` of a `uftp://` URL is started ahead with. */
export interface UftpHeadPlan {
  url: string;
  /** Whether the command is `put` (a URL ending in `/` is then the directory). */
  put: boolean;
  /** `--ca FILE`: the auth server's CA, read as the endpoint would read it. */
  caFile?: string;
  /** A put's local file (its name is the target's in a URL ending in `/`). */
  local?: string;
}

/**
 * The `uftp://` URL (and `--ca` file) a `get`/`put` argument list will open,
 * when nothing else in it can change how: what cli/quick.ts takes by hand
 * (a leading `-q`, and `--ca FILE`: the auth server's CA only decides whether
 * its certificate is trusted), else undefined (the usual path).
 *
 * @example
 * ```ts
 * uftpHeadPlan(["get", "--ca", "ca.pem", "uftp://u:pw@h:9000/rest/auth/T:/d/a", "a"]);
 * // { url: "uftp://u:pw@h:9000/rest/auth/T:/d/a", put: false, caFile: "ca.pem" }
 * ```
 */
export function uftpHeadPlan(args: readonly string[] | ArgScan): UftpHeadPlan | undefined {
  const quick = quickCommand(args);
  if (!quick) return undefined;
  const url = quick.positionals[quick.name === "get" ? 0 : 1];
  const caFile = quick.opts.ca as string | undefined;
  if (!/^uftp:\/\//i.test(url)) return undefined;
  return quick.name === "put"
    ? { url, put: true, caFile, local: quick.positionals[0] }
    : { url, put: false, caFile };
}

/**
 * Starts the auth request and the UFTPD login of a `uftp://` get/put (see
 * plugins/uftp/head.ts): the UFTP endpoint takes that session when it would
 * make the same one. Deno's crypto library initialises on first use (~20 ms
 * of CPU: AWS-LC seeding its random generator), and `Deno.startTls` holds the
 * event loop until it has: a throwaway P-256 key, made on a worker thread,
 * starts it at once, and the head loads the session's modules between the
 * TCP connect and the handshake, while that initialisation runs, and the
 * command's (cli/quick.ts, the endpoint registry, the UFTP plugin) while the
 * auth server answers.
 *
 * @example
 * ```ts
 * const head = await startUftpHeadStart({ url: "uftp://u:pw@h:9000/rest/auth/T:/d/a", put: false });
 * ```
 */
export async function startUftpHeadStart(plan: UftpHeadPlan): Promise<HeadStart> {
  const tlsReady = crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  ).catch(() => {});
  let ca: string | undefined;
  try {
    ca = plan.caFile === undefined ? undefined : Deno.readTextFileSync(plan.caFile);
  } catch {
    ca = undefined; // the endpoint reports an unreadable CA file
  }
  const [{ BUILTIN_PLUGINS, headStartModule }, { splitUrlLocation }] = await Promise.all([
    late<typeof import("../workflow/builtin_manifests.ts")>(
      import.meta.url,
      "../workflow/builtin_manifests.ts",
    ),
    // Not location.ts: node:path would bring Deno's Node layer in before the request.
    late<typeof import("./url_location.ts")>(import.meta.url, "./url_location.ts"),
  ]);
  const module = headStartModule("uftp");
  // The plugin's module (plugins/uftp/head.ts), by the URL its manifest names.
  const { startHead: startUftpHead } = module
    ? await import(module) as SchemeHeadStart
    : { startHead: undefined };
  // The endpoint get/put opens: the file's directory (a put to `.../dir/` keeps the local name).
  const intoDir = plan.put && plan.url.endsWith("/");
  let location;
  try {
    location = splitUrlLocation(plan.url);
  } catch {
    // A URL that does not parse: no head start; the usual path says what is wrong.
    return { ...NO_HEAD, url: plan.url };
  }
  const root = intoDir ? plan.url : location.root;
  // Stated in the login's write, with TYPE I (plugins/uftp/head.ts): a get's file, a put's
  // partial: endpoint/atomic.ts partialName's form, written here so that no module more loads
  // before the auth request leaves (keep the two in step).
  const name = intoDir
    ? plan.local?.split(Deno.build.os === "windows" ? /[\\/]/ : "/").pop()
    : location.path;
  const statAhead = !name ? undefined : plan.put ? `.${name}.ferry.part` : name;
  // What the command loads next, in the order it does: cli/quick.ts's modules,
  // the endpoint pool (cli/endpoint.ts), the plugin the registry imports for the scheme.
  const plugin = BUILTIN_PLUGINS.find((p) => p.headStart?.uftp)?.module;
  const preload = [
    loadQuickModules,
    () => late(import.meta.url, "../workflow/endpoints.ts"),
    ...plugin ? [() => import(plugin)] : [],
  ];
  const head = !startUftpHead || (ca === undefined && plan.caFile !== undefined)
    ? undefined
    : startUftpHead(root, { ca, tlsReady, preload, statAhead });
  return {
    url: plan.url,
    // The login's lines have left: the UFTPD works on them while the rest loads.
    started: head?.started ?? Promise.resolve(),
    take: () => undefined, // the UFTP endpoint takes it (plugins/uftp/head.ts)
    dispose: () => head?.dispose() ?? Promise.resolve(),
  };
}

/** A head start that started nothing. */
const NO_HEAD: HeadStart = {
  url: "",
  started: Promise.resolve(),
  take: () => undefined,
  dispose: () => Promise.resolve(),
};

/** A one-off job (`sync`, `mirror`) whose FTP side is opened ahead: the server and who logs in there. */
export interface FtpSideHeadPlan {
  /** The `ftp://` side as given. */
  url: string;
  user: string;
  password: string;
}

/**
 * The plain `ftp://` side of a `ferry sync A B` whose login is known before
 * parsing (see {@link ftpSideHeadPlan}).
 *
 * @example
 * ```ts
 * syncHeadPlan(["sync", "-u", "bob", "--password-env", "PW", "./a", "ftp://h/b"], { PW: "pw" });
 * // { url: "ftp://h/b", user: "bob", password: "pw" }
 * ```
 */
export function syncHeadPlan(
  args: readonly string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): FtpSideHeadPlan | undefined {
  return args[0] === "sync" ? ftpSideHeadPlan(args, env) : undefined;
}

/**
 * The plain `ftp://` side of a `ferry sync A B` or `ferry mirror FROM TO`
 * (the other side a local path) whose login is known before parsing: a user
 * (`-u NAME`, else the URL's) and a password (`--password-env NAME`, else the
 * URL's), and otherwise only flags that change neither the connection nor the
 * login (cli/quick.ts `scanArgs`, the flags marked `head`); else undefined
 * (the usual path). When the credentials come out otherwise, the session
 * factory closes the connection unused (ftp/head_sessions.ts).
 *
 * @example
 * ```ts
 * ftpSideHeadPlan(["mirror", "-q", "--connections", "8", "ftp://bob:pw@h/pub", "./pub"]);
 * // { url: "ftp://bob:pw@h/pub", user: "bob", password: "pw" }
 * ```
 */
export function ftpSideHeadPlan(
  args: readonly string[] | ArgScan,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): FtpSideHeadPlan | undefined {
  const side = scanOf(args).side;
  if (!side) return undefined;
  const { positionals, passwordEnv } = side;
  let user = side.user;
  const urls = positionals.filter((p) => /^ftp:\/\//i.test(p));
  if (
    urls.length !== 1 ||
    positionals.some((p) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !/^ftp:/i.test(p))
  ) {
    return undefined;
  }
  const parsed = plainFtpUrl(urls[0]);
  if (!parsed) return undefined;
  const password = passwordEnv !== undefined ? env(passwordEnv) : parsed.password;
  user ??= parsed.user;
  if (user === undefined || password === undefined) return undefined;
  return { url: urls[0], user, password };
}

/**
 * Connects to the `ftp://` side of a `sync` or `mirror` (see
 * {@link ftpSideHeadPlan}) and, on a server that takes a pipelined login,
 * writes it with the lines the session factory's client would send after it
 * (FEAT, OPTS UTF8; TYPE A and EPSV on vsftpd and ProFTPD, as `epsvAhead`);
 * the endpoint's first session takes the connection (ftp/head_sessions.ts)
 * and reads the replies. One session only: the job's others, on a far
 * server, are opened by its pool as the walk starts (`Endpoint.warm`). Opening
 * them here too was tried: whether the server is far cannot be told here
 * (the welcome's delay is the server's too, and this process is busy loading
 * modules while it comes), and each session too many costs the server a
 * password check (vsftpd: ~0.15 s of CPU).
 *
 * @example
 * ```ts
 * const head = startFtpSideHead({ url: "ftp://127.0.0.1:2121/b", user: "bob", password: "pw" });
 * await head.started;
 * ```
 */
export function startFtpSideHead(plan: FtpSideHeadPlan): HeadStart {
  const parsed = plainFtpUrl(plan.url);
  if (!parsed) {
    // Not a plan ftpSideHeadPlan makes: nothing to start.
    const none = Promise.resolve();
    return { url: plan.url, started: none, take: () => undefined, dispose: () => none };
  }
  const wire = import(WIRE) as Promise<typeof Wire>;
  const opening = (async () => {
    const opened = await openWelcomed(parsed.host, parsed.port, wire);
    if (!opened) return undefined;
    const { conn, welcome } = opened;
    const { pipelinedLoginLines, welcomePipelinesLogin } = await wire;
    const sent = welcomePipelinesLogin(welcome.text)
      ? pipelinedLoginLines(plan.user, plan.password, {
        secure: false,
        level: "P",
        utf8: true,
        // No PWD, as the client's own login (ftp/login.ts): the host's PWD is the
        // first timed round trip (`FtpClient.fastestReplyMs`: far or near).
        portAhead: /vsftpd|ProFTPD/i.test(welcome.text) ? "A" : undefined,
      })
      : [];
    if (!await writeLines(conn, sent)) return undefined;
    return { conn, welcome, sent };
  })();
  // Offered once its module has loaded, which the rest waits for (`started`): the
  // endpoint's session factory looks for it only after loading far more.
  const withdraw = wire.then(({ offerAhead }) =>
    offerAhead(
      { host: parsed.host, port: parsed.port, user: plan.user, password: plan.password },
      opening,
    )
  );
  withdraw.catch(() => {}); // the usual path then connects
  // The rest loads meanwhile, by late imports that Deno runs in one turn of its event
  // loop, the connect's and the welcome's continuations held back (the login went out
  // ~25 ms after the start on loopback). Each late import first gives them a turn:
  // until the login is written, a millisecond at most (a far server's round trips
  // are longer than the whole load).
  const settled = opening.then(() => {}, () => {});
  const resume = pauseLateImports(() => within(settled, 1));
  settled.then(resume);
  return {
    url: plan.url,
    // The offer made (~1 ms, while the connect is under way); nothing more to wait
    // for: the job's walk is far longer than the rest of the load.
    started: withdraw.then(() => {}, () => {}),
    take: () => undefined, // the session factory takes it (endpoint/ftp/session.ts)
    dispose: async () => {
      resume();
      await (await withdraw.catch(() => undefined))?.();
    },
  };
}

/** Settles when `promise` does, or after `ms` (a fulfilled promise either way). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const cancel = after(ms, resolve);
    promise.then(() => {
      cancel();
      resolve();
    });
  });
}

/** The deadline of a connect and of a reply (the client's default). */
const TIMEOUT_MS = 30_000;

/**
 * Starts connecting to `url` and, on a server that takes a pipelined login,
 * writes USER, PASS and FEAT with the URL's user and password.
 *
 * @example
 * ```ts
 * const head = startHead("ftp://u:pw@127.0.0.1:2121/a.bin");
 * await head.started; // then load the rest
 * const session = await head.take("ftp://u:pw@127.0.0.1:2121/a.bin");
 * ```
 */
export function startHead(url: string): HeadStart {
  let wrote!: () => void;
  const written = new Promise<void>((resolve) => wrote = resolve);
  const session = (async (): Promise<HeadSession | undefined> => {
    try {
      const parsed = plainFtpUrl(url);
      if (!parsed) return undefined;
      const wire = import(WIRE) as Promise<typeof Wire>;
      const opened = await openWelcomed(parsed.host, parsed.port, wire);
      if (!opened) return undefined;
      const { conn, welcome } = opened;
      const { user, password } = parsed;
      const ahead = user !== undefined && password !== undefined &&
        (await wire).welcomePipelinesLogin(welcome.text);
      // USER, PASS and FEAT only: OPTS UTF8 then follows as a timed command, the
      // session's first round trip (`fastestReplyMs`: get's segments on a far server).
      const sent = ahead ? [`USER ${user}`, `PASS ${password}`, "FEAT"] : [];
      if (!await writeLines(conn, sent)) return undefined;
      wrote();
      const { FtpClient } = await late<typeof import("../ftp/client.ts")>(
        import.meta.url,
        "../ftp/client.ts",
      );
      const client = FtpClient.adopt(conn, { welcome, sent }, {
        host: parsed.host,
        port: parsed.port,
      });
      if (!ahead) return { client };
      try {
        await client.login(user!, password!);
      } catch (error) {
        client.close();
        throw error;
      }
      return { client, user, password };
    } finally {
      wrote();
    }
  })();
  session.catch(() => {}); // met by the taker, or dropped by dispose
  let taken = false;
  return {
    url,
    started: written,
    take(asked) {
      if (taken || asked !== url) return undefined;
      taken = true;
      return session;
    },
    async dispose() {
      if (taken) return;
      taken = true;
      const made = await session.catch(() => undefined);
      made?.client.close();
    },
  };
}

/**
 * Connects and reads the 220 welcome; undefined when either failed (the usual
 * path explains). The connect leaves at once, the welcome is read once `wire`
 * (the FTP modules) has loaded: the server's welcome takes longer.
 */
async function openWelcomed(
  host: string,
  port: number,
  wire: Promise<typeof Wire>,
): Promise<{ conn: Deno.TcpConn; welcome: Reply } | undefined> {
  const connecting = connect(host, port, wire);
  const { formatHostPort, readWelcome } = await wire;
  const conn = await connecting;
  if (!conn) return undefined;
  const welcome = await readWelcome(conn, formatHostPort(host, port), TIMEOUT_MS);
  return welcome && { conn, welcome };
}

/**
 * The TCP connection, or undefined when it failed (the usual path tries
 * again and explains); rejects after the connect deadline as the client would.
 */
async function connect(
  host: string,
  port: number,
  wire: Promise<typeof Wire>,
): Promise<Deno.TcpConn | undefined> {
  let cancel: (() => void) | undefined;
  const connecting = Deno.connect({ hostname: host, port });
  // util/timers.ts's deadline, not setTimeout: the global one is node:timers', whose
  // first use starts Deno's Node layer (~10 ms of a mirror's start-up, perf). The
  // connect keeps the process alive while it waits.
  const deadline = new Promise<never>((_, reject) => {
    cancel = after(TIMEOUT_MS, () => {
      connecting.then((c) => c.close(), () => {});
      wire.then(
        ({ FtpTimeoutError, formatHostPort }) =>
          reject(new FtpTimeoutError(`timed out connecting to ${formatHostPort(host, port)}`)),
        reject,
      );
    });
  });
  try {
    return await Promise.race([connecting.catch(() => undefined), deadline]);
  } finally {
    cancel?.();
  }
}

/** Writes the lines in one write; false (the connection closed) when that failed. */
async function writeLines(conn: Deno.TcpConn, lines: readonly string[]): Promise<boolean> {
  const bytes = new TextEncoder().encode(lines.map((line) => `${line}\r\n`).join(""));
  try {
    for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
    return true;
  } catch {
    conn.close();
    return false;
  }
}
