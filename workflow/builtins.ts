/**
 * ferry's own auth methods and job kinds, as a plugin like any other, and the
 * default registry: that plugin plus the built-in plugin modules (plugins/).
 * @module
 */
import { builtinEndpointSchemes } from "../endpoint/url.ts";
import { builtinAuthMethods } from "./auth/methods.ts";
import { builtinJobKinds } from "./core_jobs.ts";
import { definePlugin, type Plugin } from "./plugin.ts";
import { BUILTIN_PLUGIN_MODULES, loadBuiltinPlugins } from "./plugins_load.ts";
import { lazyRegistry } from "./lazy_registry.ts";
import { Registry } from "./registry.ts";

/**
 * The core plugin: built-in auth methods and job kinds.
 *
 * @example
 * ```ts
 * new Registry().add(corePlugin);
 * ```
 */
export const corePlugin: Plugin = definePlugin({
  name: "ferry",
  description: "built-in auth methods, endpoint schemes and job kinds",
  authMethods: builtinAuthMethods,
  endpointSchemes: [...builtinEndpointSchemes],
  jobKinds: builtinJobKinds,
});

/**
 * A registry with the core plugin and the built-in plugin modules (a module
 * that fails to load is logged and left out). With `lazy`, ferry's job kinds
 * and the built-in modules are known by their manifests and imported on first
 * use (see {@link lazyRegistry}).
 *
 * @example
 * ```ts
 * const registry = await defaultRegistry();
 * registry.commands.has("serve"); // true once plugins/server is there
 * ```
 */
export async function defaultRegistry(
  options: { modules?: readonly string[]; lazy?: boolean } = {},
): Promise<Registry> {
  if (options.lazy && !options.modules) return lazyRegistry();
  const registry = new Registry().add(corePlugin);
  await loadBuiltinPlugins(registry, options.modules ?? BUILTIN_PLUGIN_MODULES);
  return registry;
}
