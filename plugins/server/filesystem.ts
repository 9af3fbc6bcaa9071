/**
 * A user's view of an endpoint: virtual paths rooted at the home, confined to
 * it. Lexical escapes are impossible (paths.ts); symlinks are resolved here,
 * component by component with `lstat`, and any link that leaves the home (an
 * absolute target, or `..` above the home) is refused. The endpoint then gets
 * a path without symlinks in it.
 *
 * This is check-then-use: a local process that swaps a directory for a
 * symlink between the check and the endpoint's open is not caught (Deno has
 * no openat/O_NOFOLLOW confinement). docs/SERVER.md says how that is bounded.
 * @module
 */
import type { DirectSink, Endpoint, ReadSource, Stat, WriteOptions } from "../../plugin.ts";
import { errorCode, JailError, ReplyError } from "./errors.ts";
import { joinRelative, splitPath } from "./paths.ts";

/** One listed entry: the (followed) stat under the entry's own name. */
export interface ListedEntry {
  name: string;
  stat: Stat;
  /** Set for symlinks: the raw target, and whether it stays inside the home. */
  link?: { target: string; inside: boolean };
}

const MAX_HOPS = 40;

/**
 * A walk's state: links followed so far, the last entry found missing, and
 * the last entry found that is no link (its lstat is its stat).
 */
interface Hops {
  n: number;
  missing?: { real: string; error: unknown };
  found?: { real: string; stat: Stat };
}

/**
 * A walk's answer below an entry its lstat did not find (`e`): the path as
 * it is from there (no links to follow below a missing entry), the miss
 * noted in `hops`. Any other failure is thrown.
 */
function lexicalRest(
  e: unknown,
  real: string,
  hops: Hops,
  done: string[],
  parts: string[],
  i: number,
): string[] {
  const code = errorCode(e);
  if (code === "ENOENT") hops.missing = { real, error: e };
  if (code === "ENOENT" || code === "ENOTDIR") return [...done, ...parts.slice(i)];
  throw e;
}

/**
 * The components a symlink met by a walk leads to (its target taken from
 * the link's own directory `done`), or a refusal: too many links, an
 * absolute target, `..` above the home.
 */
function linkTarget(virtual: string, st: Stat, done: readonly string[], hops: Hops): string[] {
  if (++hops.n > MAX_HOPS) throw new ReplyError(550, "Too many levels of symbolic links.");
  const target = st.target;
  if (target === undefined || target.startsWith("/")) throw new JailError(virtual);
  const next = [...done];
  for (const p of target.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (next.length === 0) throw new JailError(virtual);
      next.pop();
    } else next.push(p);
  }
  return next;
}

/**
 * A jailed filesystem over one endpoint for one session.
 *
 * @example
 * ```ts
 * const fs = new JailedFs(endpoint, "users/bob");
 * const st = await fs.stat("/docs/a.txt");     // endpoint path users/bob/docs/a.txt
 * ```
 */
export class JailedFs {
  readonly #checkLinks: boolean;
  readonly #exclusive: boolean;
  readonly #uniqueReads: boolean;

  constructor(readonly endpoint: Endpoint, readonly home: string) {
    const can = endpoint.capabilities();
    this.#checkLinks = can.symlinks;
    this.#exclusive = can.exclusiveWrites === true;
    this.#uniqueReads = can.uniqueReads === true;
  }

  /** The endpoint path for a virtual path, symlinks resolved and confined. */
  resolve(virtual: string, followLast = true): Promise<string> {
    const parts = splitPath(virtual);
    // Nothing to follow (no links, or a lone entry of the home not followed:
    // STOR's rename, DELE, MKD of a name in the home): no walk and no async
    // layer (the walk would only push the name).
    if (!this.#checkLinks || (!followLast && parts.length <= 1)) {
      return Promise.resolve(this.#real(parts));
    }
    return this.#walk(virtual, parts, followLast, { n: 0 }).then((done) => this.#real(done));
  }

  /**
   * {@link resolve}, and what the walk already knows of the last entry of the
   * resolved path: the endpoint's error when it found it missing (what a stat
   * of it would throw), or its stat when it is no link (an lstat that is not
   * of a link is the stat: asking again cost an lstat and a stat on the local
   * endpoint, per RETR twice).
   */
  async #resolveFound(
    virtual: string,
  ): Promise<{ real: string; missing?: unknown; stat?: Stat }> {
    const parts = splitPath(virtual);
    if (!this.#checkLinks) return { real: this.#real(parts) };
    const hops: Hops = { n: 0 };
    const real = this.#real(await this.#walk(virtual, parts, true, hops));
    if (hops.missing?.real === real) return { real, missing: hops.missing.error };
    return hops.found?.real === real ? { real, stat: hops.found.stat } : { real };
  }

  #real(parts: string[]): string {
    return joinRelative(this.home, ...parts);
  }

  async #walk(
    virtual: string,
    parts: string[],
    followLast: boolean,
    hops: Hops,
  ): Promise<string[]> {
    // What is not waiting for an lstat is in functions of their own: an async
    // function keeps all its registers while it waits (V8 saves them in an
    // array made per call, sized by the whole function).
    const done: string[] = [];
    // The endpoint path of `done`, grown a component at a time.
    let at = this.#real(done);
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      if (i === parts.length - 1 && !followLast) {
        done.push(name);
        break;
      }
      let st: Stat;
      const real = at ? `${at}/${name}` : name;
      try {
        st = await this.endpoint.lstat(real);
      } catch (e) {
        // Nothing to follow below a missing entry: the rest is lexical.
        return lexicalRest(e, real, hops, done, parts, i);
      }
      if (st.type !== "symlink") {
        done.push(name);
        at = real;
        hops.found = { real, stat: st };
        continue;
      }
      const resolved = await this.#walk(virtual, linkTarget(virtual, st, done, hops), true, hops);
      done.splice(0, done.length, ...resolved);
      at = this.#real(done);
    }
    return done;
  }

  /**
   * Stat following symlinks (inside the jail only). A path whose last entry
   * the walk found missing is not asked about again: STOR's check for an
   * existing target, the common case being a new file, cost three
   * errors thrown (and their stats) where one does.
   */
  async stat(virtual: string): Promise<Stat> {
    const { real, missing, stat } = await this.#resolveFound(virtual);
    if (missing) throw missing;
    return stat ?? await this.endpoint.stat(real);
  }

  /**
   * {@link stat}, or undefined where nothing is (ENOENT): STOR's check of its
   * target, whose usual answer (a new file) is then no error thrown again
   * and caught by the caller.
   *
   * @example
   * ```ts
   * const existing = await fs.statIfAny("/up/new.bin"); // undefined: nothing there yet
   * ```
   */
  async statIfAny(virtual: string): Promise<Stat | undefined> {
    const { real, missing, stat } = await this.#resolveFound(virtual);
    if (missing) return undefined; // the walk keeps only ENOENT as missing (lexicalRest)
    if (stat) return stat;
    try {
      return await this.endpoint.stat(real);
    } catch (e) {
      if (errorCode(e) === "ENOENT") return undefined;
      throw e;
    }
  }

  /**
   * A file's bytes from the offset `check` returns after it saw the file's
   * stat (and threw if the file does not do): RETR's stat and read with one
   * walk of the path instead of two. The endpoint's source without a stream
   * where it offers one (`Endpoint.readDirect`), its stream otherwise.
   *
   * @example
   * ```ts
   * const bytes = await fs.readChecked("/a.bin", (st) => {
   *   if (st.type !== "file") throw new ReplyError(550, "not a file");
   *   return 0;
   * });
   * ```
   */
  async readChecked(
    virtual: string,
    check: (st: Stat) => number,
  ): Promise<ReadableStream<Uint8Array> | ReadSource> {
    const { real, missing, stat } = await this.#resolveFound(virtual);
    if (missing) throw missing;
    const offset = check(stat ?? await this.endpoint.stat(real));
    // The walk's lstat (the stat, when it found no link) names the file: an
    // endpoint that compares it with the file it opens need not look again.
    const unique = this.#uniqueReads ? stat?.unique : undefined;
    const options = unique === undefined ? { offset } : { offset, unique };
    // The endpoint's source without a stream where it offers one
    // (`Endpoint.readDirect`: the local endpoint's reads into the download's buffer).
    return this.endpoint.readDirect
      ? await this.endpoint.readDirect(real, options)
      : await this.endpoint.read(real, options);
  }

  /** Stat of the entry itself (a symlink is reported as one). */
  async lstat(virtual: string): Promise<Stat> {
    return await this.endpoint.lstat(await this.resolve(virtual, false));
  }

  /** A directory's entries; symlinks that stay inside are shown as what they point to. */
  async list(virtual: string): Promise<ListedEntry[]> {
    const real = await this.resolve(virtual);
    const entries = await this.endpoint.list(real);
    const out: ListedEntry[] = [];
    for (const stat of entries) {
      // A name with a line break could forge listing lines: never show it.
      if (/[\r\n\0/]/.test(stat.name) || stat.name === "." || stat.name === "..") continue;
      if (stat.type !== "symlink") {
        out.push({ name: stat.name, stat });
        continue;
      }
      const entryVirtual = `${virtual === "/" ? "" : virtual}/${stat.name}`;
      try {
        const target = await this.stat(entryVirtual);
        out.push({
          name: stat.name,
          stat: { ...target, name: stat.name },
          link: { target: stat.target ?? "", inside: true },
        });
      } catch {
        out.push({ name: stat.name, stat, link: { target: stat.target ?? "", inside: false } });
      }
    }
    return out;
  }

  async read(virtual: string, offset = 0): Promise<ReadableStream<Uint8Array>> {
    return await this.endpoint.read(await this.resolve(virtual), { offset });
  }

  async write(virtual: string, options: WriteOptions): Promise<WritableStream<Uint8Array>> {
    return await this.endpoint.write(await this.resolve(virtual), options);
  }

  /**
   * Writes a file at a fresh name (a staged upload's temporary name). On an
   * endpoint with `exclusiveWrites` the name itself is not looked at, only its
   * parents are walked: the exclusive create refuses anything there
   * (`AlreadyExistsError`) and never follows a link planted there, so the
   * walk's lstat of the name, a miss each upload, is not needed to keep the
   * jail. Other endpoints get {@link write}'s walk and write.
   *
   * The endpoint's direct sink where it offers one (`Endpoint.writeDirect`:
   * the same plan, checks and clean-up without a Web Stream per upload), its
   * stream otherwise.
   *
   * @example
   * ```ts
   * const w = await fs.writeFresh("/.a.bin.ferry-1a2b3c4d.part");
   * if (w instanceof WritableStream) await source.pipeTo(w);
   * ```
   */
  async writeFresh(virtual: string): Promise<WritableStream<Uint8Array> | DirectSink> {
    const exclusive = this.#exclusive;
    const real = await this.resolve(virtual, !exclusive);
    const options = exclusive ? { atomic: false, exclusive } : { atomic: false };
    return this.endpoint.writeDirect
      ? await this.endpoint.writeDirect(real, options)
      : await this.endpoint.write(real, options);
  }

  async mkdir(virtual: string): Promise<void> {
    await this.endpoint.mkdir(await this.resolve(virtual, false));
  }

  /** Removes a file or a symlink (the link itself, never its target). */
  async remove(virtual: string): Promise<void> {
    await this.endpoint.remove(await this.resolve(virtual, false));
  }

  async rmdir(virtual: string): Promise<void> {
    await this.endpoint.rmdir(await this.resolve(virtual, false));
  }

  async rename(from: string, to: string): Promise<void> {
    await this.endpoint.rename(await this.resolve(from, false), await this.resolve(to, false));
  }

  async setMtime(virtual: string, mtime: Date): Promise<void> {
    await this.endpoint.setMtime(await this.resolve(virtual), mtime);
  }

  async chmod(virtual: string, mode: number): Promise<void> {
    await this.endpoint.chmod(await this.resolve(virtual), mode);
  }

  /** Whether something exists at the virtual path (symlinks followed). */
  async exists(virtual: string): Promise<boolean> {
    try {
      await this.stat(virtual);
      return true;
    } catch (e) {
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return false;
      throw e;
    }
  }
}
