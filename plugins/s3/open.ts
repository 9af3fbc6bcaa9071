/**
 * Opening `s3://BUCKET/PREFIX`: settings from the workflow (auth method `s3`,
 * endpoint `options:`), the environment and the shared AWS files, resolved
 * into one client and checked with a first small listing.
 * @module
 */
import type { EndpointOpenOptions } from "../../plugin.ts";
import { S3Client } from "./client.ts";
import { loadAwsFiles, resolveS3Config, type S3Settings } from "./config.ts";
import { S3Endpoint, type S3EndpointOptions } from "./endpoint.ts";
import { S3ConfigError } from "./errors.ts";
import { rootPrefix } from "./keys.ts";
import { cacheFile } from "./mtime_cache.ts";
import { canStreamPut } from "./stream_put.ts";

/** Endpoint `options:` an `s3://` URL understands. */
export interface S3UrlOptions extends S3EndpointOptions {
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  profile?: string;
}

const env = (name: string) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

function pick<T>(v: unknown, type: "string" | "number" | "boolean"): T | undefined {
  switch (type) {
    case "string":
      return typeof v === "string" ? v as T : undefined;
    case "number":
      return typeof v === "number" ? v as T : undefined;
    default:
      return typeof v === "boolean" ? v as T : undefined;
  }
}

/**
 * The keys the run's auth resolved: the `s3` method's, or a user and password
 * from the flags every remote command takes (`--user KEY_ID --password-env VAR`,
 * a netrc entry for the bucket) as access key id and secret access key.
 */
function keysOf(credentials: EndpointOpenOptions["credentials"] | undefined): S3Settings {
  const c = (credentials ?? {}) as { s3?: S3Settings; user?: string; password?: string };
  if (c.s3) return c.s3;
  if (c.user && c.password) return { accessKeyId: c.user, secretAccessKey: c.password };
  return {};
}

/**
 * Opens an `s3://bucket/prefix` URL.
 *
 * @example
 * ```ts
 * const ep = await openS3(new URL("s3://backups/nightly"), { credentials: {}, options: { endpoint: "http://127.0.0.1:4568" } });
 * ```
 */
export async function openS3(
  url: URL,
  options: Partial<EndpointOpenOptions> = {},
): Promise<S3Endpoint> {
  const bucket = decodeURIComponent(url.hostname || url.host);
  if (!bucket) throw new S3ConfigError(`${url.href}: no bucket (the form is s3://BUCKET/PREFIX)`);
  if (url.username || url.password) {
    throw new S3ConfigError(
      `s3://${bucket}: keys do not belong in the URL; use AWS_ACCESS_KEY_ID, a profile or auth: { method: s3 }`,
    );
  }
  // The AWS CLI takes `s3://b/backup#2` literally; as a URL it is `backup` plus a fragment (or
  // a query after `?`), another prefix: a mirror --delete there removed what `backup/` held.
  const cut = url.href.match(/[#?].*$/)?.[0];
  if (cut) {
    throw new S3ConfigError(
      `s3://${bucket}: '${cut[0]}' in the URL starts its ${
        cut[0] === "#" ? "fragment" : "query"
      } (${JSON.stringify(cut)} is not part of the key): write '#' as %23, '?' as %3F, '%' as %25`,
    );
  }
  const extra = (options.options ?? {}) as Record<string, unknown>;
  const fromAuth = keysOf(options.credentials);
  const settings: S3Settings = {
    ...fromAuth,
    profile: fromAuth.profile ?? pick<string>(extra.profile, "string"),
    endpoint: pick<string>(extra.endpoint, "string"),
    region: pick<string>(extra.region, "string"),
    pathStyle: pick<boolean>(extra.pathStyle, "boolean"),
  };
  const config = resolveS3Config(settings, env, await loadAwsFiles(env));
  let caBundle: string | undefined;
  const caFile = env("AWS_CA_BUNDLE");
  if (caFile && config.endpoint.startsWith("https:")) {
    try {
      caBundle = await Deno.readTextFile(caFile);
    } catch (e) {
      throw new S3ConfigError(`cannot read AWS_CA_BUNDLE ${caFile}: ${(e as Error).message}`);
    }
  }
  const client = new S3Client(bucket, config, { caBundle });
  const shown = `s3://${bucket}${url.pathname}`;
  try {
    return await S3Endpoint.connect(client, shown, {
      uploadCutoff: canStreamPut(env) ? pick<number>(extra.uploadCutoff, "number") : 0,
      partSize: pick<number>(extra.partSize, "number"),
      partsInFlight: pick<number>(extra.partsInFlight, "number"),
      headConcurrency: pick<number>(extra.headConcurrency, "number"),
      listingTrustMs: pick<number>(extra.listingTrustMs, "number"),
      maxConnections: options.maxConnections,
      cacheFile: typeof extra.stateDir === "string"
        ? cacheFile(extra.stateDir, config.endpoint, bucket, rootPrefix(url.pathname))
        : undefined,
    });
  } catch (e) {
    client.close();
    throw e;
  }
}
