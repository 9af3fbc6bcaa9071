/**
 * Loading plugin modules from paths and URLs (dynamic import), and the built-in
 * plugins, which go through the very same path as foreign ones.
 * @module
 */
import { isAbsolute, pathToFileUrl, resolve } from "../util/paths.ts";
import { logger } from "../util/log.ts";
import { PluginLoadError } from "./errors.ts";
import { isPlugin, type Plugin } from "./plugin.ts";
import type { Registry } from "./registry.ts";

const log = logger("workflow", "plugins");

/**
 * Built-in plugin modules, as URLs relative to this file, so they resolve the same
 * whether ferry runs from disk or is imported by URL.
 */
export const BUILTIN_PLUGIN_MODULES: readonly string[] = [
  new URL("../plugins/server/mod.ts", import.meta.url).href,
  new URL("../plugins/uftp/plugin.ts", import.meta.url).href,
  new URL("../plugins/s3/mod.ts", import.meta.url).href,
];

/**
 * Turns a plugin specifier into an import URL: URLs stay as they are, paths are
 * resolved against `baseDir` (the workflow file's directory).
 *
 * @example
 * ```ts
 * pluginUrl("./p.ts", "/srv/flows"); // "file:///srv/flows/p.ts"
 * pluginUrl("https://example.org/p.ts", "/x"); // unchanged
 * ```
 */
export function pluginUrl(specifier: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)) {
    return specifier;
  }
  const path = isAbsolute(specifier) ? specifier : resolve(baseDir, specifier);
  return pathToFileUrl(path).href;
}

/**
 * Imports one plugin module and checks its default export. Every failure is a
 * {@link PluginLoadError} naming the plugin as written.
 *
 * @example
 * ```ts
 * const plugin = await importPlugin("./plugins/my-auth.ts", Deno.cwd());
 * ```
 */
export async function importPlugin(specifier: string, baseDir: string): Promise<Plugin> {
  const url = pluginUrl(specifier, baseDir);
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new PluginLoadError(specifier, `cannot import it: ${why}`, { cause: e });
  }
  const plugin = mod.default;
  if (!isPlugin(plugin)) {
    const got = plugin === undefined
      ? "no default export"
      : `a default export of type ${typeof plugin}`;
    throw new PluginLoadError(
      specifier,
      `a plugin module must export default definePlugin({...}); found ${got}`,
    );
  }
  return plugin;
}

/**
 * Imports a plugin and adds it to a registry.
 *
 * @example
 * ```ts
 * await loadPlugin(registry, "https://example.org/ferry-s3.ts", Deno.cwd());
 * ```
 */
export async function loadPlugin(
  registry: Registry,
  specifier: string,
  baseDir: string,
): Promise<Plugin> {
  const plugin = await importPlugin(specifier, baseDir);
  registry.add(plugin, specifier);
  log.debug("loaded plugin {name} from {specifier}", { name: plugin.name, specifier });
  return plugin;
}

/**
 * Adds the built-in plugin modules. One that fails to load is logged as a warning
 * and skipped, so the rest of ferry keeps working (its commands are then missing).
 *
 * @example
 * ```ts
 * const failures = await loadBuiltinPlugins(registry);
 * ```
 */
export async function loadBuiltinPlugins(
  registry: Registry,
  modules: readonly string[] = BUILTIN_PLUGIN_MODULES,
): Promise<PluginLoadError[]> {
  const failures: PluginLoadError[] = [];
  for (const url of modules) {
    try {
      await loadPlugin(registry, url, ".");
    } catch (e) {
      const err = e instanceof PluginLoadError ? e : new PluginLoadError(url, String(e));
      // A built-in that is not there (yet) is quiet; one that is there and broken is not.
      if (isModuleMissing(err.cause)) log.debug("built-in plugin not present: {url}", { url });
      else log.warn("built-in plugin not available: {message}", { message: err.message });
      failures.push(err);
    }
  }
  return failures;
}

function isModuleMissing(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return e?.code === "ERR_MODULE_NOT_FOUND" ||
    (typeof e?.message === "string" && /^Module not found/.test(e.message));
}
