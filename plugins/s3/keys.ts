/**
 * Between endpoint paths and object keys: the endpoint's root is a key prefix
 * (`s3://bucket/some/prefix` -> `some/prefix/`), and every name a listing
 * yields must be usable as a local file name before any job sees it.
 * @module
 */
import { S3KeyError } from "./errors.ts";

/**
 * The key prefix of an `s3://bucket/PREFIX` URL's path: no leading slash, a
 * trailing one unless it is the bucket's root.
 *
 * @example
 * ```ts
 * rootPrefix("/a/b"); // "a/b/"
 * rootPrefix("/");    // ""
 * ```
 */
export function rootPrefix(urlPath: string): string {
  const parts = decodeURIComponent(urlPath).split("/").filter((s) => s !== "");
  for (const part of parts) {
    if (part === "." || part === "..") {
      throw new S3KeyError(urlPath, "has a '.' or '..' segment: name the prefix plainly");
    }
  }
  return parts.length ? parts.join("/") + "/" : "";
}

/**
 * Why a name taken from a key cannot be a local file or directory name, or
 * undefined when it can.
 *
 * @example
 * ```ts
 * badName(".."); // "has a '..' segment"
 * badName("ok.txt"); // undefined
 * ```
 */
export function badName(name: string): string | undefined {
  if (name === "") return "has an empty segment (a leading '/' or '//')";
  if (name === ".") return "has a '.' segment";
  if (name === "..") return "has a '..' segment";
  if (name.includes("\0")) return "contains NUL";
  if (/[\r\n]/.test(name)) return "contains CR or LF";
  return undefined;
}

/**
 * The name of a listed key below `prefix` (one directory level, as a delimiter
 * listing yields it), checked; a common prefix's trailing `/` is dropped.
 * Throws {@link S3KeyError} naming the whole key.
 *
 * @example
 * ```ts
 * childName("d/", "d/x.txt"); // "x.txt"
 * childName("d/", "d/sub/", true); // "sub"
 * childName("d/", "d//", true); // throws S3KeyError
 * ```
 */
export function childName(prefix: string, key: string, isPrefix = false): string {
  const name = key.slice(prefix.length, isPrefix ? -1 : undefined);
  const why = badName(name);
  if (why) throw new S3KeyError(key, `cannot be a local name: it ${why}`);
  return name;
}
