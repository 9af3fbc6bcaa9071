/**
 * ferry's own auth methods and job kinds, as a plugin like any other, and the
 * default registry: that plugin plus the built-in plugin modules (plugins/).
 * @module
 */
import { builtinEndpointSchemes } from "../endpoint/url.ts";
import { builtinAuthMethods } from "./auth/methods.ts";
import { downloadIfNewerJob, uploadIfNewerJob } from "./jobs/if_newer.ts";
import { mirrorJob } from "./jobs/mirror.ts";
import { rmtreeJob } from "./jobs/rmtree.ts";
import { syncJob } from "./jobs/sync.ts";
import { walkJob } from "./jobs/walk.ts";
import { definePlugin, type Plugin } from "./plugin.ts";
import { BUILTIN_PLUGIN_MODULES, importPlugin, loadBuiltinPlugins } from "./plugins_load.ts";
import { BUILTIN_PLUGINS } from "./builtin_manifests.ts";
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
  jobKinds: [mirrorJob, syncJob, walkJob, rmtreeJob, uploadIfNewerJob, downloadIfNewerJob],
});

/**
 * A registry with the core plugin and the built-in plugin modules (a module
 * that fails to load is logged and left out). With `lazy`, the built-in
 * modules are known by their manifests and imported on first use (the CLI).
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
  const registry = new Registry().add(corePlugin);
  if (options.lazy && !options.modules) {
    for (const { module, manifest } of BUILTIN_PLUGINS) {
      registry.addLazy(manifest, () => importPlugin(module, "."));
    }
    return registry;
  }
  await loadBuiltinPlugins(registry, options.modules ?? BUILTIN_PLUGIN_MODULES);
  return registry;
}
