/**
 * An s3rver (npm) on a free 127.0.0.1 port with one bucket, for the s3
 * plugin's tests and benchmarks; stopped by `await using`.
 * @module
 */
import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import fs from "node:fs";
import { dirname } from "node:path";
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

/**
 * Makes s3rver's PUT Object whole-or-nothing, as S3 is ("Amazon S3 never adds
 * partial objects"): s3rver writes a PUT's body over the object's file as it
 * arrives, so a PUT cut off half-way (any client's: a streamed single PUT of
 * ferry's or rclone's) left the old object truncated. Here the body goes to a
 * temporary file beside it, renamed over the object only when all the bytes
 * its Content-Length announced arrived (the listing ignores the temporary name).
 * Multipart completions (no request body) take s3rver's own path.
 */
// deno-lint-ignore no-explicit-any
function atomicPuts(store: any): void {
  const putObject = store.putObject.bind(store);
  // deno-lint-ignore no-explicit-any
  store.putObject = async (object: any) => {
    const body = object.content;
    const declared = Number(object.metadata?.["content-length"]);
    if (!body?.headers || typeof body.pipe !== "function" || !Number.isFinite(declared)) {
      return await putObject(object);
    }
    const objectPath: string = store.getResourcePath(object.bucket, object.key, "object");
    const temp = `${objectPath}.incoming-${crypto.randomUUID()}`;
    await fs.promises.mkdir(dirname(objectPath), { recursive: true });
    const md5 = crypto.createHash("md5");
    let size = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const out = fs.createWriteStream(temp);
        body.on("data", (chunk: Uint8Array) => {
          md5.update(chunk);
          size += chunk.byteLength;
        });
        body.on("error", reject);
        body.on("aborted", () => reject(new Error("the request was aborted")));
        out.on("error", reject);
        out.on("finish", resolve);
        body.pipe(out);
      });
      if (size !== declared) {
        throw new Error(`incomplete body: ${size} of ${declared} bytes; the object is kept`);
      }
      await fs.promises.rename(temp, objectPath);
    } catch (e) {
      await fs.promises.unlink(temp).catch(() => {});
      throw e;
    }
    const hex = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, hex);
    return { size, md5: hex };
  };
}

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
  /**
   * Environment that points the AWS CLI's lookup (and ferry's) at it, with the shared
   * AWS files set to {@link absent} (no profile of the machine's gets in).
   */
  env: Record<string, string>;
  /** A path that does not exist (in s3rver's own directory), for "no config file". */
  absent: string;
  /**
   * Resolves with the first request, answered from now on, that `match` accepts
   * (an event to await instead of sleeping: "part 1 of the upload is stored").
   */
  answered(match: (r: AnsweredRequest) => boolean): Promise<AnsweredRequest>;
  /** Calls `see` with every request answered until the returned function is called. */
  observe(see: (r: AnsweredRequest) => void): () => void;
  stop(): Promise<void>;
}

/** A request s3rver has answered. */
export interface AnsweredRequest {
  method: string;
  /** Path and query, e.g. `/test/big.bin?partNumber=1&uploadId=...`. */
  url: string;
  status: number;
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
  options: {
    bucket?: string;
    directory?: string;
    /**
     * HEAD and GET show a multipart object's ETag as AWS does (`"<hex>-N"`, no MD5 of the
     * bytes); s3rver's own is the MD5 of the whole object, which AWS never gives.
     */
    awsMultipartEtags?: boolean;
    /**
     * Asked before s3rver sees each request: a status answers it with that S3 error
     * (`InternalError` for 5xx) instead, `"cut"` closes the connection without an answer.
     */
    fault?: (r: { method: string; url: string }) => number | "cut" | undefined;
  } = {},
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
  // deno-lint-ignore no-explicit-any
  atomicPuts((server as any).store);
  const address = await server.run() as { port: number };
  const waiters = new Set<
    { match: (r: AnsweredRequest) => boolean; done: (r: AnsweredRequest) => void }
  >();
  const observers = new Set<(r: AnsweredRequest) => void>();
  // deno-lint-ignore no-explicit-any
  const http = (server as any).httpServer;
  if (options.fault) {
    const fault = options.fault;
    const s3rverHandlers = http.listeners("request");
    http.removeAllListeners("request");
    // deno-lint-ignore no-explicit-any
    http.on("request", (req: any, res: any) => {
      const injected = fault({ method: req.method, url: req.url });
      if (injected === "cut") return req.socket.destroy();
      if (injected === undefined) {
        for (const handle of s3rverHandlers) handle.call(http, req, res);
        return;
      }
      const code = injected >= 500 ? "InternalError" : "AccessDenied";
      res.statusCode = injected;
      res.setHeader("content-type", "application/xml");
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
          `<Message>injected by the test</Message></Error>`,
      );
    });
  }
  // deno-lint-ignore no-explicit-any
  http.on("request", (req: any, res: any) => {
    if (options.awsMultipartEtags) awsEtags(req, res);
    res.on("finish", () => {
      const seen = { method: req.method, url: req.url, status: res.statusCode };
      for (const see of observers) see(seen);
      for (const w of [...waiters]) {
        if (w.match(seen)) {
          waiters.delete(w);
          w.done(seen);
        }
      }
    });
  });
  // Keys (request paths) whose object a completed multipart upload made.
  const multipart = new Set<string>();
  // deno-lint-ignore no-explicit-any
  const awsEtags = (req: any, res: any) => {
    const [path, query = ""] = String(req.url).split("?");
    if ((req.method === "HEAD" || req.method === "GET") && multipart.has(path)) {
      const set = res.setHeader.bind(res);
      res.setHeader = (name: string, value: unknown) =>
        set(name, name.toLowerCase() === "etag" ? String(value).replace(/"?$/, '-2"') : value);
    }
    res.on("finish", () => {
      if (res.statusCode >= 300) return;
      if (req.method === "POST" && /(^|&)uploadId=/.test(query)) multipart.add(path);
      else if (req.method === "DELETE" || (req.method === "PUT" && !query)) multipart.delete(path);
    });
  };
  const endpoint = `http://127.0.0.1:${address.port}`;
  // Not "/nonexistent": another program on this machine made that a directory once.
  const absent = `${directory}/.absent`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const closed = server.close();
    // A client's idle keep-alive connection (Deno's fetch pool) would otherwise hold close()
    // open for minutes (seen: 3 min, once in six runs).
    http.closeAllConnections?.();
    await closed;
    if (own) await Deno.remove(directory, { recursive: true }).catch(() => {});
  };
  return {
    endpoint,
    bucket,
    directory,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    absent,
    env: {
      AWS_SHARED_CREDENTIALS_FILE: absent,
      AWS_CONFIG_FILE: absent,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: "us-east-1",
    },
    answered: (match) => new Promise((done) => waiters.add({ match, done })),
    observe: (see) => {
      observers.add(see);
      return () => observers.delete(see);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
