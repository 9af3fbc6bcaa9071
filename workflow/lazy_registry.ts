/**
 * The registry the CLI starts with: ferry's auth methods and endpoint schemes,
 * and everything else (ferry's job kinds, the built-in plugins) known by
 * manifest and imported on first use.
 * @module
 */
import { builtinEndpointSchemes } from "../endpoint/url.ts";
import { authResolvers } from "./auth/resolvers.ts";
import { BUILTIN_PLUGINS, CORE_JOBS } from "./builtin_manifests.ts";
import { definePlugin } from "./plugin.ts";
import { importPlugin } from "./plugins_load.ts";
import { Registry } from "./registry.ts";

/**
 * A registry whose built-ins are imported when first used.
 *
 * @example
 * ```ts
 * const registry = lazyRegistry();
 * await registry.ensure("jobKind", "mirror"); // imports the sync engine now
 * ```
 */
export function lazyRegistry(): Registry {
  const registry = new Registry().add(definePlugin({
    name: "ferry",
    description: "built-in auth methods and endpoint schemes",
    // Without their zod schemas (schema.ts finds those when a workflow is checked).
    authMethods: authResolvers,
    endpointSchemes: [...builtinEndpointSchemes],
  }));
  for (const { module, manifest } of [CORE_JOBS, ...BUILTIN_PLUGINS]) {
    registry.addLazy(manifest, () => importPlugin(module, "."));
  }
  return registry;
}
