/**
 * `base.ts`'s list and the shapes of a plugin: for an entry point that
 * mentions them without exporting workflow/plugin.ts whole (`.`, `./workflow`,
 * `./uftp`).
 * @module
 */
export type * from "./base.ts";
export type {
  AuthContext,
  AuthMethod,
  AuthorizerFactory,
  CommandContext,
  Credentials,
  EndpointOpenOptions,
  EndpointScheme,
  JobContext,
  JobKind,
  OptionsSchema,
  Plugin,
  PluginCommand,
  PluginDefinition,
  ResolvedTarget,
  StandardProps,
} from "../plugin.ts";
