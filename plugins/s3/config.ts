/**
 * Where an `s3://` endpoint gets its keys, region and endpoint URL: the AWS
 * CLI's order (environment keys, then the profile in the shared credentials
 * and config files), overridden by what a workflow or the caller names.
 * Parsing is pure; reading files is the thin edge in {@link loadAwsFiles}.
 * @module
 */
import { join } from "node:path";
import { S3ConfigError } from "./errors.ts";
import type { SigningKeys } from "./sigv4.ts";

/** One `[section]` of an AWS INI file: keys lower-cased; nested `s3 =` blocks flattened to `s3.key`. */
export type IniSection = Record<string, string>;

/**
 * Parses an AWS shared config/credentials file (INI with `#`/`;` comments and
 * indented sub-keys under a key with an empty value, like `s3 =`).
 *
 * @example
 * ```ts
 * parseIni("[default]\naws_access_key_id = AK\ns3 =\n  addressing_style = path\n");
 * // { default: { aws_access_key_id: "AK", "s3.addressing_style": "path" } }
 * ```
 */
export function parseIni(text: string): Record<string, IniSection> {
  const out: Record<string, IniSection> = {};
  let section: IniSection | undefined;
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const head = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(raw);
    if (head) {
      section = out[head[1]] ??= {};
      parent = undefined;
      continue;
    }
    const kv = /^(\s*)([^=\s]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!kv || !section) continue;
    const [, indent, key, value] = kv;
    if (indent && parent) section[`${parent}.${key.toLowerCase()}`] = value;
    else {
      section[key.toLowerCase()] = value;
      parent = value === "" ? key.toLowerCase() : undefined;
    }
  }
  return out;
}

/** The two shared files, parsed (empty when missing). */
export interface AwsFiles {
  credentials: Record<string, IniSection>;
  config: Record<string, IniSection>;
}

/** What a workflow or caller sets explicitly; each overrides the environment. */
export interface S3Settings {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** A profile of the shared files (instead of `AWS_PROFILE`). */
  profile?: string;
  region?: string;
  /** `http(s)://host:port` of a non-AWS S3 service. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default: on for a custom endpoint. */
  pathStyle?: boolean;
  /** Send unsigned requests (public buckets), like `aws --no-sign-request`. */
  anonymous?: boolean;
}

/** Everything a client needs, resolved. */
export interface ResolvedS3Config {
  keys?: SigningKeys;
  region: string;
  /** Endpoint origin without a trailing slash, e.g. `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  pathStyle: boolean;
  /** Where the keys came from, for messages (never the keys). */
  keySource: string;
  /** Whether `endpoint` was set (not AWS's own). */
  customEndpoint: boolean;
}

/**
 * Resolves keys, region and endpoint the AWS CLI's way: explicit settings,
 * then `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, then
 * the profile (`AWS_PROFILE`, else `default`) in the credentials file, then
 * in the config file (`[profile NAME]`). Region: setting, `AWS_REGION`,
 * `AWS_DEFAULT_REGION`, the profile's `region`, else `us-east-1`. Endpoint:
 * setting, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's
 * `endpoint_url`, else AWS's regional endpoint.
 *
 * @example
 * ```ts
 * const cfg = resolveS3Config({}, (k) => Deno.env.get(k), { credentials: {}, config: {} });
 * ```
 */
export function resolveS3Config(
  settings: S3Settings,
  env: (name: string) => string | undefined,
  files: AwsFiles,
): ResolvedS3Config {
  const profileName = settings.profile ?? env("AWS_PROFILE") ?? env("AWS_DEFAULT_PROFILE") ??
    "default";
  const explicitProfile = settings.profile !== undefined || env("AWS_PROFILE") !== undefined;
  const fromCreds = files.credentials[profileName];
  const fromConfig =
    files.config[profileName === "default" ? "default" : `profile ${profileName}`] ??
      files.config[profileName];
  if (explicitProfile && !fromCreds && !fromConfig && !settings.accessKeyId) {
    throw new S3ConfigError(
      `profile ${JSON.stringify(profileName)} is in neither the credentials nor the config file`,
    );
  }
  const profile = { ...fromConfig, ...fromCreds };
  let keys: SigningKeys | undefined;
  let keySource = "none";
  const pick = (id?: string, secret?: string, token?: string, source?: string) => {
    if (keys || !id) return;
    if (!secret) throw new S3ConfigError(`${source} has an access key id but no secret key`);
    keys = { accessKeyId: id, secretAccessKey: secret, sessionToken: token || undefined };
    keySource = source!;
  };
  if (!settings.anonymous) {
    pick(
      settings.accessKeyId,
      settings.secretAccessKey,
      settings.sessionToken,
      "the auth settings",
    );
    // A profile named in the workflow wins over the environment's keys, as `aws --profile` does.
    if (settings.profile === undefined) {
      pick(
        env("AWS_ACCESS_KEY_ID"),
        env("AWS_SECRET_ACCESS_KEY"),
        env("AWS_SESSION_TOKEN") ?? env("AWS_SECURITY_TOKEN"),
        "AWS_ACCESS_KEY_ID",
      );
    }
    pick(
      profile.aws_access_key_id,
      profile.aws_secret_access_key,
      profile.aws_session_token,
      `profile ${profileName}`,
    );
  }
  const region = settings.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ??
    profile.region ?? "us-east-1";
  const custom = settings.endpoint ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL") ??
    profile["s3.endpoint_url"] ?? profile.endpoint_url;
  let endpoint: string;
  if (custom) {
    let url: URL;
    try {
      url = new URL(custom);
    } catch {
      throw new S3ConfigError(`endpoint ${JSON.stringify(custom)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new S3ConfigError(`endpoint ${custom} must be http:// or https://`);
    }
    endpoint = url.origin + url.pathname.replace(/\/+$/, "");
  } else {
    endpoint = region === "us-east-1"
      ? "https://s3.amazonaws.com"
      : `https://s3.${region}.amazonaws.com`;
  }
  const style = profile["s3.addressing_style"];
  const pathStyle = settings.pathStyle ??
    (style === "path" ? true : style === "virtual" ? false : custom !== undefined);
  return { keys, region, endpoint, pathStyle, keySource, customEndpoint: custom !== undefined };
}

/**
 * Reads `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE`
 * / `AWS_CONFIG_FILE`); a missing file is empty.
 *
 * @example
 * ```ts
 * const files = await loadAwsFiles((k) => Deno.env.get(k));
 * ```
 */
export async function loadAwsFiles(env: (name: string) => string | undefined): Promise<AwsFiles> {
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  const read = async (path: string) => {
    try {
      return parseIni(await Deno.readTextFile(path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) return {};
      throw new S3ConfigError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    credentials: await read(
      env("AWS_SHARED_CREDENTIALS_FILE") ?? join(home, ".aws", "credentials"),
    ),
    config: await read(env("AWS_CONFIG_FILE") ?? join(home, ".aws", "config")),
  };
}
