/**
 * `FtpEndpoint`: the endpoint contract on an {@link FtpHost}. The endpoint's
 * root is the URL's path (relative to the login directory, as curl reads it,
 * or absolute when written `%2F...`); endpoint paths below it become server
 * paths. Where FTP answers every failure with the same 550, the endpoint looks
 * at the stats to give the contract's precise errors.
 * @module
 */
import { parseFtpUrl, redactUrl } from "../../ftp/url.ts";
import { CommandNotImplementedError, FtpError, FtpPermanentError } from "../../ftp/errors.ts";
import { TlsError } from "../../ftp/tls/errors.ts";
import { logger } from "../../util/log.ts";
import { Precision } from "../types.ts";
import { mtimeNotSet } from "../mtime_warning.ts";
import type {
  Capabilities,
  DirectReadOptions,
  Endpoint,
  MkdirOptions,
  ReadOptions,
  Stat,
  StatOptions,
  WriteOptions,
} from "../types.ts";
import {
  AlreadyExistsError,
  EndpointError,
  InvalidPathError,
  IsADirectoryError,
  NotADirectoryError,
  NotEmptyError,
  NotFoundError,
  PermissionDeniedError,
  SymlinkLoopError,
  UnsupportedError,
} from "../errors.ts";
import { basename, dirname, isInside, joinPath, normalizePath, splitPath } from "../path.ts";
import { openPlannedWrite, planWrite } from "../atomic.ts";
import { FtpHost } from "./host.ts";
import type { OpenOptions } from "./file.ts";
import { limitStream } from "../streams.ts";
import { type EndpointFiles, moveAsideOnto, writeHooks } from "./endpoint_write.ts";
import { type FtpEndpointOptions, hostOptionsFor, shownUrl } from "./endpoint_options.ts";
import { abspath } from "./remote_path.ts";
import type { ReadSource } from "../../util/files.ts";

const log = logger("endpoint", "ftp");

/**
 * The {@link Endpoint} contract over FTP, FTPS (explicit or implicit).
 *
 * @example
 * ```ts
 * const ep = await FtpEndpoint.open("ftpes://bob@ftp.example.org/pub", { credentials: { password: pw }, timeShift: "auto" });
 * for (const st of await ep.list("")) console.log(st.name, st.mtime, st.precision);
 * await ep.close();
 * ```
 */
export class FtpEndpoint implements Endpoint {
  readonly url: string;
  /** The host underneath (stat cache, time shift, walk, ...). */
  readonly host: FtpHost;
  /** The server path of the endpoint root. */
  readonly root: string;
  #capabilities: Capabilities;
  /**
   * What `capabilities()` hands out, frozen and shared: it is asked several
   * times a file on the copy path, and a fresh copy each time was garbage.
   * Keyed by whether the host fell back to LIST and whether its MLSD has
   * shown links (each changes the answer); cleared when `#capabilities` changes.
   */
  #shared?: { list: boolean; links: boolean; caps: Capabilities };
  #lent?: EndpointFiles;

  private constructor(host: FtpHost, root: string, url: string, capabilities: Capabilities) {
    this.host = host;
    this.root = root;
    this.url = url;
    this.#capabilities = capabilities;
  }

  /**
   * Connects to an `ftp://`, `ftpes://` or `ftps://` URL.
   *
   * @example
   * ```ts
   * const ep = await FtpEndpoint.open("ftp://127.0.0.1:2121/", { credentials: { user: "u", password: "p" } });
   * ```
   */
  static async open(url: string | URL, options: FtpEndpointOptions = {}): Promise<FtpEndpoint> {
    const parsed = parseFtpUrl(String(url));
    const { host: hostOptions, connections } = hostOptionsFor(parsed, options);
    const tlsMode = options.tls?.mode ?? "off";
    let host: FtpHost;
    try {
      host = await FtpHost.connect(hostOptions);
    } catch (error) {
      // Only a server that refuses AUTH TLS is tried in the clear; a failed
      // handshake or certificate check is never downgraded.
      const refused = error instanceof FtpError && !(error instanceof TlsError) &&
        error.command === "AUTH TLS";
      if (tlsMode !== "try" || parsed.tls !== "none" || !refused) throw error;
      log.warn("AUTH TLS failed on {url} ({error}); continuing without TLS", {
        url: redactUrl(String(url)),
        error: String(error),
      });
      host = await FtpHost.connect({ ...hostOptions, tls: "none" });
    }
    try {
      const root = parsed.path.startsWith("/")
        ? abspath("/", parsed.path)
        : abspath(host.getcwd(), parsed.path);
      const shown = shownUrl(parsed, hostOptions.user, root);
      return await FtpEndpoint.onHost(host, root, shown, connections);
    } catch (error) {
      await host.close();
      throw error;
    }
  }

  /**
   * An endpoint rooted at `root` on an already connected host.
   *
   * @example
   * ```ts
   * const ep = await FtpEndpoint.onHost(host, "/pub");
   * ```
   */
  static async onHost(
    host: FtpHost,
    root: string,
    url = `ftp://${root}`,
    maxConnections = 4,
    extra: Pick<Capabilities, "resumeOverlap"> = {},
  ): Promise<FtpEndpoint> {
    const features = await host.features();
    const mlsd = await host.usesMlsd();
    const mtime = await host.mtimeMethod();
    const queuedReads = await host.queuesReads();
    // The same distance rule as `ferry get`'s (cli/commands/get_put.ts, LONG_LINK_MS).
    const longLink = await host.fastestReplyMs() >= 5;
    return new FtpEndpoint(host, abspath("/", root), url, {
      setMtime: mtime !== "none",
      chmod: true,
      readOffset: features.has("REST"),
      // One TCP stream per connection is what limits a far server: segments over several.
      rangedReads: features.has("REST"),
      longLink,
      writeOffset: true,
      rename: true,
      // LIST shows links; pyftpdlib's MLSD reports a link as its target, ProFTPD's and
      // Pure-FTPd's show it (see capabilities(): known later on other servers).
      symlinks: !mlsd || host.mlsdShowsLinks(),
      hashes: hashNames(features),
      precision: mlsd ? Precision.seconds : Precision.minutes,
      maxConnections,
      ...(queuedReads ? { queuedReads } : {}),
      ...extra,
    });
  }

  /**
   * What this endpoint can do (see {@link Capabilities}).
   *
   * @example
   * ```ts
   * ep.capabilities().setMtime; // whether mtimes can be set
   * ```
   */
  capabilities(): Capabilities {
    const list = this.host.fellBackToList();
    const links = this.host.mlsdShowsLinks();
    const shared = this.#shared;
    if (shared?.list === list && shared.links === links) return shared.caps;
    const own = this.#capabilities;
    // A server that refused MLSD is listed with LIST since: links show, minutes. A server
    // whose MLSD showed a link shows links.
    const caps = Object.freeze({
      ...own,
      hashes: Object.freeze([...own.hashes]) as string[],
      ...(links ? { symlinks: true } : {}),
      ...(list ? { symlinks: true, precision: Precision.minutes } : {}),
    });
    this.#shared = { list, links, caps };
    return caps;
  }

  /**
   * The entry at a path, links followed; NotFoundError when missing.
   *
   * @example
   * ```ts
   * (await ep.stat("pub/a.txt")).size; // 2
   * ```
   */
  stat(path: string, options: StatOptions = {}): Promise<Stat> {
    return options.fresh ? this.#freshStat(path) : this.#statAs(path, true);
  }

  /**
   * The entry at a path itself (a link is reported as a link).
   *
   * @example
   * ```ts
   * (await ep.lstat("pub/link")).type; // "symlink"
   * ```
   */
  lstat(path: string, options: StatOptions = {}): Promise<Stat> {
    return options.fresh ? this.#freshStat(path) : this.#statAs(path, false);
  }

  /**
   * On a far server (`longLink`), opens and logs in every session the
   * endpoint may have at once (`FtpHost.warm`); near, nothing: there a login
   * costs more than waiting for one.
   *
   * @example
   * ```ts
   * void ep.warm(); // as the job starts
   * ```
   */
  async warm(): Promise<void> {
    if (this.#capabilities.longLink) await this.host.warm();
  }

  /**
   * The entries of a directory (without `.` and `..`).
   *
   * @example
   * ```ts
   * for (const st of await ep.list("pub")) console.log(st.name, st.type, st.size);
   * ```
   */
  async list(path: string): Promise<Stat[]> {
    const p = normalizePath(path);
    return await this.#errorsFor(p, () => this.host.list(this.#remote(p)));
  }

  /**
   * Streams a file's bytes (from `offset` when given).
   *
   * @example
   * ```ts
   * const text = await new Response(await ep.read("pub/a.txt")).text();
   * ```
   */
  async read(path: string, options: ReadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const stream = await this.#reading(
      path,
      options,
      (remote, open) => this.host.open(remote, "r", open),
    );
    // No range in FTP: the transfer is cut (ABOR) after the bytes asked for.
    return options.length === undefined ? stream : limitStream(stream, options.length);
  }

  /**
   * {@link read} without the stream (`Endpoint.readDirect`): the bytes read
   * into the caller's buffer, the session handed back at the end as with a stream.
   *
   * @example
   * ```ts
   * const source = await ep.readDirect("pub/a.bin");
   * for (let n; (n = await source.readInto(buffer)) !== null;) total += n;
   * ```
   */
  readDirect(path: string, options: DirectReadOptions = {}): Promise<ReadSource> {
    // #reading's own promise, not one more around it (a mirror reads every file this way).
    return this.#reading(path, options, (remote, open) => this.host.openSource(remote, open));
  }

  /** A download of `path` opened by `open` (a stream or a source): see {@link read}. */
  async #reading<T>(
    path: string,
    options: ReadOptions,
    open: (remote: string, options: OpenOptions) => Promise<T>,
  ): Promise<T> {
    const p = normalizePath(path);
    options.signal?.throwIfAborted();
    const heard = options.onMtime;
    // Only where listings are coarser than MDTM's second, and the server has MDTM.
    const ask = heard !== undefined && this.capabilities().precision > Precision.seconds &&
      (await this.host.features()).has("MDTM");
    const remote = this.#remote(p);
    // The walk's listing tells the size (no round trip): small files let the next queue behind.
    const cached = this.host.statCache.lookup(remote);
    const size = typeof cached === "object" ? cached.stat.size : undefined;
    try {
      return await open(remote, {
        rest: options.offset || undefined,
        signal: options.signal,
        ...(ask ? { onMdtm: heard } : {}),
        // A read cut short (a segment) ends with ABOR: nothing may queue behind it.
        ...(size !== undefined && options.length === undefined
          ? { expectedSize: size - (options.offset ?? 0) }
          : {}),
      });
    } catch (error) {
      throw await this.#explain(error, p, "file");
    }
  }

  /**
   * Opens a file for writing; it has its bytes once the stream closes.
   *
   * @example
   * ```ts
   * const w = await ep.write("pub/a.txt");
   * await ReadableStream.from([new TextEncoder().encode("hi")]).pipeTo(w);
   * ```
   */
  async write(path: string, options: WriteOptions = {}): Promise<WritableStream<Uint8Array>> {
    const plan = planWrite(path, options);
    await this.#requireDir(dirname(plan.target), plan.target);
    const kind = await this.#errorsFor(
      plan.target,
      () => this.host.probe(this.#remote(plan.target)),
    );
    if (kind === "dir") {
      throw new IsADirectoryError(plan.target);
    }
    return await openPlannedWrite(plan, writeHooks(this.#files(), plan.size), options.signal);
  }

  /**
   * Makes a directory (its parents too with `parents`).
   *
   * @example
   * ```ts
   * await ep.mkdir("pub/new", { parents: true });
   * ```
   */
  async mkdir(path: string, options: MkdirOptions = {}): Promise<void> {
    const p = normalizePath(path);
    if (!options.parents) {
      await this.#requireDir(dirname(p), p);
      if (await this.#maybeLstat(p)) throw new AlreadyExistsError(p);
      await this.#errorsFor(p, () => this.host.mkdir(this.#remote(p)));
      await this.#confirmStored(p);
      return;
    }
    // Only below the endpoint root: the directories above may not be listable.
    let current = "";
    for (const segment of splitPath(p)) {
      current = joinPath(current, segment);
      const stat = await this.#maybeStat(current);
      if (stat?.type === "dir") continue;
      if (stat) throw new AlreadyExistsError(current);
      await this.#errorsFor(current, () => this.host.mkdir(this.#remote(current)));
      await this.#confirmStored(current);
    }
  }

  /**
   * Removes a file or a link.
   *
   * @example
   * ```ts
   * await ep.remove("pub/a.txt");
   * ```
   */
  async remove(path: string): Promise<void> {
    const p = normalizePath(path);
    const stat = await this.#statAs(p, false, { confirmMissing: true });
    if (stat.type === "dir") throw new IsADirectoryError(p);
    await this.#errorsFor(p, () => this.host.remove(this.#remote(p)));
  }

  /**
   * Removes an empty directory.
   *
   * @example
   * ```ts
   * await ep.rmdir("pub/old");
   * ```
   */
  async rmdir(path: string): Promise<void> {
    const p = normalizePath(path);
    if (p === "") throw new PermissionDeniedError(p, { message: "cannot remove the root" });
    const stat = await this.#statAs(p, false, { confirmMissing: true });
    if (stat.type !== "dir") throw new NotADirectoryError(p);
    try {
      await this.host.rmdir(this.#remote(p));
    } catch (error) {
      if (error instanceof FtpPermanentError && (await this.list(p)).length > 0) {
        throw new NotEmptyError(p, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Moves an entry to a new path.
   *
   * @example
   * ```ts
   * await ep.rename("pub/a.tmp", "pub/a.txt");
   * ```
   */
  async rename(from: string, to: string): Promise<void> {
    const f = normalizePath(from);
    const t = normalizePath(to);
    const target = await this.#checkRename(f, t);
    if (target === "same") return;
    await this.#replace(f, t, target === "exists");
  }

  /**
   * {@link rename}, and the moved file gets `mtime`: set on `from` in the same
   * write as RNFR+RNTO (one round trip instead of two: see
   * `FtpHost.renameWithMtime`). Resolves to whether the time was set.
   *
   * @example
   * ```ts
   * await ep.renameWithMtime("pub/.a.txt.ferry.part", "pub/a.txt", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async renameWithMtime(from: string, to: string, mtime: Date): Promise<boolean> {
    const f = normalizePath(from);
    const t = normalizePath(to);
    if (!this.#capabilities.setMtime) {
      await this.rename(f, t);
      return false;
    }
    const target = await this.#checkRename(f, t);
    if (target === "same") {
      return await this.setMtime(t, mtime).then(() => true, (error) => mtimeNotSet(log, t, error));
    }
    return await this.#moveOnto(
      f,
      t,
      target === "exists",
      () => this.host.renameWithMtime(this.#remote(f), this.#remote(t), mtime),
    );
  }

  /**
   * The contract's checks before a rename, from the cache where it knows:
   * whether the target exists (a file), is the source itself, or is free.
   */
  async #checkRename(f: string, t: string): Promise<"exists" | "free" | "same"> {
    if (f === "" || t === "") {
      throw new PermissionDeniedError(f === "" ? f : t, { message: "cannot rename the root" });
    }
    // Not in the cache (a file just written: its listing was dropped): one SIZE or MLST
    // tells, not a new listing of the whole directory.
    const known = this.host.statCache.lookup(this.#remote(f)) !== undefined;
    const source = known
      ? await this.#statAs(f, false, { confirmMissing: true })
      : await this.#freshStat(f);
    await this.#requireDir(dirname(t), t);
    if (f === t) return "same";
    if (source.type === "dir" && isInside(t, f)) {
      throw new InvalidPathError(t, "cannot move a directory into itself");
    }
    const target = await this.#errorsFor(t, () => this.host.probe(this.#remote(t)));
    if (target === "dir") {
      if (source.type !== "dir") throw new IsADirectoryError(t);
      if ((await this.list(t)).length > 0) throw new NotEmptyError(t);
    } else if (target === "other" && source.type === "dir") {
      throw new NotADirectoryError(t);
    }
    return target === "missing" ? "free" : "exists";
  }

  /**
   * The server's hash of a file (sync's checksum comparison uses it), for one
   * of `capabilities().hashes`.
   *
   * @example
   * ```ts
   * await ep.hash("releases/big.iso", "sha-256");
   * ```
   */
  async hash(path: string, algorithm: string, signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const p = normalizePath(path);
    if (!this.#capabilities.hashes.includes(algorithm.toLowerCase())) {
      throw new UnsupportedError(`hash ${algorithm}`, this.url);
    }
    return await this.#errorsFor(p, () => this.host.hash(this.#remote(p), algorithm));
  }

  /**
   * Sets a file's modification time.
   *
   * @example
   * ```ts
   * await ep.setMtime("pub/a.txt", new Date("2026-11-30T08:15:00Z"));
   * ```
   */
  async setMtime(path: string, mtime: Date): Promise<void> {
    if (!this.#capabilities.setMtime) throw new UnsupportedError("setMtime", this.url);
    const p = normalizePath(path);
    try {
      await this.#errorsFor(p, () => this.host.setMtime(this.#remote(p), mtime));
    } catch (error) {
      // Looked up only after a refusal (a round trip per file saved): a missing path says so.
      if (!(error instanceof FtpPermanentError)) throw error;
      this.host.statCache.invalidate(this.#remote(p));
      await this.#statAs(p, true);
      throw error;
    }
  }

  /**
   * Sets permission bits.
   *
   * @example
   * ```ts
   * await ep.chmod("bin/run.sh", 0o755);
   * ```
   */
  async chmod(path: string, mode: number): Promise<void> {
    if (!this.#capabilities.chmod) throw new UnsupportedError("chmod", this.url);
    const p = normalizePath(path);
    await this.#statAs(p, true);
    try {
      await this.host.chmod(this.#remote(p), mode & 0o7777);
    } catch (error) {
      if (!(error instanceof CommandNotImplementedError)) throw error;
      this.#capabilities = { ...this.#capabilities, chmod: false };
      this.#shared = undefined;
      throw new UnsupportedError("chmod", this.url, { cause: error });
    }
  }

  /**
   * Closes the endpoint (its connections); using it afterwards is an error.
   *
   * @example
   * ```ts
   * await ep.close();
   * ```
   */
  close(): Promise<void> {
    return this.host.close();
  }

  #remote(path: string): string {
    return path === "" ? this.root : abspath(this.root, path);
  }

  /**
   * The stat of an endpoint path. Renames and removals pass `confirmMissing`:
   * the cache may call "missing" a file another session has just made, so
   * only the server's word on that is taken.
   */
  async #statAs(
    path: string,
    follow: boolean,
    options: { confirmMissing?: boolean } = {},
  ): Promise<Stat> {
    const p = normalizePath(path);
    const remote = this.#remote(p);
    try {
      const stat = await (follow ? this.host.stat(remote) : this.host.lstat(remote, options));
      return { ...stat, name: basename(p) };
    } catch (error) {
      // The root's parent may not be listable (a home directory under a closed /):
      // the root is then a directory if it can be listed itself.
      if (p === "" && error instanceof FtpPermanentError) {
        await this.#errorsFor(p, () => this.host.list(remote));
        return { name: "", type: "dir", size: 0, precision: Precision.unknown };
      }
      throw retarget(error, p);
    }
  }

  /** SIZE, else MLST, else a new listing: see fresh_stat.ts (links are followed where SIZE is used). */
  async #freshStat(path: string): Promise<Stat> {
    const p = normalizePath(path);
    if (p === "") return await this.#statAs(p, true);
    try {
      return { ...await this.host.freshLstat(this.#remote(p)), name: basename(p) };
    } catch (error) {
      throw retarget(error, p);
    }
  }

  async #maybeStat(path: string): Promise<Stat | undefined> {
    return await this.#statAs(path, true).catch((error) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  }

  async #maybeLstat(path: string): Promise<Stat | undefined> {
    return await this.#statAs(path, false).catch((error) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  }

  /** Throws `NotFoundError(forPath)` unless `dir` is a directory. */
  async #requireDir(dir: string, forPath: string): Promise<void> {
    // The server's `/` is a directory: no round trip to learn it (a put into a UFTP base
    // directory, or into an FTP server's top, asked MLST / before its write and its rename).
    if (this.#remote(normalizePath(dir)) === "/") return;
    const stat = await this.#maybeStat(dir);
    if (!stat) throw new NotFoundError(forPath);
    if (stat.type !== "dir") throw new NotADirectoryError(dir);
  }

  /** Runs a host call; endpoint errors about server paths are renamed to `path`. */
  async #errorsFor<T>(path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw retarget(error, path);
    }
  }

  /** Turns a server refusal into the contract's error when the stats tell why. */
  async #explain(error: unknown, path: string, want: "file" | "dir"): Promise<unknown> {
    if (!(error instanceof FtpPermanentError)) return retarget(error, path);
    this.host.statCache.invalidate(this.#remote(path));
    const stat = await this.#maybeStat(path).catch(() => undefined);
    if (!stat) return new NotFoundError(path, { cause: error });
    if (want === "file" && stat.type === "dir") return new IsADirectoryError(path);
    if (want === "dir" && stat.type !== "dir") return new NotADirectoryError(path);
    return error;
  }

  /** RNFR/RNTO onto `to`, which may exist (see {@link #moveOnto}). */
  async #replace(from: string, to: string, targetExists: boolean): Promise<void> {
    await this.#moveOnto(
      from,
      to,
      targetExists,
      () => this.host.rename(this.#remote(from), this.#remote(to)),
    );
  }

  /**
   * Runs `move` (a rename of `from` onto `to`), moving an old `to` aside where
   * the server refuses to rename onto it (`moveAsideOnto`), then checks the
   * name the server made.
   */
  async #moveOnto<T>(
    from: string,
    to: string,
    targetExists: boolean,
    move: () => Promise<T>,
  ): Promise<T> {
    const result = await this.#errorsFor(
      from,
      () => moveAsideOnto(this.#files(), to, targetExists, move),
    );
    await this.#confirmStored(to);
    return result;
  }

  /** What the endpoint's writes use of it (see ./endpoint_write.ts); made once. */
  #files(): EndpointFiles {
    return this.#lent ??= {
      host: this.host,
      remote: (path) => this.#remote(path),
      freshStat: (path) => this.#freshStat(path),
      replace: (from, to) => this.#replace(from, to, true),
      resumeOverlap: this.#capabilities.resumeOverlap ?? 0,
      setMtime: this.#capabilities.setMtime,
      url: this.url,
    };
  }

  /**
   * A name made with leading or trailing spaces is looked up once made (one
   * round trip, for such names only): Pure-FTPd stores it under another name
   * (those spaces turned into `_`) and says nothing, so a mirror would make it
   * again on every run. That is an error naming the path, not a silent copy.
   */
  async #confirmStored(path: string): Promise<void> {
    if (!/^\s|\s$/.test(basename(path))) return;
    try {
      await this.#freshStat(path);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      throw new InvalidPathError(
        path,
        "the server stored it under another name (Pure-FTPd turns leading and trailing spaces into _)",
      );
    }
  }
}

/** Re-issues a path error of the host (server path) for the endpoint path. */
function retarget(error: unknown, path: string): unknown {
  if (!(error instanceof EndpointError) || error.path === path) return error;
  if (error instanceof NotFoundError) return new NotFoundError(path, { cause: error });
  if (error instanceof NotADirectoryError) return new NotADirectoryError(path, { cause: error });
  if (error instanceof AlreadyExistsError) return new AlreadyExistsError(path, { cause: error });
  if (error instanceof SymlinkLoopError) return new SymlinkLoopError(path);
  return error;
}

function hashNames(features: Map<string, string>): string[] {
  const names = new Set<string>();
  for (const name of (features.get("HASH") ?? "").split(";")) {
    const n = name.replace("*", "").trim().toLowerCase();
    if (n) names.add(n);
  }
  const legacy: Record<string, string> = {
    XMD5: "md5",
    XCRC: "crc32",
    XSHA1: "sha-1",
    XSHA256: "sha-256",
  };
  for (const [command, name] of Object.entries(legacy)) if (features.has(command)) names.add(name);
  return [...names];
}
