/**
 * The built-in auth methods with their option schemas: anonymous, password
 * (inline, env or file), netrc, command (run a program, use its output) and
 * prompt (ask at the terminal). The resolving is in resolvers.ts (no zod).
 * @module
 */
import { z } from "../../deps/zod.ts";
import type { AuthMethod, OptionsSchema } from "../plugin.ts";
import {
  anonymousResolver,
  authResolvers,
  type CommandOptions,
  commandResolver,
  netrcResolver,
  type PasswordOptions,
  passwordResolver,
  promptResolver,
} from "./resolvers.ts";

const user = z.string().min(1).optional().meta({
  description: "user name (default: the one in the URL)",
});

const PASSWORD_SOURCES = ["password", "passwordEnv", "passwordFile"] as const;

/** `anonymous`: user `anonymous`, the e-mail address as password (RFC 1635). */
export const anonymousAuth: AuthMethod<{ email?: string }> = {
  ...anonymousResolver,
  schema: z.object({ email: z.string().optional() }),
};

/** `password`: inline (discouraged), from an env variable, or from a file. */
export const passwordAuth: AuthMethod<PasswordOptions> = {
  ...passwordResolver,
  schema: z.object({
    user,
    password: z.string().optional().meta({ description: "use ${env:NAME} rather than a literal" }),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().meta({
      description: "name of the environment variable holding the password",
    }),
    passwordFile: z.string().optional().meta({
      description: "file whose first line is the password",
    }),
  }).check((ctx) => {
    const given = PASSWORD_SOURCES.filter((k) => ctx.value[k] !== undefined);
    if (given.length !== 1) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `give exactly one of password, passwordEnv, passwordFile (got ${
          given.length === 0 ? "none" : given.join(", ")
        })`,
      });
    }
  }),
};

/** `netrc`: the host's entry of `~/.netrc` (or `$NETRC`, or `file:`). */
export const netrcAuth: AuthMethod<{ user?: string; file?: string; optional?: boolean }> = {
  ...netrcResolver,
  schema: z.object({
    user,
    file: z.string().optional(),
    optional: z.boolean().optional().meta({
      description: "no file or no entry: go on without credentials (as lftp does)",
    }),
  }),
};

/** `command`: runs a program (a password manager) and uses its first output line. */
export const commandAuth: AuthMethod<CommandOptions> = {
  ...commandResolver,
  schema: z.object({
    user,
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).meta({
      description: 'a shell command line, or an argv list like ["pass", "show", "ftp"]',
    }),
    timeout: z.number().positive().optional().meta({ description: "seconds (default 30)" }),
  }),
};

/** `prompt`: asks at the terminal, once per run and endpoint. */
export const promptAuth: AuthMethod<{ user?: string; prompt?: string }> = {
  ...promptResolver,
  schema: z.object({ user, prompt: z.string().optional() }),
};

/** All built-in methods. */
export const builtinAuthMethods: AuthMethod[] = [
  anonymousAuth,
  passwordAuth,
  netrcAuth,
  commandAuth,
  promptAuth,
] as AuthMethod[];

/** Each resolver's schema: a built-in method is its resolver spread, plus the schema. */
const schemaOfResolver = new Map<AuthMethod, OptionsSchema | undefined>(
  authResolvers.map((r) => [r, builtinAuthMethods.find((m) => m.name === r.name)?.schema]),
);

/**
 * The schema of a built-in method registered without one (the CLI registers
 * resolvers.ts's methods, so that resolving credentials loads no zod); undefined
 * for any other method.
 *
 * @example
 * ```ts
 * builtinAuthSchema(netrcResolver); // netrcAuth.schema
 * ```
 */
export function builtinAuthSchema(method: AuthMethod): OptionsSchema | undefined {
  return schemaOfResolver.get(method);
}
