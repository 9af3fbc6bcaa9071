/**
 * From listings to stats: which listing command to use (MLSD when offered,
 * else `LIST -a` with its fallback; LIST from then on when the server refuses
 * MLSD on a directory that exists), `lstat` by listing the parent (ftputil's
 * way, which fills the cache for the siblings a walk will ask for next), `stat`
 * by following links without looping, and a stat for `/`, which has no parent.
 * @module
 */
import type { ListEntry } from "../../ftp/listing/types.ts";
import type { Listing } from "../../ftp/listing/index.ts";
import { FtpError, FtpPermanentError } from "../../ftp/errors.ts";
import { StatListingError } from "../../ftp/stat_listing.ts";
import { logger } from "../../util/log.ts";
import { Precision, type SkippedEntry, type Stat, type StatList } from "../types.ts";
import {
  NotADirectoryError,
  NotFoundError,
  PermissionDeniedError,
  SymlinkLoopError,
} from "../errors.ts";
import type { SessionPool } from "./pool.ts";
import type { FtpClient } from "../../ftp/client.ts";
import type { StatCache } from "./stat_cache.ts";
import { linkTarget, remoteBasename, remoteDirname, remoteJoin } from "./remote_path.ts";
import { confirmRead, hasOwnDot, mayBeUnread } from "./unread.ts";
import { cwdTurn } from "../../ftp/cwd_turn.ts";

const log = logger("endpoint", "ftp", "listing");
const maxLinkHops = 40;

/** How listings are fetched. */
export interface ListingChoice {
  /**
   * MLSD when the server offers MLST (`"auto"`, default: LIST from the first
   * refusal on), always (`true`: a refusal is an error), or never.
   */
  useMlsd?: boolean | "auto";
  /** Send `LIST -a` (default true); the client falls back to `LIST` when refused. */
  listHidden?: boolean;
  /**
   * One file is read or written (`ferry get`/`put` over UFTP): a stat the
   * cache does not know is asked with MLST of the path itself where the server
   * has MLST, not read from a listing of its parent (a data connection and
   * every sibling for one name; a 550 still falls back to the listing).
   * Default false: a tree job's listing answers for every sibling.
   */
  oneFile?: boolean;
  /**
   * The server reads LIST's argument as one path, as it is (UFTPD: no `ls`
   * options, no glob): a name with white space or `*?[{` is listed by its
   * path, never from inside (CWD there and back). Default false.
   */
  literalList?: boolean;
  /**
   * Where `LIST -a` would list a directory, list it with `STAT -a <dir>` over
   * the control connection instead (no data connection: lftp's
   * `ftp:use-stat-for-list`) while this server's STAT listings show their
   * directory's "." (default true; see `StatReader.#listDirByStat`). Never
   * instead of MLSD; never for a path with white space or a glob character.
   */
  statList?: boolean;
}

/**
 * A listing entry as a stat; `undefined` for `.`/`..` and MLSD's cdir/pdir.
 *
 * @example
 * ```ts
 * entryToStat({ name: "a", type: "file", size: 3, precision: 60_000, raw: "" });
 * // { name: "a", type: "file", size: 3, precision: 60000, mtime: undefined }
 * ```
 */
export function entryToStat(entry: ListEntry): Stat | undefined {
  if (entry.type === "cdir" || entry.type === "pdir") return undefined;
  if (entry.name === "." || entry.name === "..") return undefined;
  const stat: Stat = {
    name: entry.name,
    type: entry.type,
    size: entry.type === "dir" ? 0 : entry.size ?? 0,
    mtime: entry.mtime,
    precision: entry.mtime ? entry.precision : Precision.unknown,
  };
  if (entry.mode !== undefined) stat.mode = entry.mode;
  if (entry.target !== undefined) stat.target = entry.target;
  if (entry.unique !== undefined) stat.unique = entry.unique;
  return stat;
}

/**
 * A listing's entries as stats, without `.`/`..` and the `cdir`/`pdir`
 * entries; lines no parser read and entries with unsafe names (`..` or `.` as
 * a file, `/`, NUL, CR/LF: a server's, or an attacker's) are left out, each
 * with a warning naming `dir` and the line, and listed in `skipped`.
 *
 * @example
 * ```ts
 * const stats = listingToStats([{ name: "a/b", type: "file", precision: 1000, raw: "type=file; a/b" }], "/pub");
 * stats.length;            // 0
 * stats.skipped?.[0].line; // "type=file; a/b"
 * ```
 */
export function listingToStats(entries: Listing, dir: string): StatList {
  const skipped: SkippedEntry[] = (entries.skipped ?? []).map((s) => ({
    line: s.line,
    reason: s.reason,
  }));
  const stats: StatList = [];
  for (const entry of entries) {
    const dotDir = (entry.name === "." || entry.name === "..") &&
      (entry.type === "dir" || entry.type === "cdir" || entry.type === "pdir");
    if (!dotDir && !isSafeName(entry.name)) {
      const line = entry.raw || entry.name;
      log.warn("skipping an entry of {dir} with an unsafe name: {line}", {
        dir,
        line: JSON.stringify(line),
      });
      skipped.push({ line, reason: `unsafe name ${JSON.stringify(entry.name)}` });
      continue;
    }
    const stat = entryToStat(entry);
    if (stat !== undefined) stats.push(stat);
  }
  for (const s of entries.skipped ?? []) {
    log.warn("{dir}: listing line {n} skipped (no parser reads it): {line}", {
      dir,
      n: s.lineNumber,
      line: JSON.stringify(s.line),
    });
  }
  if (skipped.length > 0) stats.skipped = skipped;
  return stats;
}

/** A name that can be one path segment anywhere: not `.`/`..`, no `/`, NUL, CR or LF. */
function isSafeName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\0\r\n]/.test(name);
}

/**
 * Whether an error to MLSD/MLST is a refusal of the command itself rather than
 * of the path: 500/502/504 always; 550 only if the path exists and LIST works
 * there (the caller checks), since 550 also means "no such directory".
 *
 * @example
 * ```ts
 * const reply = { code: 550, lines: ["550 Unable to handle command"], text: "Unable to handle command" };
 * mlsdRefusal(new FtpPermanentError("550 Unable to handle command", { reply })); // "if-path-exists"
 * mlsdRefusal(new Error("connection reset"));                                    // undefined
 * ```
 */
export function mlsdRefusal(error: unknown): "refused" | "if-path-exists" | undefined {
  if (!(error instanceof FtpPermanentError)) return undefined;
  if (error.ftpCode === 500 || error.ftpCode === 502 || error.ftpCode === 504) return "refused";
  return error.ftpCode === 550 ? "if-path-exists" : undefined;
}

/**
 * Listing and stat logic over a session pool and a stat cache.
 *
 * @example
 * ```ts
 * const reader = new StatReader(pool, cache, { useMlsd: "auto" });
 * const entries = await reader.list("/pub");
 * const st = await reader.stat("/pub/latest"); // follows the link
 * ```
 */
export class StatReader {
  readonly #pool: SessionPool;
  readonly #cache: StatCache;
  readonly #choice: Required<Omit<ListingChoice, "oneFile">>;
  readonly #oneFile: boolean;
  #features?: Promise<Map<string, string>>;
  /** Set when the server refused MLSD/MLST: LIST from then on. */
  #mlsdRefused = false;
  /**
   * Whether this server's MLSD shows a link as a link (`OS.unix=symlink` or
   * `slink`): known from its welcome, or from the first link one showed.
   */
  #mlsdShowsLinks: boolean;
  /** LISTs under way for the targets of links an MLSD named without them, by directory. */
  readonly #targetLists = new Map<string, Promise<Map<string, string>>>();
  /**
   * Links (as listed) whose directory's LIST did not tell their target
   * either: not asked again until a new listing brings new stats.
   */
  readonly #untold = new WeakSet<Stat>();
  /** Set once a `LIST -a` showed its directory's "." (see ./unread.ts). */
  #dotShown = false;
  /**
   * Listings by STAT (`ListingChoice.statList`): tried while undefined,
   * the final line of the first one taken once a STAT listing showed its
   * ".", false once this server's STAT proved unfit (LIST from then on).
   */
  #statEnd: string | false | undefined;
  /** The STAT listing under way while STAT is not proved yet (see {@link #listDir}). */
  #statProving?: Promise<void>;

  constructor(
    pool: SessionPool,
    cache: StatCache,
    choice: ListingChoice = {},
    mlsdShowsLinks = false,
  ) {
    this.#mlsdShowsLinks = mlsdShowsLinks;
    this.#pool = pool;
    this.#cache = cache;
    this.#choice = {
      useMlsd: choice.useMlsd ?? "auto",
      listHidden: choice.listHidden ?? true,
      literalList: choice.literalList ?? false,
      statList: choice.statList ?? true,
    };
    if (!this.#choice.statList || this.#choice.literalList) this.#statEnd = false;
    this.#oneFile = choice.oneFile ?? false;
  }

  /**
   * The server's FEAT, asked once.
   *
   * @example
   * ```ts
   * (await reader.features()).has("MFMT");
   * ```
   */
  features(): Promise<Map<string, string>> {
    return this.#features ??= this.#pool.withMain((c) => c.features(), { retry: true })
      .catch((error) => {
        this.#features = undefined;
        throw error;
      });
  }

  /**
   * Whether listings use MLSD.
   *
   * @example
   * ```ts
   * await reader.usesMlsd();
   * ```
   */
  async usesMlsd(): Promise<boolean> {
    const use = this.#choice.useMlsd;
    if (use !== "auto") return use;
    return !this.#mlsdRefused && (await this.features()).has("MLST");
  }

  /**
   * Whether the server refused MLSD and listings use LIST now (see {@link mlsdRefused}).
   *
   * @example
   * ```ts
   * reader.fellBackToList; // true after ProFTPD's "550 Unable to handle command" to MLSD
   * ```
   */
  get fellBackToList(): boolean {
    return this.#mlsdRefused;
  }

  /**
   * Whether this server's MLSD shows a link as a link: known from its welcome
   * (ProFTPD, Pure-FTPd), or since the first MLSD that showed one.
   *
   * @example
   * ```ts
   * reader.mlsdShowsLinks; // true on ProFTPD
   * ```
   */
  get mlsdShowsLinks(): boolean {
    return this.#mlsdShowsLinks;
  }

  /**
   * Called with an error to MLSD or MLST on `path`: when it is a refusal of
   * the command, listings use LIST from now on, said once in the log, and
   * true is returned. A 550 counts only when `listWorksThere` says the path
   * exists and LIST works on it (a 550 for a missing path, or for a directory
   * the user may not read, fails both). Under `useMlsd: true` nothing changes.
   *
   * @example
   * ```ts
   * if (await reader.mlsdRefused(error, "/pub", () => listWorks("/pub"))) entries = await reader.list("/pub");
   * ```
   */
  async mlsdRefused(
    error: unknown,
    path: string,
    listWorksThere: () => Promise<boolean>,
  ): Promise<boolean> {
    if (this.#choice.useMlsd !== "auto") return false;
    const kind = mlsdRefusal(error);
    if (kind === undefined || (kind === "if-path-exists" && !(await listWorksThere()))) {
      return false;
    }
    if (!this.#mlsdRefused) {
      this.#mlsdRefused = true;
      log.warn(
        "the server refused {command} on {path}, which exists ({reply}): listing with LIST " +
          "from now on (useMlsd: false, or --no-mlsd, skips MLSD from the start)",
        {
          command: (error as FtpPermanentError).command?.split(" ")[0] ?? "MLSD",
          path,
          reply: (error as FtpPermanentError).message,
        },
      );
    }
    return true;
  }

  /**
   * The entries of an absolute directory path (cached; `fresh` asks the server
   * even when a listing is cached). Throws `NotFoundError` or
   * `NotADirectoryError`, or the server's error (e.g. permission).
   *
   * @example
   * ```ts
   * for (const st of await reader.list("/pub")) console.log(st.name);
   * ```
   */
  async list(dir: string, options: { fresh?: boolean } = {}): Promise<StatList> {
    const cached = options.fresh ? undefined : this.#cache.getListing(dir);
    if (cached) return cached;
    // Taken before the listing is asked for: a change that completes while the
    // listing is under way keeps it out of the cache (the server may have
    // taken it before the change).
    const ticket = this.#cache.begin();
    const mlsd = await this.usesMlsd();
    const first = mlsd ? undefined : await this.#listFirst(dir);
    // LIST of a file lists the file itself, and of a link may list the link:
    // check (unless the listing proved a directory) and list the place the links lead to.
    const where = mlsd || dir === "/" || (first && hasOwnDot(first))
      ? dir
      : await this.#directoryTarget(dir);
    let entries: Listing;
    try {
      entries = first && where === dir ? first : await this.#pool.withListing(
        (c) => mlsd ? c.mlsd(where) : this.#listDir(c, where, true),
      );
    } catch (error) {
      if (mlsd && await this.mlsdRefused(error, dir, () => this.#listWorksIn(dir))) {
        return await this.list(dir, options);
      }
      // A directory that is there but refused (pyftpdlib's "550 Permission denied." to
      // LIST, MLSD's 550 on ProFTPD and Pure-FTPd) is one its user may not read.
      if (error instanceof FtpPermanentError && dir !== "/") {
        await this.#directoryTarget(dir); // throws the precise error when there is one
        throw new PermissionDeniedError(dir, {
          message: `permission denied: cannot read directory ${dir} (${error.message})`,
          cause: error,
        });
      }
      throw error;
    }
    if (!mlsd) await this.#checkRead(entries, where);
    const stats = listingToStats(entries, dir);
    if (mlsd && !this.#mlsdShowsLinks) this.#mlsdShowsLinks = stats.some(isLink);
    // An incomplete listing is not cached: the next look asks the server again.
    if (stats.skipped === undefined) this.#cache.setListing(dir, stats, ticket);
    return stats;
  }

  /**
   * A listing that shows symlinks as symlinks, for removals: LIST even where
   * MLSD is used, because some servers' MLSD (pyftpdlib's) reports a link as
   * its target, and removing "a directory" that is a link would empty the
   * target. Not cached (its precision differs from the cached listings').
   * A fresh MLSD where the server's MLSD shows links as links (ProFTPD,
   * Pure-FTPd): ProFTPD's LIST leaves out a link to `..` or `.`, and the
   * directory holding one could never be emptied.
   *
   * @example
   * ```ts
   * for (const st of await reader.listShowingLinks("/tmp/old")) console.log(st.type);
   * ```
   */
  async listShowingLinks(dir: string): Promise<StatList> {
    if (!(await this.usesMlsd())) return await this.list(dir);
    if (this.#mlsdShowsLinks) return await this.list(dir, { fresh: true });
    const entries = await this.#pool.withMain(
      (c) => this.#listDir(c, dir),
      { retry: true },
    );
    return listingToStats(entries, dir);
  }

  /**
   * The stat of an absolute path without following a final symlink. With
   * `confirmMissing`, a path the cache calls missing is looked up on the
   * server before `NotFoundError` is thrown (renames and removals decide
   * nothing from the cache's "missing" alone).
   *
   * @example
   * ```ts
   * (await reader.lstat("/pub/latest")).type; // "symlink"
   * ```
   */
  async lstat(path: string, options: { confirmMissing?: boolean } = {}): Promise<Stat> {
    const stat = await this.#lstatListed(path, options);
    return targetUnknown(stat) && !this.#untold.has(stat)
      ? await this.#withTarget(path, stat)
      : stat;
  }

  /** {@link lstat} as the listing (or MLST) has it: a link maybe without its target. */
  async #lstatListed(path: string, options: { confirmMissing?: boolean }): Promise<Stat> {
    if (path === "/") return await this.rootStat();
    const hit = this.#cache.lookup(path);
    if (hit === "missing" && !options.confirmMissing) throw new NotFoundError(path);
    if (hit && hit !== "missing") return hit.stat;
    if (hit === undefined && this.#oneFile) {
      const stat = await this.#mlstStat(path);
      if (stat) return stat;
    }
    const parent = remoteDirname(path);
    let siblings: Stat[];
    try {
      siblings = await this.list(parent, { fresh: hit === "missing" });
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NotADirectoryError) {
        throw new NotFoundError(path, { cause: error });
      }
      throw error;
    }
    const name = remoteBasename(path);
    const stat = siblings.find((s) => s.name === name);
    if (!stat) throw new NotFoundError(path);
    return stat;
  }

  /**
   * The stat MLST gives for one path (cached), or undefined when it cannot
   * tell: no MLST, a refusal (550: missing, or not visible to MLST), an entry
   * that is no file, directory or link.
   */
  async #mlstStat(path: string): Promise<Stat | undefined> {
    if (this.#mlsdRefused || !(await this.features()).has("MLST")) return undefined;
    const ticket = this.#cache.begin();
    try {
      const entry = await this.#pool.withCommand((c) => c.mlst(path), { retry: true });
      const stat = entryToStat({ ...entry, name: remoteBasename(path) });
      if (stat) this.#cache.setStat(path, stat, ticket);
      return stat;
    } catch (error) {
      if (error instanceof FtpPermanentError) return undefined;
      throw error;
    }
  }

  /**
   * The stat of an absolute path, following symlinks (the name stays the
   * one asked for). Throws `SymlinkLoopError` for circles.
   *
   * @example
   * ```ts
   * (await reader.stat("/pub/latest")).type; // "file"
   * ```
   */
  async stat(path: string): Promise<Stat> {
    const { stat } = await this.#follow(path);
    return { ...stat, name: remoteBasename(path) };
  }

  /**
   * Where a path leads after following every symlink in its last segment.
   *
   * @example
   * ```ts
   * await reader.realpath("/pub/latest"); // "/pub/v2.tar.gz"
   * ```
   */
  async realpath(path: string): Promise<string> {
    return (await this.#follow(path)).path;
  }

  /**
   * The root's stat: MLST when offered (it has a real mtime), else a plain
   * directory stat, since `/` has no parent to list.
   *
   * @example
   * ```ts
   * (await reader.rootStat()).type; // "dir"
   * ```
   */
  async rootStat(): Promise<Stat> {
    if (!this.#mlsdRefused && (await this.features()).has("MLST")) {
      try {
        const entry = await this.#pool.withMain((c) => c.mlst("/"), { retry: true });
        const stat = entryToStat({ ...entry, type: "dir", name: "x" });
        if (stat) return { ...stat, name: "" };
      } catch (error) {
        if (!(error instanceof FtpPermanentError)) throw error;
        // A 550 here may be the chroot's: only MLSD's own answer decides then.
        await this.mlsdRefused(error, "/", () => Promise.resolve(false));
      }
    }
    return { name: "", type: "dir", size: 0, precision: Precision.unknown };
  }

  async #follow(path: string): Promise<{ path: string; stat: Stat }> {
    const seen = new Set<string>();
    let current = path;
    for (let hops = 0;; hops++) {
      const stat = await this.lstat(current);
      if (stat.type !== "symlink") return { path: current, stat };
      let next: string;
      if (stat.target === undefined) {
        // Some MLSD servers name a link without its target: ask the server.
        const probed = await this.#probeLink(current, stat);
        if (probed.real === undefined) return { path: current, stat: probed.stat };
        next = probed.real;
      } else next = linkTarget(current, stat.target);
      if (hops >= maxLinkHops || seen.has(next)) throw new SymlinkLoopError(path);
      seen.add(next);
      current = next;
    }
  }

  /**
   * A link an MLSD named without its target (ProFTPD's default
   * `OS.unix=symlink`, Pure-FTPd's `OS.unix=slink:`) with the target a LIST of
   * its directory tells (`name -> target`), remembered for the path: copying a
   * link as a link needs it, and following one must reach the file, not take
   * the link's own size. Asked only here (an lstat of the link, a stat through
   * it), never for a listing: a walk that skips links lists no more than before.
   * The link as it was when LIST leaves it out (ProFTPD's links to `.` and
   * `..`) or is refused: following it then probes the server (`#probeLink`).
   */
  async #withTarget(path: string, link: Stat): Promise<Stat> {
    if (!(await this.usesMlsd())) return link;
    const dir = remoteDirname(path);
    const ticket = this.#cache.begin();
    let listed = this.#targetLists.get(dir);
    if (!listed) {
      // One LIST for the links of a directory looked at together (a walk's, a jail's).
      listed = this.#listedTargets(dir).finally(() => this.#targetLists.delete(dir));
      this.#targetLists.set(dir, listed);
    }
    const targets = await listed;
    // The other links of the directory are remembered with theirs: a walk asks them next.
    for (const s of this.#cache.getListing(dir) ?? []) {
      if (!targetUnknown(s)) continue;
      const target = targets.get(s.name);
      if (target === undefined) this.#untold.add(s);
      else this.#cache.setStat(remoteJoin(dir, s.name), { ...s, target }, ticket);
    }
    const target = targets.get(link.name);
    if (target === undefined) {
      this.#untold.add(link);
      return link;
    }
    const told = { ...link, target };
    this.#cache.setStat(path, told, ticket);
    return told;
  }

  /** The targets of the links a LIST of `dir` shows, by name (none when LIST is refused). */
  async #listedTargets(dir: string): Promise<Map<string, string>> {
    const targets = new Map<string, string>();
    let listed: StatList;
    try {
      listed = listingToStats(await this.#pool.withListing((c) => this.#listDir(c, dir)), dir);
    } catch (error) {
      if (error instanceof FtpPermanentError) return targets;
      throw error;
    }
    for (const l of listed) if (l.type === "symlink" && l.target) targets.set(l.name, l.target);
    return targets;
  }

  /**
   * A link without a known target: a directory if CWD into it works, else a
   * file. Where the server's PWD then names the directory it led to
   * (Pure-FTPd's does), that is where the link leads (`real`): a walk must
   * know `up -> ..` for its parent, and Pure-FTPd's `unique` is the link's own.
   */
  async #probeLink(path: string, link: Stat): Promise<{ stat: Stat; real?: string }> {
    const refused = (error: unknown) => {
      if (error instanceof FtpPermanentError) return undefined;
      throw error;
    };
    // It moves the session's CWD (and back): in its turn (../../ftp/cwd_turn.ts).
    const { real, size } = await this.#pool.withMain((c) =>
      cwdTurn(c, async () => {
        const back = await c.pwd();
        try {
          await c.cwd(path);
          const where = await c.pwd();
          await c.cwd(back);
          return { real: where };
        } catch (error) {
          refused(error);
        }
        // A file: SIZE follows the link (the listing's size is the link's own, its target's
        // length). Without SIZE, the link's own stands.
        return { size: await c.size(path).catch(refused) };
      })
    );
    if (real === undefined) {
      return { stat: { ...link, type: "file", size: size ?? link.size, target: undefined } };
    }
    const stat: Stat = { ...link, type: "dir", target: undefined };
    return real === path || !real.startsWith("/") ? { stat } : { stat, real };
  }

  /**
   * LIST of a directory. A path with whitespace is listed from inside it (CWD,
   * LIST, CWD back), as ftputil does: Pure-FTPd reads `LIST -a /a/c d` as
   * two arguments and lists `/a/c` and `d`. So is a path with a glob
   * character (`*?[{`): ProFTPD and Pure-FTPd read LIST's argument as a
   * pattern, so `LIST -a /b*` lists `/b*` and `/bar` together and
   * `LIST -a /a[1]` lists `/a1` (measured 2026-12-07); CWD takes the name as it is.
   * `byStat`: a directory's listing of its own (not the LIST that MLSD's links
   * and removals ask for): by STAT where {@link #statWanted} says so.
   */
  async #listDir(c: FtpClient, dir: string, byStat = false): Promise<Listing> {
    if (!byStat) return await this.#listDirByList(c, dir);
    // Until this server's STAT has proved fit or unfit, one STAT at a time: the others
    // wait for its verdict (a server that refuses STAT is asked once, not once per
    // listing the walk asks for at the same time).
    while (this.#statProving && this.#statWanted(dir)) await this.#statProving;
    if (!this.#statWanted(dir)) return await this.#listDirByList(c, dir);
    if (this.#statEnd !== undefined) return await this.#listDirByStat(c, dir);
    const attempt = this.#listDirByStat(c, dir);
    const proving = attempt.then(() => {}, () => {});
    this.#statProving = proving;
    proving.then(() => {
      if (this.#statProving === proving) this.#statProving = undefined;
    });
    return await attempt;
  }

  /**
   * Whether `dir` is listed with STAT: `LIST -a` is what it would be listed
   * with, the path is a plain one (vsftpd and ProFTPD read `*?[` in STAT's
   * argument as a glob, Pure-FTPd splits it at white space: measured
   * 2026-12-07) and this server's STAT has not proved unfit.
   */
  #statWanted(dir: string): boolean {
    return this.#statEnd !== false && this.#choice.listHidden && !fromInside(dir);
  }

  /**
   * `STAT -a dir`, taken only when it shows the directory's own "." (which
   * only a listing of a readable directory holds on the servers whose STAT
   * shows it: the check of ./unread.ts). Anything else and `dir` is listed
   * with LIST as before, never from STAT's answer: a refusal (ProFTPD's 450
   * for a missing path, pyftpdlib's 550 to `-a`), a listing without "."
   * (a missing, unreadable or empty-looking directory, a file, Pure-FTPd
   * without `-a`, pyftpdlib), or a reply not taken as a listing at all
   * (`StatListingError`: on a session closed for it, the caller's retry
   * lists on a new one). STAT is given up for this server (LIST from then
   * on) at once for a reply not taken as a listing or "not implemented", and
   * otherwise when the LIST shows the directory readable: its STAT does not
   * list what its LIST does.
   */
  async #listDirByStat(c: FtpClient, dir: string): Promise<Listing> {
    let why: string;
    try {
      const end = typeof this.#statEnd === "string" ? this.#statEnd : undefined;
      const listing = await c.statList(dir, { hidden: true, end });
      if (hasOwnDot(listing)) {
        if (this.#statEnd === undefined && listing.end !== undefined) {
          this.#statEnd = listing.end;
          log.debug("{dir} listed with STAT (no data connection) from now on", { dir });
        }
        return listing;
      }
      why = `its STAT showed no "." (${listing.length} entries)`;
    } catch (error) {
      if (error instanceof StatListingError && error.fault !== "truncated") {
        this.#statUnfit(dir, error.message);
        if (error.sessionClosed) throw error;
        why = error.message;
      } else if (error instanceof FtpError && (error.ftpCode ?? 0) >= 400) {
        if (mlsdRefusal(error) === "refused") this.#statUnfit(dir, error.message);
        why = error.message;
      } else if (error instanceof StatListingError) why = error.message;
      else throw error;
    }
    const listing = await this.#listDirByList(c, dir);
    if (this.#statEnd !== false && listsReadableDir(listing, dir)) {
      this.#statUnfit(dir, `${why}, its LIST showed it readable`);
    }
    return listing;
  }

  /** Gives STAT listings up for this server (said once in the log). */
  #statUnfit(dir: string, why: string): void {
    if (this.#statEnd === false) return;
    this.#statEnd = false;
    log.info("listing with LIST from now on, not STAT: {dir}: {why}", { dir, why });
  }

  /** LIST of a directory, as {@link #listDir} describes. */
  #listDirByList(c: FtpClient, dir: string): Promise<Listing> {
    const hidden = this.#choice.listHidden;
    if (!this.#fromInside(dir)) return c.list(dir, { hidden });
    return cwdTurn(c, async () => {
      const back = await c.pwd();
      await c.cwd(dir);
      return await this.#listHere(c, back);
    });
  }

  /** Whether LIST must list `dir` from inside it: see {@link fromInside} and `literalList`. */
  #fromInside(dir: string): boolean {
    return !this.#choice.literalList && fromInside(dir);
  }

  /** LIST of the session's directory, then CWD `back`; in a CWD turn. */
  async #listHere(c: FtpClient, back: string): Promise<Listing> {
    try {
      return await c.list("", { hidden: this.#choice.listHidden });
    } finally {
      await c.cwd(back);
    }
  }

  /**
   * Whether `dir` is a directory (CWD into it works; the session's directory
   * is put back after) that LIST can list: its listing shows its "." or some
   * entry other than itself. An empty LIST is what ProFTPD and Pure-FTPd send
   * for a directory of mode 0111, whose MLSD they refuse (550): no proof
   * that MLSD is the one refused. One CWD turn for both (a listing from
   * inside is made while the session is there).
   */
  #listWorksIn(dir: string): Promise<boolean> {
    return this.#pool.withMain((c) =>
      cwdTurn(c, async () => {
        try {
          const back = await c.pwd();
          await c.cwd(dir);
          let entries: Listing;
          if (this.#fromInside(dir)) entries = await this.#listHere(c, back);
          else {
            await c.cwd(back);
            entries = await c.list(dir, { hidden: this.#choice.listHidden });
          }
          if (entries.listedAll && hasOwnDot(entries)) this.#dotShown = true;
          return !mayBeUnread(entries, dir, false);
        } catch (error) {
          if (error instanceof FtpPermanentError) return false;
          throw error;
        }
      })
    );
  }

  /**
   * The LIST of `dir` taken before its check, for a path whose parent is not
   * listed yet (a walk's root), where the check costs a listing of the parent:
   * one more data connection before the walk starts. A listing holding "."
   * (`hasOwnDot`) is a directory's and needs no check; otherwise the check
   * runs as before and this listing stands when it finds `dir` a directory (no
   * link), so servers that show no "." (Pure-FTPd, pyftpdlib) list no more than
   * before. Undefined (the usual way then) for a refusal, whose words the check
   * gives, and for paths other than plain ones: vsftpd reads `*?[` in LIST's
   * argument as a glob, and `/d/*` would list `/d`, its "." included.
   */
  async #listFirst(dir: string): Promise<Listing | undefined> {
    if (
      dir === "/" || !this.#choice.listHidden || !/^[\w./-]+$/.test(dir) ||
      this.#cache.lookup(dir) !== undefined
    ) return undefined;
    try {
      return await this.#pool.withListing((c) => this.#listDir(c, dir, true));
    } catch (error) {
      if (error instanceof FtpPermanentError) return undefined;
      throw error;
    }
  }

  /**
   * A LIST that may be a server's answer for a directory it cannot read
   * (see ./unread.ts) is checked; `PermissionDeniedError` when it is one.
   */
  async #checkRead(entries: Listing, dir: string): Promise<void> {
    if (entries.listedAll && hasOwnDot(entries)) this.#dotShown = true;
    if (!mayBeUnread(entries, dir, this.#dotShown)) return;
    const dotShown = this.#dotShown;
    await this.#pool.withMain((c) => confirmRead(c, entries, dir, dotShown), { retry: true });
  }

  /** The path a directory path leads to; throws when it is missing or not a directory. */
  async #directoryTarget(dir: string): Promise<string> {
    const { path, stat } = await this.#follow(dir);
    if (stat.type !== "dir") throw new NotADirectoryError(dir);
    return path;
  }
}

/**
 * Whether LIST must list `dir` from inside it (see `StatReader.#listDir`):
 * white space, or a glob character.
 */
function fromInside(dir: string): boolean {
  return /[\s*?[{]/.test(dir);
}

/**
 * Whether a LIST of `dir` is a readable directory's: its own "." shown, or
 * entries that are neither what a server lists for a directory it cannot read
 * (./unread.ts) nor a file's own line (LIST of a file path lists the file).
 */
function listsReadableDir(listing: Listing, dir: string): boolean {
  if (hasOwnDot(listing)) return true;
  if (mayBeUnread(listing, dir, false)) return false;
  const named = listing.filter((e) => e.name !== "." && e.name !== "..");
  return !(named.length === 1 && named[0].type !== "dir" && named[0].name === remoteBasename(dir));
}

function isLink(stat: Stat): boolean {
  return stat.type === "symlink";
}

function targetUnknown(stat: Stat): boolean {
  return stat.type === "symlink" && stat.target === undefined;
}
