/**
 * File hashes computed by reading the data, for endpoints whose storage has no
 * hash command of its own (local disk, memory). Names follow the FTP HASH
 * command's, lower-cased (`sha-256`, `sha-1`, `md5`), so sync can find a hash
 * both sides offer.
 * @module
 */
import { UnsupportedError } from "./errors.ts";

const algorithms: Record<string, string> = {
  "sha-256": "sha256",
  "sha-512": "sha512",
  "sha-1": "sha1",
  "md5": "md5",
};

/** The hashes {@link digestStream} computes, strongest first. */
export const COMPUTED_HASHES: readonly string[] = ["sha-256", "sha-512", "sha-1", "md5"];

/**
 * Hex digest of a stream's bytes.
 *
 * @example
 * ```ts
 * await digestStream(new Blob(["abc"]).stream(), "md5"); // "900150983cd24fb0d6963f7d28e17f72"
 * ```
 */
export async function digestStream(
  stream: ReadableStream<Uint8Array>,
  algorithm: string,
  where = "this endpoint",
): Promise<string> {
  const name = algorithms[algorithm.toLowerCase()];
  if (!name) {
    await stream.cancel();
    throw new UnsupportedError(`hash ${algorithm}`, where);
  }
  // Imported here: node:crypto brings much of the Node layer to every start-up.
  const { createHash } = await import("node:crypto");
  const hash = createHash(name);
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}
