/**
 * `ferry --help` and `ferry <cmd> --help` without commander: the pages are data
 * (help/pages.ts, made from commander's own rendering by help/extract.ts) laid
 * out here exactly as commander's `Help.formatHelp` lays them out, so the
 * common help requests start no npm package. Imports nothing.
 * @module
 */

/** A help page as commander would print it, before layout. */
export interface HelpPage {
  /** `ferry mirror [options] <from> <to>` (after `Usage: `). */
  usage: string;
  /** The command's description ("" for none). */
  description: string;
  /** Width of the widest term on the page (commander's `padWidth`). */
  termWidth: number;
  /** `Arguments:`, `Options:`, `Commands:` ... each with its terms and descriptions. */
  sections: { heading: string; items: [term: string, description: string][] }[];
}

/** Commander does not wrap into columns narrower than this. */
const MIN_WIDTH_TO_WRAP = 40;

/**
 * Lays a page out for a terminal `width` columns wide (commander's default 80
 * when stdout is not a terminal): byte for byte what commander prints.
 *
 * @example
 * ```ts
 * renderHelp({ usage: "ferry [options]", description: "", termWidth: 2, sections: [] }, 80);
 * // "Usage: ferry [options]\n"
 * ```
 */
export function renderHelp(page: HelpPage, width = 80): string {
  const out = [`Usage: ${page.usage}`, ""];
  if (page.description.length > 0) out.push(boxWrap(page.description, width), "");
  for (const { heading, items } of page.sections) {
    if (items.length === 0) continue;
    out.push(heading, ...items.map(([t, d]) => formatItem(t, page.termWidth, d, width)), "");
  }
  return out.join("\n");
}

/** A term padded to `termWidth`, its description wrapped and indented under itself. */
function formatItem(term: string, termWidth: number, description: string, width: number): string {
  const indent = "  ";
  if (!description) return indent + term;
  const spacer = 2;
  const remaining = width - termWidth - spacer - indent.length;
  const text = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(description)
    ? description
    : boxWrap(description, remaining).replace(/\n/g, "\n" + " ".repeat(termWidth + spacer));
  return indent + term.padEnd(termWidth) + " ".repeat(spacer) +
    text.replace(/\n/g, `\n${indent}`);
}

/** Wraps at whitespace, keeping existing line breaks (commander's `boxWrap`). */
function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      lines.push("");
      continue;
    }
    let sum = [chunks.shift()!];
    let sumWidth = sum[0].length;
    for (const chunk of chunks) {
      if (sumWidth + chunk.length <= width) {
        sum.push(chunk);
        sumWidth += chunk.length;
        continue;
      }
      lines.push(sum.join(""));
      const next = chunk.trimStart();
      sum = [next];
      sumWidth = next.length;
    }
    lines.push(sum.join(""));
  }
  return lines.join("\n");
}

/**
 * The page an argument list asks for, when it asks only for help: `--help`,
 * `-h`, `help`, `<cmd> --help`, `<cmd> -h`, `help <cmd>`. Anything else
 * (global flags, `--plugin`, unknown commands) is left to commander.
 *
 * @example
 * ```ts
 * helpRequest(["mirror", "--help"], ["mirror", "ls"]); // "mirror"
 * helpRequest(["--help"], ["mirror"]); // ""  (the top-level page)
 * helpRequest(["-v", "--help"], ["mirror"]); // undefined
 * ```
 */
export function helpRequest(
  args: readonly string[],
  commands: readonly string[],
): string | undefined {
  const isHelp = (a: string) => a === "--help" || a === "-h";
  if (args.length === 1 && (isHelp(args[0]) || args[0] === "help")) return "";
  if (args.length !== 2) return undefined;
  const [a, b] = args;
  if (isHelp(b) && commands.includes(a)) return a;
  if (a === "help" && commands.includes(b)) return b;
  return undefined;
}

/**
 * SHA-256 (hex, first 16 digits) of the bytes of `files`, in order: pages.ts
 * records it for the files that define the help, so changed options are noticed.
 *
 * @example
 * ```ts
 * await sourcesHash([new URL("../options.ts", import.meta.url)]); // "3f2a9c01d4e5b6a7"
 * ```
 */
export async function sourcesHash(files: readonly URL[]): Promise<string> {
  const parts = await Promise.all(files.map((f) => Deno.readFile(f)));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Whether pages.ts still describes the commands: the files it was made from
 * hash as they did then. Off a file: URL (ferry run by https) it is taken as is.
 *
 * @example
 * ```ts
 * if (!await pagesFresh(HELP_SOURCES, HELP_SOURCES_HASH, import.meta.url)) useCommander();
 * ```
 */
export async function pagesFresh(
  sources: readonly string[],
  hash: string,
  base: string,
): Promise<boolean> {
  if (!base.startsWith("file:")) return true;
  try {
    return await sourcesHash(sources.map((s) => new URL(s, base))) === hash;
  } catch {
    return false;
  }
}

/**
 * The width commander wraps stdout help to: the terminal's columns, else 80.
 *
 * @example
 * ```ts
 * renderHelp(page, stdoutHelpWidth());
 * ```
 */
export function stdoutHelpWidth(): number {
  try {
    return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 80;
  } catch {
    return 80;
  }
}
