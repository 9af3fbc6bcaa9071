/**
 * The options schema of the `unicore` auth method (zod), apart from the method
 * so that a `uftp://` transfer, which only resolves credentials, loads no zod:
 * auth_method.ts imports this when a workflow is validated or `ferry schema`
 * runs (`AuthMethod.loadSchema`).
 *
 * @example
 * ```ts
 * import { unicoreAuthSchema } from "./plugins/uftp/auth_schema.ts";
 * unicoreAuthSchema["~standard"].validate({ user: "demouser", anonymous: false });
 * ```
 * @module
 */
import type { OptionsSchema } from "../../plugin_base.ts";
import { z } from "../../deps/zod.ts";

/** Options of `auth: { method: unicore, ... }`, as zod checks them. */
export const unicoreAuthSchema: OptionsSchema<Record<string, unknown>> = z.object({
  user: z.string().optional(),
  password: z.string().optional().meta({ description: "use ${env:NAME} rather than a literal" }),
  passwordEnv: z.string().optional(),
  token: z.string().optional().meta({
    description: "a token, @file or @@ENV (PyUNICORE's forms)",
  }),
  identity: z.string().optional().meta({
    description: "private key file (OpenSSH or PEM); bare names live in ~/.uftp/",
  }),
  passphrase: z.string().optional(),
  passphraseEnv: z.string().optional(),
  anonymous: z.boolean().optional(),
});
