/**
 * The `unicore` auth method for workflows: what UNICORE's auth server accepts
 * (password, bearer token, SSH key, anonymous), resolved against the
 * workflow's directory and environment; every secret is registered so logs
 * and reports mask it.
 * @module
 */
import type { AuthContext, AuthMethod, Credentials } from "../../plugin_base.ts";
import { resolveTokenSpec } from "./credentials.ts";
import { UftpConfigError } from "./errors.ts";
import { identityPath } from "./identity.ts";

/** Options of `auth: { method: unicore, ... }`. */
export type UnicoreAuthOptions = {
  user?: string;
  password?: string;
  passwordEnv?: string;
  token?: string;
  identity?: string;
  passphrase?: string;
  passphraseEnv?: string;
  anonymous?: boolean;
};

/**
 * The schema's module (zod), by a specifier Deno cannot read ahead: a literal
 * `import("./auth_schema.ts")` made every `uftp://` transfer read zod's ~100
 * locale files at start-up, though only validation uses the schema.
 */
const SCHEMA_MODULE = new URL("./auth_schema.ts", import.meta.url).href;

function fromEnv(ctx: AuthContext, name: string | undefined, what: string): string | undefined {
  if (name === undefined) return undefined;
  const value = ctx.env(name);
  if (value === undefined) {
    throw new UftpConfigError(`${what}: environment variable ${name} is not set`);
  }
  return value;
}

/**
 * `unicore`: user + password, a token (`@file`, `@@ENV`), an SSH key file
 * (`identity`, with `passphrase`), or `anonymous: true`.
 *
 * @example
 * ```ts
 * await unicoreAuth.resolve({ user: "demouser", identity: "~/.uftp/id_ed25519", passphraseEnv: "KEY_PW" }, ctx);
 * ```
 */
export const unicoreAuth: AuthMethod<UnicoreAuthOptions> = {
  name: "unicore",
  description:
    "UNICORE auth server credentials: password, token (@file, @@ENV), SSH key, anonymous",
  loadSchema: async () =>
    (await import(SCHEMA_MODULE) as typeof import("./auth_schema.ts")).unicoreAuthSchema,
  async resolve(options, ctx): Promise<Credentials> {
    const user = options.user ??
      (ctx.url.username ? decodeURIComponent(ctx.url.username) : undefined);
    if (options.anonymous) return { anonymous: true };
    const password = options.password ?? fromEnv(ctx, options.passwordEnv, "passwordEnv");
    const passphrase = options.passphrase ?? fromEnv(ctx, options.passphraseEnv, "passphraseEnv");
    const token = options.token === undefined ? undefined : await resolveTokenSpec(options.token, {
      readTextFile: (p) => Deno.readTextFile(p),
      env: ctx.env,
      baseDir: ctx.baseDir,
      home: ctx.env("HOME"),
    });
    for (const secret of [password, passphrase, token]) ctx.secrets.add(secret);
    const identity = options.identity === undefined
      ? undefined
      : identityPath(options.identity, { home: ctx.env("HOME"), baseDir: ctx.baseDir });
    return { user, password, token, identity, passphrase };
  },
};
