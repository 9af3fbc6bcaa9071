/**
 * `ferry get` and `ferry put` of every scheme but FTP's (the disk, S3, UFTP,
 * a plugin's) through the endpoint contract: a get renamed once its partial
 * holds the size the endpoint's stat told; a put written under a temporary
 * name and renamed once the endpoint's fresh size is the file's, or, where
 * the scheme's writes are whole-or-nothing (S3), under the real name.
 * @module
 */
import type { CliContext } from "../context.ts";
import { openCliEndpoint } from "../endpoint.ts";
import { splitLocation } from "../location.ts";
import { UsageError } from "../../workflow/errors.ts";
import { urlScheme } from "../../workflow/validate.ts";
import { redactUrl } from "../../util/redact.ts";
import { partialName } from "../../endpoint/atomic.ts";
import { TransferVerificationError } from "../../sync/verify.ts";
import { replaceChecked } from "../../sync/replace_checked.ts";
import { applyMtime } from "../../sync/replace.ts";
import { logger } from "../../util/log.ts";
import { EndpointError } from "../../endpoint/errors.ts";
import { whereOn } from "../../sync/where.ts";
import { RemotePathError } from "../remote_path.ts";
import { continueVerdict } from "./get_continue.ts";
import {
  alreadyComplete,
  checkArrived,
  fillPartial,
  localTarget,
  openPartial,
} from "./get_local.ts";
import { getToStdout, noName, STDIO } from "./get_put_stdio.ts";
import { done, unlessInterrupted } from "./get_put_transfer.ts";
import { openPutSource } from "./put_source.ts";

const log = logger("cli", "transfer");

/**
 * An endpoint's refusal of `name` (missing, a directory, not allowed...) named
 * where it is, as FTP's are (cli/ftp.ts): `is a directory: dir (s3://b/dir)`;
 * anything else (usage, interruption, a check of the copy) as it is.
 */
function naming(error: unknown, url: string, name: string): unknown {
  return error instanceof EndpointError ? new RemotePathError(whereOn(url, name), error) : error;
}

/** The endpoint holding a file URL's last name, and that name; a root is no file. */
function fileLocation(url: string): { root: string; name: string } {
  const { root, path } = splitLocation(url);
  if (path === "") throw new UsageError(`${redactUrl(url)}: names a directory root, not a file`);
  return { root, name: path };
}

/**
 * `get` of any other scheme than FTP's, through the endpoint contract: renamed
 * once the partial holds the size the endpoint's stat told before the read.
 *
 * @example
 * ```ts
 * await getFromEndpoint(cli, "s3://bucket/a.bin", "a.bin", opts);
 * ```
 */
export async function getFromEndpoint(
  cli: CliContext,
  url: string,
  local: string | undefined,
  opts: Record<string, unknown>,
): Promise<void> {
  const { root, name } = fileLocation(url);
  const ep = await openCliEndpoint(cli, root, opts, { oneFile: true });
  try {
    const stat = await ep.stat(name).catch((error) => {
      throw naming(error, ep.url, name);
    });
    if (stat.type === "dir") throw new UsageError(`${redactUrl(url)}: is a directory`);
    if (local === STDIO) {
      const size = () => Promise.resolve(stat.size);
      return await getToStdout(cli, name, () => ep.read(name, { signal: cli.signal }), size);
    }
    const target = await localTarget(local, name);
    if (
      opts.continue === true && await continueVerdict(target, stat, redactUrl(url)) === "complete"
    ) return alreadyComplete(cli, `get ${name}`, target, stat.size);
    // A scheme that cannot read from an offset starts over.
    const resume = opts.continue === true && ep.capabilities().readOffset;
    const { partial, offset, file } = await openPartial(target, resume, stat.size);
    const started = Date.now();
    const bytes = await fillPartial(
      cli,
      { partial, file },
      opts.continue === true,
      () =>
        ep.read(name, { offset: offset || undefined, signal: cli.signal }).catch((error) => {
          throw naming(error, ep.url, name);
        }),
    );
    // The size the stat told (no round trip: a stream's clean end proves no byte count).
    await checkArrived(partial, stat.size);
    if (stat.mtime) await Deno.utime(partial, stat.mtime, stat.mtime);
    await Deno.rename(partial, target);
    done(cli, `get ${name}`, bytes, started);
  } finally {
    await ep.close();
  }
}

/**
 * `put` to any other scheme than FTP's: written under the temporary name and
 * renamed once the endpoint's fresh size of it is the file's (as mirror checks,
 * sync/verify.ts); a scheme whose writes are whole-or-nothing (S3) is written
 * under the real name; `--no-atomic` writes the real name directly.
 *
 * @example
 * ```ts
 * await putToEndpoint(cli, "a.bin", "s3://bucket/in/", opts);
 * ```
 */
export async function putToEndpoint(
  cli: CliContext,
  local: string,
  url: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const source = openPutSource(local, true);
  let root: string, name: string;
  try {
    ({ root, name } = url.endsWith("/")
      ? { root: url, name: source.name ?? noName(url) }
      : fileLocation(url));
  } catch (error) {
    source.close();
    throw error;
  }
  const ep = await openCliEndpoint(cli, root, opts, {
    create: urlScheme(root) === undefined,
    oneFile: true,
  });
  try {
    const started = Date.now();
    const atomic = opts.atomic !== false;
    const staged = atomic && !ep.capabilities().wholeWrites;
    const target = staged ? partialName(name) : name;
    let sink: WritableStream<Uint8Array>;
    try {
      // A whole-or-nothing write (S3) gets the size and mtime up front: one PUT carrying the
      // mtime (no copy to set it after), refused if the file changed size while it was read
      // (standard input: neither is known before).
      const whole = atomic && !staged;
      const { size, mtime } = source.size === undefined ? {} : await source.after(0);
      sink = await ep.write(target, {
        atomic: whole,
        signal: cli.signal,
        ...(whole ? { size, mtime } : {}),
      });
    } catch (error) {
      source.close();
      throw naming(error, ep.url, name);
    }
    let bytes = 0;
    let dated: boolean | undefined; // whether the rename carried the time; undefined: no rename
    // Interrupted, the write is let end before the endpoint closes: its abort is the clean-up
    // (S3: AbortMultipartUpload, else the parts stay stored; signals.ts's deadline still holds).
    const sending = source.send(sink, cli.signal);
    try {
      bytes = await unlessInterrupted(sending, cli);
      if (staged) {
        const { size, mtime } = await source.after(bytes);
        const stored = (await ep.lstat(target, { fresh: true })).size;
        if (stored !== size) {
          throw new TransferVerificationError(target, "size", size, stored, false);
        }
        // The engine's last step of a transfer: the time goes with the rename where the
        // endpoint can (FTP, UFTP: MFMT on the checked partial, then RNFR/RNTO), and a
        // rename cut on the way is looked into before the put fails (replace_checked.ts).
        dated = await replaceChecked(ep, target, name, { size, mtime, signal: cli.signal });
      }
    } catch (error) {
      // Interrupted, the write may still be under way: the partial keeps its temporary name.
      if (staged && !cli.signal.aborted) await ep.remove(target).catch(() => undefined);
      if (cli.signal.aborted) await sending.catch(() => undefined);
      throw naming(error, ep.url, name);
    }
    // Written under the real name, the time is set now; renamed, it went with the rename
    // (false: the endpoint cannot set one, or refused it, said in the log). A refused time
    // is a warning: the bytes are there (as the FTP path's, and the endpoints' own writes).
    const mtime = dated === undefined ? (await source.after(bytes)).mtime : undefined;
    if (mtime && ep.capabilities().setMtime) await applyMtime(ep, name, mtime);
    else if (!dated && !ep.capabilities().setMtime) {
      log.info("{path} keeps the upload time: the endpoint cannot set it", { path: name });
    }
    done(cli, `put ${name}`, bytes, started);
  } finally {
    await ep.close();
  }
}
