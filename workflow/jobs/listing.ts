/**
 * Listings written by the `walk` job: JSON, NDJSON, CSV, or a tree for the
 * terminal. Pure: a walked tree in, text out.
 * @module
 */
import type { Stat } from "../../endpoint/types.ts";

/** One listed entry, JSON-ready. */
export interface ListingEntry {
  path: string;
  type: Stat["type"];
  size: number;
  /** ISO time, or null when unknown. */
  mtime: string | null;
  /** mtime precision in ms, or null when the backend cannot tell the time at all. */
  precision: number | null;
  target?: string;
}

/** Totals of a listing. */
export interface ListingTotals {
  files: number;
  dirs: number;
  symlinks: number;
  other: number;
  bytes: number;
}

/** Listing formats. */
export type ListingFormat = "json" | "ndjson" | "csv" | "tree";

/**
 * Entries of a walked tree (sorted by path) as listing entries.
 *
 * @example
 * ```ts
 * listingEntries(tree.entries)[0]; // { path: "a", type: "dir", size: 0, mtime: "...", precision: 1000 }
 * ```
 */
export function listingEntries(entries: Map<string, Stat>): ListingEntry[] {
  return [...entries].map(([path, st]) => {
    const e: ListingEntry = {
      path,
      type: st.type,
      size: st.size,
      mtime: st.mtime ? st.mtime.toISOString() : null,
      precision: Number.isFinite(st.precision) ? st.precision : null,
    };
    if (st.target !== undefined) e.target = st.target;
    return e;
  });
}

/**
 * Counts of files, dirs, links and bytes.
 *
 * @example
 * ```ts
 * listingTotals([{ path: "a", type: "file", size: 3, mtime: null, precision: null }]).bytes; // 3
 * ```
 */
export function listingTotals(entries: ListingEntry[]): ListingTotals {
  const t: ListingTotals = { files: 0, dirs: 0, symlinks: 0, other: 0, bytes: 0 };
  for (const e of entries) {
    if (e.type === "file") {
      t.files++;
      t.bytes += e.size;
    } else if (e.type === "dir") t.dirs++;
    else if (e.type === "symlink") t.symlinks++;
    else t.other++;
  }
  return t;
}

/**
 * Renders a listing.
 *
 * @example
 * ```ts
 * formatListing(entries, "csv", { root: "pub" }).split("\n")[0]; // "path,type,size,mtime,precision"
 * ```
 */
export function formatListing(
  entries: ListingEntry[],
  format: ListingFormat,
  options: { root?: string; totals?: boolean } = {},
): string {
  const totals = options.totals ? listingTotals(entries) : undefined;
  switch (format) {
    case "json":
      return JSON.stringify(
        { root: options.root ?? "", entries, ...(totals ? { totals } : {}) },
        null,
        2,
      ) + "\n";
    case "ndjson":
      return entries.map((e) => JSON.stringify(e) + "\n").join("") +
        (totals ? JSON.stringify({ totals }) + "\n" : "");
    case "csv": {
      const rows = entries.map((e) =>
        [e.path, e.type, e.size, e.mtime ?? "", e.precision ?? ""].map(csvCell).join(",")
      );
      const foot = totals
        ? [
          `# totals: ${totals.files} files, ${totals.dirs} dirs, ${totals.symlinks} links, ${totals.bytes} bytes`,
        ]
        : [];
      return ["path,type,size,mtime,precision", ...rows, ...foot].join("\n") + "\n";
    }
    case "tree":
      return treeText(entries, options.root ?? "", totals);
  }
}

/** A CSV cell (RFC 4180): quoted when it holds a quote, a comma or a line end, its quotes doubled. */
function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function treeText(entries: ListingEntry[], root: string, totals?: ListingTotals): string {
  const lines = [root === "" ? "." : root];
  // Entries come sorted with parents first; the last child of a directory gets └──.
  const children = new Map<string, ListingEntry[]>();
  for (const e of entries) {
    const parent = e.path.includes("/") ? e.path.slice(0, e.path.lastIndexOf("/")) : "";
    let list = children.get(parent);
    if (!list) children.set(parent, list = []);
    list.push(e);
  }
  const draw = (dir: string, prefix: string) => {
    const list = children.get(dir) ?? [];
    list.forEach((e, i) => {
      const last = i === list.length - 1;
      const name = e.path.slice(e.path.lastIndexOf("/") + 1);
      const info = e.type === "dir"
        ? "/"
        : e.type === "symlink"
        ? ` -> ${e.target ?? "?"}`
        : `  (${e.size})`;
      lines.push(`${prefix}${last ? "└── " : "├── "}${name}${info}`);
      if (e.type === "dir") draw(e.path, prefix + (last ? "    " : "│   "));
    });
  };
  draw("", "");
  if (totals) {
    lines.push("", `${totals.dirs} directories, ${totals.files} files, ${totals.bytes} bytes`);
  }
  return lines.join("\n") + "\n";
}
