/**
 * Errors of the s3 plugin. Every message names the bucket and key (or the
 * endpoint) it is about, and never a secret: S3 error bodies are reduced to
 * their `Code` and `Message`, request signatures are never quoted.
 * @module
 */
import { FerryError } from "../../plugin.ts";

/** Settings that cannot work (a profile that is not there, a bad endpoint URL). */
export class S3ConfigError extends FerryError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(`s3: ${message}`, { code: "ES3CONFIG", cause: options.cause });
  }
}

/** An S3 error reply (`<Error><Code>...`), or an HTTP status without one. */
export class S3Error extends FerryError {
  /** S3's error code (`NoSuchBucket`, `SignatureDoesNotMatch`, ...) or `HTTP<status>`. */
  readonly s3Code: string;
  readonly status: number;
  /** The object key or prefix the request was about (`""` for the bucket). */
  readonly key: string;
  /** Worth retrying (5xx, SlowDown, throttling). */
  readonly temporary: boolean;
  constructor(
    message: string,
    details: { s3Code: string; status: number; key: string; code?: string; cause?: unknown },
  ) {
    super(message, { code: details.code ?? "ES3", cause: details.cause });
    this.s3Code = details.s3Code;
    this.status = details.status;
    this.key = details.key;
    this.temporary = details.status >= 500 || details.status === 429 ||
      /^(SlowDown|Throttling|RequestTimeout|InternalError|ServiceUnavailable)/.test(details.s3Code);
  }
}

/** Wrong or unknown keys, an expired token, a signature the service refused. */
export class S3AuthError extends S3Error {}

/** The bucket is not there. */
export class S3NoSuchBucketError extends S3Error {}

/** The endpoint answered, but not like an S3 service (HTML, no XML error, wrong shape). */
export class S3ProtocolError extends FerryError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "ES3PROTO", cause: options.cause });
  }
}

/**
 * An object key that cannot be a local name (an empty, `.` or `..` segment, a
 * leading `/`, NUL, CR/LF), or a key that is both an object and a prefix.
 */
export class S3KeyError extends FerryError {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`s3 key ${JSON.stringify(key)} ${reason}`, { code: "ES3KEY" });
    this.key = key;
  }
}
