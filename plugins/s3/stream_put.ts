/**
 * One PUT whose body streams with a `Content-Length` known in advance, for
 * objects between the part size and the single-PUT cutoff (rclone's 200 MiB):
 * one request and one stored copy instead of a multipart upload, which a
 * server (s3rver, MinIO on one disk) completes by copying the parts again.
 *
 * Deno's `fetch` sends a stream body chunked and drops a `Content-Length`
 * header, and S3 refuses a chunked PUT; `node:http` sends the length given,
 * so the body goes through it (loaded only when such an object is written).
 * S3 stores nothing of a PUT whose body did not arrive whole. The body's MD5
 * cannot go ahead of it as `Content-MD5` without reading the source twice; it
 * is compared with the ETag the answer carries instead.
 * @module
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { createHash } from "node:crypto";
import type { S3Client } from "./client.ts";
import { S3Error } from "./errors.ts";

/** A PUT in progress (see the module notes). */
export interface StreamingPut {
  /** Sends a chunk; resolves when the connection takes more. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the body; resolves with the object's ETag (without quotes) once S3 answered. */
  end(): Promise<string>;
  /** Drops the request before its body is whole: S3 then keeps nothing of it. */
  abort(reason?: unknown): void;
}

const PROXY_VARS = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
];

/**
 * Whether a streamed PUT can go the direct way: `node:http` does not use the
 * proxy settings `fetch` honours, so with a proxy set, objects take the
 * multipart path (which goes through `fetch`).
 *
 * @example
 * ```ts
 * if (canStreamPut((k) => Deno.env.get(k))) console.log("one PUT up to 200 MiB");
 * ```
 */
export function canStreamPut(env: (name: string) => string | undefined): boolean {
  return !PROXY_VARS.some((v) => env(v));
}

/**
 * Starts `PUT key` with a body of exactly `size` bytes.
 *
 * @example
 * ```ts
 * const put = await startStreamingPut(client, "big.bin", 20 << 20, { mtime: "1700000000" });
 * for await (const chunk of file.readable) await put.write(chunk);
 * const etag = await put.end();
 * ```
 */
export async function startStreamingPut(
  client: S3Client,
  key: string,
  size: number,
  meta: Record<string, string>,
  signal?: AbortSignal,
): Promise<StreamingPut> {
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k}`] = v;
  const signed = client.signed({ method: "PUT", key, headers });
  const https = signed.href.startsWith("https:");
  const http = https ? await import("node:https") : await import("node:http");
  const md5 = createHash("md5");
  let failure: unknown;
  let answer: IncomingMessage | undefined;
  const answered = Promise.withResolvers<IncomingMessage>();
  // One connection per object (no agent): nothing is left open to hold the process.
  const req: ClientRequest = http.request(signed.href, {
    method: "PUT",
    headers: { ...signed.headers, "content-length": String(size) },
    agent: false,
    ...(https && client.caBundle ? { ca: client.caBundle } : {}),
  });
  /** Writes waiting for room; an early answer (a refusal) wakes them too. */
  const waiting = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiting]) w();
  };
  req.on("response", (res) => {
    answer = res;
    answered.resolve(res);
    wake();
  });
  req.on("error", (e) => {
    failure ??= e;
    answered.reject(e);
    wake();
  });
  req.on("close", () => {
    if (!answer) {
      failure ??= new Error("the connection closed before the server answered");
      answered.reject(failure);
    }
    wake();
  });
  // The answer may come early (a refusal before the body is whole); end() reads it.
  answered.promise.catch(() => {});
  const onAbort = () => req.destroy(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const fail = (e: unknown): never => {
    // Aborted on purpose: the abort's reason, not a network error that invites a retry.
    if (signal?.aborted) throw signal.reason;
    if (e instanceof S3Error) throw e;
    throw new S3Error(
      `${client.where}: ${key}: the upload's connection failed (${
        String((e as Error)?.message ?? e).split("\n")[0]
      })`,
      { s3Code: "Network", status: 503, key, code: "ECONNRESET", cause: e },
    );
  };
  /** The answer as a fetch Response, for the client's error reading. */
  const asResponse = async (res: IncomingMessage): Promise<Response> => {
    const chunks: Uint8Array[] = [];
    for await (const c of res) chunks.push(c as Uint8Array);
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : String(v));
    }
    return new Response(chunks.length ? new Blob(chunks as BlobPart[]) : null, {
      status: res.statusCode ?? 500,
      headers: h,
    });
  };
  let refusal: Promise<Error> | undefined;
  const refused = (res: IncomingMessage) =>
    refusal ??= asResponse(res).then((r) => client.failure({ method: "PUT", key }, r));

  return {
    async write(chunk) {
      if (answer && (answer.statusCode ?? 500) >= 300) {
        const error = await refused(answer);
        req.destroy();
        throw error;
      }
      if (failure) fail(failure);
      md5.update(chunk);
      if (req.write(chunk)) return;
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          waiting.delete(done);
          req.off("drain", done);
          req.off("error", done);
          req.off("close", done);
          failure ? reject(failure) : resolve();
        };
        waiting.add(done);
        req.on("drain", done).on("error", done).on("close", done);
        if (answer) done();
      }).catch(fail);
      // A server that refused the PUT early stops reading: say why instead of waiting for room.
      if (answer && (answer.statusCode ?? 500) >= 300) {
        const error = await refused(answer);
        req.destroy();
        throw error;
      }
    },
    async end() {
      try {
        req.end();
        const res = await answered.promise.catch(fail);
        if ((res.statusCode ?? 500) >= 300) throw await refused(res);
        res.resume();
        const etag = String(res.headers.etag ?? "").replace(/^"|"$/g, "");
        const sent = md5.digest("hex");
        if (/^[0-9a-f]{32}$/i.test(etag) && etag.toLowerCase() !== sent) {
          // The bytes stored are not the bytes sent: no object is better than a wrong one that
          // carries the source's mtime (a later run would take it as up to date).
          await client.delete(key).catch(() => {});
          throw new S3Error(
            `${client.where}: ${key}: the stored object's MD5 ${etag} is not the MD5 sent (${sent}); removed`,
            { s3Code: "BadDigest", status: 400, key },
          );
        }
        return etag;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    },
    abort(reason) {
      signal?.removeEventListener("abort", onAbort);
      req.destroy(reason instanceof Error ? reason : undefined);
    },
  };
}
