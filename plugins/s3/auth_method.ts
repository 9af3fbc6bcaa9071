/**
 * The `s3` auth method for workflows: which environment variables hold the
 * keys, or which profile of the shared AWS files to use. Without it, an
 * `s3://` endpoint finds its keys as the AWS CLI does (see config.ts).
 * @module
 */
import type { AuthContext, AuthMethod, Credentials } from "../../plugin.ts";
import { z } from "../../deps/zod.ts";
import { S3ConfigError } from "./errors.ts";

/** Options of `auth: { method: s3, ... }`. */
export type S3AuthOptions = {
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  sessionTokenEnv?: string;
  profile?: string;
  anonymous?: boolean;
};

function fromEnv(ctx: AuthContext, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = ctx.env(name);
  if (value === undefined || value === "") {
    throw new S3ConfigError(`environment variable ${name} is not set`);
  }
  return value;
}

/**
 * `s3`: keys from named environment variables, or a profile, or unsigned.
 *
 * @example
 * ```ts
 * await s3Auth.resolve({ accessKeyIdEnv: "BACKUP_KEY_ID", secretAccessKeyEnv: "BACKUP_SECRET" }, ctx);
 * ```
 */
export const s3Auth: AuthMethod<S3AuthOptions> = {
  name: "s3",
  description: "S3 keys from named environment variables, an AWS profile, or unsigned requests",
  schema: z.object({
    accessKeyIdEnv: z.string().optional().meta({
      description: "variable holding the access key id",
    }),
    secretAccessKeyEnv: z.string().optional().meta({
      description: "variable holding the secret access key",
    }),
    sessionTokenEnv: z.string().optional().meta({
      description: "variable holding a session token (temporary keys)",
    }),
    profile: z.string().optional().meta({
      description: "a profile of ~/.aws/credentials and ~/.aws/config",
    }),
    anonymous: z.boolean().optional().meta({ description: "unsigned requests (public buckets)" }),
  }),
  resolve(options: S3AuthOptions, ctx: AuthContext): Promise<Credentials> {
    if ((options.accessKeyIdEnv === undefined) !== (options.secretAccessKeyEnv === undefined)) {
      return Promise.reject(
        new S3ConfigError("auth s3: accessKeyIdEnv and secretAccessKeyEnv go together"),
      );
    }
    try {
      const accessKeyId = fromEnv(ctx, options.accessKeyIdEnv);
      const secretAccessKey = fromEnv(ctx, options.secretAccessKeyEnv);
      const sessionToken = fromEnv(ctx, options.sessionTokenEnv);
      ctx.secrets.add(secretAccessKey);
      ctx.secrets.add(sessionToken);
      return Promise.resolve({
        s3: {
          accessKeyId,
          secretAccessKey,
          sessionToken,
          profile: options.profile,
          anonymous: options.anonymous,
        },
      });
    } catch (e) {
      return Promise.reject(e);
    }
  },
};
