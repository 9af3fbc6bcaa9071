/**
 * Plugins: a module whose default export comes from {@link definePlugin}. Built-in
 * plugins (plugins/) are loaded through the same registry as foreign ones.
 *
 * This is the first cut of the contract; the workflow engine widens it (auth
 * methods, endpoint schemes, job kinds, CLI commands).
 * @module
 */
import type { Endpoint } from "../endpoint/types.ts";

/** Makes an endpoint for a URL of a scheme a plugin adds (e.g. `uftp:`). */
export interface EndpointScheme {
  /** Scheme without colon, e.g. `"uftp"`. */
  scheme: string;
  open(url: URL, options: Record<string, unknown>): Promise<Endpoint>;
}

/** A CLI sub-command contributed by a plugin (e.g. `ferry serve`). */
export interface PluginCommand {
  name: string;
  description: string;
  /** Runs with the raw arguments after the command name; returns the exit code. */
  run(args: string[]): Promise<number>;
}

/** What a plugin contributes. Every field is optional. */
export interface PluginDefinition {
  name: string;
  version?: string;
  endpointSchemes?: EndpointScheme[];
  commands?: PluginCommand[];
}

/** A plugin as the registry holds it. */
export interface Plugin extends PluginDefinition {
  readonly kind: "ferry-plugin";
}

/**
 * Declares a plugin; a plugin module's default export must be the result.
 *
 * @example
 * ```ts
 * export default definePlugin({ name: "hello", commands: [{ name: "hello", description: "say hi", run: async () => { console.log("hi"); return 0; } }] });
 * ```
 */
export function definePlugin(definition: PluginDefinition): Plugin {
  if (!definition || typeof definition.name !== "string" || definition.name === "") {
    throw new TypeError("definePlugin: a plugin needs a non-empty name");
  }
  return { ...definition, kind: "ferry-plugin" };
}
