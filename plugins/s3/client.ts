/**
 * A small S3 client over `fetch`: SigV4-signed requests for the dozen
 * operations the endpoint needs, errors turned into typed ones that name the
 * bucket and key. One client per bucket; Deno's fetch keeps connections alive.
 * @module
 */
import { createHash } from "node:crypto";
import { logger } from "../../plugin.ts";
import { S3AuthError, S3Error, S3NoSuchBucketError, S3ProtocolError } from "./errors.ts";
import type { ResolvedS3Config } from "./config.ts";
import { signRequest, uriEncode } from "./sigv4.ts";
import { escapeXml, type ListPage, parseDeleteResult, parseListPage, text } from "./xml.ts";
import type { DeleteFailure } from "./xml.ts";

const log = logger("s3", "client");

/** One request. `key` undefined addresses the bucket itself. */
export interface S3Request {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal;
  /** Statuses that are answers, not errors (besides 2xx), e.g. 404 for HEAD. */
  accept?: number[];
}

/** What HEAD tells about an object. */
export interface ObjectHead {
  size: number;
  lastModified?: Date;
  etag?: string;
  contentType?: string;
  /** `x-amz-meta-*` headers, names without the prefix, lower-cased. */
  meta: Record<string, string>;
}

/**
 * Base64 MD5 of bytes, for `Content-MD5` (the server then refuses a body that arrived damaged).
 *
 * @example
 * ```ts
 * md5Base64(new Uint8Array()); // "1B2M2Y8AsgTpgAmY7PhCfg=="
 * ```
 */
export function md5Base64(data: Uint8Array): string {
  return createHash("md5").update(data).digest("base64");
}

/**
 * A key as `x-amz-copy-source` carries it: percent-encoded like `encodeURI`
 * (reserved characters such as `#`, `+`, `&` stay as they are, which S3 reads
 * the same either way and s3rver, which decodes with `decodeURI`, needs),
 * with `?` encoded too, since S3 would take it for `?versionId=`.
 *
 * @example
 * ```ts
 * copySourceKey("a b/#1?.txt"); // "a%20b/#1%3F.txt"
 * ```
 */
export function copySourceKey(key: string): string {
  return encodeURI(key).replace(/\?/g, "%3F");
}

/** An S3 client bound to one bucket. */
export class S3Client {
  readonly bucket: string;
  readonly config: ResolvedS3Config;
  readonly #http?: Deno.HttpClient;
  /** The CA bundle (PEM) an https endpoint is checked against, when not the system's. */
  readonly caBundle?: string;

  /**
   * @example
   * ```ts
   * const client = new S3Client("my-bucket", resolveS3Config({}, (k) => Deno.env.get(k), files));
   * ```
   */
  constructor(bucket: string, config: ResolvedS3Config, options: { caBundle?: string } = {}) {
    this.bucket = bucket;
    this.config = config;
    if (options.caBundle && config.endpoint.startsWith("https:")) {
      this.caBundle = options.caBundle;
      this.#http = Deno.createHttpClient({ caCerts: [options.caBundle] });
    }
  }

  /** Where the bucket is, for messages: `s3://bucket` at the endpoint. */
  get where(): string {
    return this.config.customEndpoint
      ? `s3://${this.bucket} at ${this.config.endpoint}`
      : `s3://${this.bucket}`;
  }

  /**
   * The request URL of a key (path-style or virtual-hosted).
   *
   * @example
   * ```ts
   * client.url("a b/c").href; // "http://127.0.0.1:4568/bucket/a%20b/c" (path style)
   * ```
   */
  url(key?: string, query?: Record<string, string>): URL {
    const path = key === undefined ? "" : uriEncode(key, true);
    const base = new URL(this.config.endpoint);
    let url: URL;
    if (this.config.pathStyle) {
      url = new URL(`${base.origin}${base.pathname.replace(/\/$/, "")}/${this.bucket}/${path}`);
    } else {
      url = new URL(`${base.protocol}//${this.bucket}.${base.host}/${path}`);
    }
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url;
  }

  /**
   * Sends one signed request; non-2xx answers (unless accepted) become typed errors.
   *
   * @example
   * ```ts
   * const res = await client.send({ method: "GET", key: "a.txt" });
   * ```
   */
  async send(req: S3Request): Promise<Response> {
    const { href, headers } = this.signed(req);
    let res: Response;
    try {
      res = await fetch(href, {
        method: req.method,
        headers,
        body: req.body,
        signal: req.signal,
        client: this.#http,
      } as RequestInit);
    } catch (e) {
      if ((e as Error)?.name === "AbortError") throw e;
      throw new S3Error(
        `${this.about(req)}: cannot reach the endpoint (${(e as Error).message.split("\n")[0]})`,
        { s3Code: "Network", status: 503, key: req.key ?? "", code: "ECONNREFUSED", cause: e },
      );
    }
    if (res.ok || req.accept?.includes(res.status)) return res;
    throw await this.failure(req, res);
  }

  /**
   * The URL and headers of a request as sent: signed when there are keys.
   *
   * @example
   * ```ts
   * const { href, headers } = client.signed({ method: "PUT", key: "a.txt" });
   * ```
   */
  signed(req: Omit<S3Request, "body">): { href: string; headers: Record<string, string> } {
    const url = this.url(req.key, req.query);
    // URLSearchParams writes spaces as '+', which S3 would read as '+': percent-encode them.
    const href = url.href.replace(/\?.*$/, (q) => q.replace(/\+/g, "%20"));
    const headers = this.config.keys
      ? signRequest(
        { method: req.method, url, headers: req.headers ?? {}, region: this.config.region },
        this.config.keys,
      )
      : { ...req.headers };
    return { href, headers };
  }

  /**
   * What a request is about, for messages: the bucket (and endpoint) with the
   * key, or the prefix of a listing.
   *
   * @example
   * ```ts
   * client.about({ key: "a.txt" }); // "s3://b at http://127.0.0.1:4568: a.txt"
   * ```
   */
  about(req: Pick<S3Request, "key" | "query">): string {
    if (req.key !== undefined) return `${this.where}: ${req.key}`;
    const prefix = req.query?.["list-type"] ? req.query.prefix : undefined;
    return prefix === undefined
      ? this.where
      : `${this.where}: listing of ${JSON.stringify(prefix)}`;
  }

  /**
   * The typed error of a non-2xx answer to `req`: it names the bucket and key,
   * never a secret.
   *
   * @example
   * ```ts
   * throw await client.failure({ method: "GET", key: "a" }, res);
   * ```
   */
  async failure(
    req: Pick<S3Request, "method" | "key" | "query">,
    res: Response,
  ): Promise<Error> {
    const body = req.method === "HEAD" ? "" : await res.text().catch(() => "");
    const what = this.about(req);
    const code = text(body, "Code");
    if (!code && body && !/^\s*(<\?xml|<Error)/.test(body)) {
      const type = res.headers.get("content-type") ?? "no content type";
      return new S3ProtocolError(
        `${what}: the endpoint answered ${req.method} with HTTP ${res.status} (${type}), not S3's XML: is ${this.config.endpoint} an S3 service?`,
      );
    }
    const s3Code = code ?? `HTTP${res.status}`;
    const message = text(body, "Message") ?? res.statusText;
    const details = { s3Code, status: res.status, key: req.key ?? "" };
    log.debug("{method} {key}: {status} {code}", {
      method: req.method,
      key: req.key ?? "",
      status: res.status,
      code: s3Code,
    });
    if (s3Code === "NoSuchBucket") {
      // The URL keeps the bucket's case; S3 has taken only lower-case names since 2018.
      const hint = /[A-Z]/.test(this.bucket) ? " (bucket names are lower case)" : "";
      return new S3NoSuchBucketError(`${this.where}: NoSuchBucket: no such bucket${hint}`, {
        ...details,
        code: "ENOENT",
      });
    }
    if (
      /^(InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken|AuthorizationHeaderMalformed|AccessDenied|AllAccessDisabled)$/
        .test(s3Code) || (res.status === 403 && !code)
    ) {
      const keyId = this.config.keys?.accessKeyId;
      const who = keyId
        ? `access key ${keyId.slice(0, 4)}… (from ${this.config.keySource})`
        : "unsigned requests";
      return new S3AuthError(`${what}: ${s3Code}: ${message} (${who})`, {
        ...details,
        code: "EACCES",
      });
    }
    return new S3Error(
      `${what}: ${s3Code}${message ? `: ${message}` : ""} (HTTP ${res.status})`,
      details,
    );
  }

  /**
   * HEAD of an object, or undefined when there is none.
   *
   * @example
   * ```ts
   * const head = await client.head("a.txt");
   * ```
   */
  async head(key: string, signal?: AbortSignal): Promise<ObjectHead | undefined> {
    const res = await this.send({ method: "HEAD", key, signal, accept: [404] });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    const meta: Record<string, string> = {};
    for (const [k, v] of res.headers) {
      if (k.toLowerCase().startsWith("x-amz-meta-")) meta[k.slice(11).toLowerCase()] = v;
    }
    const modified = res.headers.get("last-modified");
    return {
      size: Number(res.headers.get("content-length") ?? 0),
      lastModified: modified ? new Date(modified) : undefined,
      etag: res.headers.get("etag")?.replace(/^"|"$/g, ""),
      contentType: res.headers.get("content-type") ?? undefined,
      meta,
    };
  }

  /**
   * One page of ListObjectsV2.
   *
   * @example
   * ```ts
   * const page = await client.listPage("dir/", "/");
   * ```
   */
  async listPage(
    prefix: string,
    delimiter: string | undefined,
    token?: string,
    options: { maxKeys?: number; signal?: AbortSignal } = {},
  ): Promise<ListPage> {
    const query: Record<string, string> = { "list-type": "2", prefix };
    if (delimiter) query.delimiter = delimiter;
    if (token) query["continuation-token"] = token;
    if (options.maxKeys) query["max-keys"] = String(options.maxKeys);
    const res = await this.send({ method: "GET", query, signal: options.signal });
    const body = await res.text();
    if (!body.includes("<ListBucketResult")) {
      throw new S3ProtocolError(
        `${this.where}: the endpoint answered a listing with HTTP ${res.status} (${
          res.headers.get("content-type") ?? "no content type"
        }) but no ListBucketResult: is ${this.config.endpoint} an S3 service?`,
      );
    }
    return parseListPage(body);
  }

  /**
   * Every page of a listing, in order (each page's token leads to the next).
   *
   * @example
   * ```ts
   * for await (const page of client.listAll("dir/", "/")) console.log(page.objects.length);
   * ```
   */
  async *listAll(
    prefix: string,
    delimiter: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<ListPage> {
    let token: string | undefined;
    for (;;) {
      const page = await this.listPage(prefix, delimiter, token, { signal });
      yield page;
      if (!page.truncated) return;
      if (!page.nextToken || page.nextToken === token) {
        throw new S3ProtocolError(
          `${this.where}: a truncated listing of ${
            JSON.stringify(prefix)
          } came without a next token`,
        );
      }
      token = page.nextToken;
    }
  }

  /**
   * PUT of a whole object; returns its ETag (without quotes).
   *
   * @example
   * ```ts
   * await client.put("a.txt", new TextEncoder().encode("hi"), { mtime: "1700000000" });
   * ```
   */
  async put(
    key: string,
    body: Uint8Array,
    meta: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<string> {
    const headers: Record<string, string> = {
      "content-md5": md5Base64(body),
      "content-type": "application/octet-stream",
    };
    for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k}`] = v;
    const res = await this.send({ method: "PUT", key, headers, body, signal });
    await res.body?.cancel();
    return res.headers.get("etag")?.replace(/^"|"$/g, "") ?? "";
  }

  /**
   * Server-side copy; `meta` given replaces the metadata, else it is kept.
   *
   * @example
   * ```ts
   * await client.copy("a.txt", "b.txt");
   * ```
   */
  async copy(
    from: string,
    to: string,
    meta?: Record<string, string>,
    contentType?: string,
  ): Promise<void> {
    const headers: Record<string, string> = {
      "x-amz-copy-source": `/${this.bucket}/${copySourceKey(from)}`,
    };
    if (meta) {
      headers["x-amz-metadata-directive"] = "REPLACE";
      headers["content-type"] = contentType ?? "application/octet-stream";
      for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k}`] = v;
    }
    const res = await this.send({ method: "PUT", key: to, headers });
    // A copy can fail after its 200 header: the error is then in the body.
    const body = await res.text();
    const code = text(body, "Code");
    if (body.includes("<Error") && code) {
      throw new S3Error(
        `${this.where}: copy ${from} -> ${to}: ${code}: ${text(body, "Message") ?? ""}`,
        {
          s3Code: code,
          status: 500,
          key: to,
        },
      );
    }
  }

  /**
   * DELETE of one object (S3 answers 204 whether it was there or not).
   *
   * @example
   * ```ts
   * await client.delete("a.txt");
   * ```
   */
  async delete(key: string): Promise<void> {
    const res = await this.send({ method: "DELETE", key });
    await res.body?.cancel();
  }

  /**
   * DeleteObjects of up to 1,000 keys (quiet mode); returns the keys that failed.
   *
   * @example
   * ```ts
   * const failed = await client.deleteMany(["a", "b/c"]);
   * ```
   */
  async deleteMany(keys: string[], signal?: AbortSignal): Promise<DeleteFailure[]> {
    if (keys.length === 0) return [];
    if (keys.length > 1000) throw new RangeError("DeleteObjects takes at most 1,000 keys");
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>` +
      keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join("") + `</Delete>`;
    const body = new TextEncoder().encode(xml);
    const res = await this.send({
      method: "POST",
      query: { delete: "" },
      headers: { "content-md5": md5Base64(body), "content-type": "application/xml" },
      body,
      signal,
    });
    return parseDeleteResult(await res.text());
  }

  /**
   * Starts a multipart upload; returns its upload id.
   *
   * @example
   * ```ts
   * const id = await client.createMultipart("big.iso", { mtime: "1700000000" });
   * ```
   */
  async createMultipart(
    key: string,
    meta: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string> {
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    for (const [k, v] of Object.entries(meta)) headers[`x-amz-meta-${k}`] = v;
    const res = await this.send({ method: "POST", key, query: { uploads: "" }, headers, signal });
    const id = text(await res.text(), "UploadId");
    if (!id) {
      throw new S3ProtocolError(
        `${this.where}: ${key}: no UploadId in the answer to CreateMultipartUpload`,
      );
    }
    return id;
  }

  /**
   * Uploads one part (1-based number); returns its ETag.
   *
   * @example
   * ```ts
   * const etag = await client.uploadPart("big.iso", id, 1, bytes);
   * ```
   */
  async uploadPart(
    key: string,
    uploadId: string,
    part: number,
    body: Uint8Array,
    signal?: AbortSignal,
  ): Promise<string> {
    const res = await this.send({
      method: "PUT",
      key,
      query: { partNumber: String(part), uploadId },
      headers: { "content-md5": md5Base64(body) },
      body,
      signal,
    });
    await res.body?.cancel();
    const etag = res.headers.get("etag");
    if (!etag) {
      throw new S3ProtocolError(`${this.where}: ${key}: part ${part} came back without an ETag`);
    }
    return etag;
  }

  /**
   * Completes a multipart upload from its parts' ETags (in part order).
   *
   * @example
   * ```ts
   * await client.completeMultipart("big.iso", id, [etag1, etag2]);
   * ```
   */
  async completeMultipart(key: string, uploadId: string, etags: string[]): Promise<void> {
    const xml = `<CompleteMultipartUpload>` +
      etags.map((e, i) =>
        `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(e)}</ETag></Part>`
      )
        .join("") +
      `</CompleteMultipartUpload>`;
    const res = await this.send({
      method: "POST",
      key,
      query: { uploadId },
      headers: { "content-type": "application/xml" },
      body: new TextEncoder().encode(xml),
    });
    // S3 may answer 200 and put the error in the body.
    const body = await res.text();
    if (body.includes("<Error")) {
      const code = text(body, "Code") ?? "InternalError";
      throw new S3Error(`${this.where}: ${key}: completing the upload failed: ${code}`, {
        s3Code: code,
        status: 500,
        key,
      });
    }
  }

  /**
   * Aborts a multipart upload so its parts are dropped (and not billed).
   *
   * @example
   * ```ts
   * await client.abortMultipart("big.iso", id);
   * ```
   */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const res = await this.send({ method: "DELETE", key, query: { uploadId }, accept: [404] });
    await res.body?.cancel();
  }

  /** Releases the HTTP client. */
  close(): void {
    this.#http?.close();
  }
}
