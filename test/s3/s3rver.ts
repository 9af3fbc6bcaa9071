/**
 * An s3rver (npm) on a free 127.0.0.1 port with one bucket, for the s3
 * plugin's tests and benchmarks; stopped by `await using`.
 * @module
 */
import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import { S3rver } from "../../deps/s3rver.ts";

// s3rver makes continuation tokens with DES, which Deno's node:crypto lacks ("Unknown cipher"):
// every truncated listing (more keys than max-keys) then answers 500. Its tokens need no
// secrecy, so 'des' becomes the identity here (the token is still opaque to clients).
const createCipheriv = crypto.createCipheriv;
const createDecipheriv = crypto.createDecipheriv;
const identity = () => ({
  update: (data: string | Uint8Array, encoding?: BufferEncoding) =>
    typeof data === "string" ? Buffer.from(data, encoding) : Buffer.from(data),
  final: () => Buffer.alloc(0),
});
// deno-lint-ignore no-explicit-any
const c = crypto as any;
c.createCipheriv = (algorithm: string, ...rest: unknown[]) =>
  algorithm === "des" ? identity() : createCipheriv(algorithm, ...(rest as [never, never]));
c.createDecipheriv = (algorithm: string, ...rest: unknown[]) =>
  algorithm === "des" ? identity() : createDecipheriv(algorithm, ...(rest as [never, never]));

/** A running s3rver. */
export interface S3rverHandle extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects. */
  directory: string;
  /** s3rver's fixed keys. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment that points the AWS CLI's lookup (and ferry's) at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver with `bucket` (default `test`).
 *
 * @example
 * ```ts
 * await using s3 = await startS3rver();
 * ```
 */
export async function startS3rver(
  options: { bucket?: string; directory?: string } = {},
): Promise<S3rverHandle> {
  const bucket = options.bucket ?? "test";
  const own = options.directory === undefined;
  const directory = options.directory ?? await Deno.makeTempDir({ prefix: "s3rver-" });
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run() as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    if (own) await Deno.remove(directory, { recursive: true }).catch(() => {});
  };
  return {
    endpoint,
    bucket,
    directory,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    env: {
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: "us-east-1",
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
