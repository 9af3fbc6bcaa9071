/**
 * RFC 3659 machine listings: MLSD data lines and the MLST control reply.
 * @module
 */
import { ListingParseError } from "./errors.ts";
import { resolveContext, stripEol, unshift, utcMillis } from "./time.ts";
import {
  type EntryType,
  type ListEntry,
  type ListingParser,
  type ParseContext,
  Precision,
} from "./types.ts";

/** One `fact=value;` at the start of a line: what makes a line look like MLSD. */
const FACT_START = /^[A-Za-z][\w.-]*=[^;]*;/;

/** `YYYYMMDDHHMMSS[.sss...]`, RFC 3659's time-val. */
const TIME_VAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * Parses an RFC 3659 `time-val` as UTC. Fractions beyond milliseconds are cut;
 * precision is milliseconds when a fraction is present, else seconds.
 *
 * @example
 * ```ts
 * parseMlsdTime("20230101120000.123"); // { millis: 1672574400123, precision: 1 }
 * parseMlsdTime("2023"); // undefined
 * ```
 */
export function parseMlsdTime(value: string): { millis: number; precision: number } | undefined {
  const m = TIME_VAL.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, "0").slice(0, 3));
  const millis = utcMillis(y, mo - 1, d, h, mi, s, ms);
  if (millis === undefined) return undefined;
  return { millis, precision: fraction === undefined ? Precision.seconds : Precision.milliseconds };
}

/**
 * Splits a facts string (`type=file;size=3;`) into lower-cased keys and raw
 * values. A value may itself contain `=` (`type=OS.unix=slink:/x`).
 */
function splitFacts(facts: string, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const fact of facts.split(";")) {
    if (fact === "") continue;
    const eq = fact.indexOf("=");
    if (eq <= 0) throw new ListingParseError(`malformed MLSD fact ${JSON.stringify(fact)}`, line);
    out[fact.slice(0, eq).toLowerCase()] = fact.slice(eq + 1);
  }
  return out;
}

/**
 * Separates facts from the name. RFC 3659 puts exactly one space after the
 * last `;`; the name is everything after it, leading spaces included. We cut
 * at the first `"; "` rather than the first space so that a fact value with a
 * space (proftpd's `OS.unix=slink:/a b`) does not swallow the name; a line
 * without facts starts with the separator space itself.
 */
function splitLine(line: string): { facts: string; name: string } {
  if (line.startsWith(" ")) return { facts: "", name: line.slice(1) };
  const sep = line.indexOf("; ");
  if (sep >= 0) return { facts: line.slice(0, sep + 1), name: line.slice(sep + 2) };
  // Non-compliant servers that drop the last ";": fall back to the first space.
  const space = line.indexOf(" ");
  if (space > 0) return { facts: line.slice(0, space), name: line.slice(space + 1) };
  throw new ListingParseError("MLSD line has no space before the name", line);
}

/** Maps the `type` fact, including the Unix symlink extensions, to an entry type. */
function entryType(value: string | undefined): { type: EntryType; target?: string } {
  if (value === undefined) return { type: "other" };
  const lower = value.toLowerCase();
  if (lower === "file" || lower === "dir" || lower === "cdir" || lower === "pdir") {
    return { type: lower };
  }
  // `OS.unix=slink:<target>` (ProFTPD with `FactsOptions UseSlink`); Pure-FTPd
  // writes `OS.unix=slink:` with no target for every link, and ProFTPD by
  // default `OS.unix=symlink`: no target known (an empty one would lead to the
  // link's own directory).
  if (lower.startsWith("os.unix=slink")) {
    const target = value.slice(value.indexOf(":") + 1);
    return value.includes(":") && target ? { type: "symlink", target } : { type: "symlink" };
  }
  if (lower === "os.unix=symlink") return { type: "symlink" };
  return { type: "other" };
}

/** Parses an octal `UNIX.mode` (`0644`, `644`, pyftpdlib's `0o644`, `04755`). */
function parseMode(value: string, line: string): number {
  const digits = value.replace(/^0o/i, "");
  if (!/^[0-7]{1,6}$/.test(digits)) {
    throw new ListingParseError(`bad UNIX.mode ${JSON.stringify(value)}`, line);
  }
  return parseInt(digits, 8) & 0o7777;
}

/** Parses a decimal byte count. */
function parseSize(value: string, line: string): number {
  if (!/^\d+$/.test(value)) throw new ListingParseError(`bad size ${JSON.stringify(value)}`, line);
  return Number(value);
}

/**
 * Parses one MLSD line (or the entry line of an MLST reply without its leading
 * space). Facts are case-insensitive; `size` falls back to `sizd`; `modify` is
 * read as UTC and then `ctx.timeShift` is subtracted, because some servers
 * (the UFTPD, pyftpdlib without GMT times) send local time against the RFC.
 * Pass a shift of 0 for compliant servers (`FtpClient` does unless
 * `mlsdLocalTime`).
 *
 * @example
 * ```ts
 * const e = parseMlsdLine("type=file;size=1024;modify=20230101120000.123;perm=r; my file.txt");
 * e.name;      // "my file.txt"
 * e.size;      // 1024
 * e.precision; // 1 (milliseconds)
 * ```
 */
export function parseMlsdLine(line: string, ctx?: Partial<ParseContext>): ListEntry {
  const raw = stripEol(line);
  const context = resolveContext(ctx);
  const { facts: factText, name } = splitLine(raw);
  if (name === "") throw new ListingParseError("MLSD line has an empty name", raw);
  const facts = splitFacts(factText, raw);
  const { type, target } = entryType(facts["type"]);
  const entry: ListEntry = { name, type, precision: Precision.unknown, facts, raw };
  if (target !== undefined) entry.target = target;
  const size = facts["size"] ?? facts["sizd"];
  if (size !== undefined) entry.size = parseSize(size, raw);
  if (facts["modify"] !== undefined) {
    const time = parseMlsdTime(facts["modify"]);
    if (!time) throw new ListingParseError(`bad modify ${JSON.stringify(facts["modify"])}`, raw);
    entry.mtime = unshift(time.millis, context);
    entry.precision = time.precision;
  }
  if (facts["perm"] !== undefined) entry.perm = facts["perm"];
  if (facts["unique"] !== undefined) entry.unique = facts["unique"];
  if (facts["unix.mode"] !== undefined) entry.mode = parseMode(facts["unix.mode"], raw);
  // Names are friendlier than ids when a server offers both.
  const owner = facts["unix.ownername"] ?? facts["unix.owner"] ?? facts["unix.uid"];
  const group = facts["unix.groupname"] ?? facts["unix.group"] ?? facts["unix.gid"];
  if (owner !== undefined) entry.owner = owner;
  if (group !== undefined) entry.group = group;
  return entry;
}

/**
 * Whether a line looks like an MLSD fact line: it starts with `fact=value;`.
 * Fact-less lines (`" name"`) are valid MLSD but indistinguishable from a
 * space-indented `ls` line, so auto-detection leaves them alone; call
 * {@link parseMlsdLine} directly for those.
 *
 * @example
 * ```ts
 * looksLikeMlsd("type=dir;modify=20240101000000; pub"); // true
 * looksLikeMlsd("drwxr-xr-x 2 0 0 4096 Jan 01 2024 pub"); // false
 * ```
 */
export function looksLikeMlsd(line: string): boolean {
  return FACT_START.test(line);
}

/** The MLSD parser for {@link ListingParser}-driven listings. */
export const mlsdParser: ListingParser = {
  name: "mlsd",
  canParse: looksLikeMlsd,
  parse: (line, context) => parseMlsdLine(line, context),
};

/**
 * Parses the control-channel reply to `MLST path`:
 * `250-Listing path\r\n type=file;...; /path/name\r\n250 End`. The entry line
 * starts with one space (RFC 3659 §7.2); a server that omits it is tolerated.
 * The entry's `name` is the pathname exactly as the server sent it (MLST
 * answers with a path, not a bare name).
 *
 * @example
 * ```ts
 * const e = parseMlstReply("250-Listing f\r\n type=file;size=3; /pub/f\r\n250 End\r\n");
 * e.name; // "/pub/f"
 * ```
 */
export function parseMlstReply(text: string, ctx?: Partial<ParseContext>): ListEntry {
  const lines = text.split(/\r?\n/).filter((l) => l !== "");
  const first = lines[0] ?? "";
  if (!/^2\d\d-/.test(first)) {
    throw new ListingParseError("not a multi-line 2xx MLST reply", first);
  }
  // The entry sits between the "250-" opener and the "250 " closer.
  const body = lines.slice(1).filter((l) => !/^\d{3} /.test(l));
  const entryLine = body.find((l) => l.startsWith(" ")) ?? body[0];
  if (entryLine === undefined) throw new ListingParseError("MLST reply has no entry line", text);
  return parseMlsdLine(entryLine.startsWith(" ") ? entryLine.slice(1) : entryLine, ctx);
}
