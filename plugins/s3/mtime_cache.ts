/**
 * The mtimes an S3 endpoint learnt by HEAD (or wrote), kept between runs in
 * the state directory, so a no-change run needs the listing alone. An entry
 * is used only while the listing shows the same object: same size, ETag and
 * LastModified (an object written by ferry is taken on size and ETag once,
 * and its LastModified is filled in from that listing).
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** One remembered object. */
export interface CachedObject {
  size: number;
  etag?: string;
  lastModified?: number;
  /** ms since the epoch, from x-amz-meta-mtime. */
  mtime?: number;
}

/**
 * The cache file of one bucket + prefix at one endpoint.
 *
 * @example
 * ```ts
 * cacheFile("/srv/.ferry", "http://127.0.0.1:4568", "b", "p/"); // "/srv/.ferry/s3-mtimes/<hash>.json"
 * ```
 */
export function cacheFile(
  stateDir: string,
  endpoint: string,
  bucket: string,
  root: string,
): string {
  const id = createHash("sha256").update(`${endpoint}\n${bucket}\n${root}`).digest("hex").slice(
    0,
    32,
  );
  return join(stateDir, "s3-mtimes", `${id}.json`);
}

/**
 * Reads a cache file; a missing or unreadable one is empty (it is only a cache).
 *
 * @example
 * ```ts
 * const known = await loadCache(file);
 * ```
 */
export async function loadCache(file: string): Promise<Map<string, CachedObject>> {
  try {
    const data = JSON.parse(await Deno.readTextFile(file)) as Record<string, CachedObject>;
    return new Map(Object.entries(data));
  } catch {
    return new Map();
  }
}

/**
 * Writes the entries that carry an mtime (temp file + rename: never half a file).
 *
 * @example
 * ```ts
 * await saveCache(file, known);
 * ```
 */
export async function saveCache(file: string, known: Map<string, CachedObject>): Promise<void> {
  const out: Record<string, CachedObject> = {};
  for (const [k, v] of known) if (v.mtime !== undefined) out[k] = v;
  await Deno.mkdir(join(file, ".."), { recursive: true });
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(out));
  await Deno.rename(tmp, file);
}
