/**
 * The plugin registry: every auth method, endpoint scheme, job kind and command
 * ferry knows, built-in or foreign, comes in through {@link Registry.add}.
 * @module
 */
import type {
  AuthMethod,
  AuthorizerFactory,
  EndpointScheme,
  JobKind,
  Plugin,
  PluginCommand,
} from "./plugin.ts";
import { PluginLoadError } from "./errors.ts";
import type { SchemaParts } from "./schema.ts";

/** Where a contribution came from (for conflict messages and `ferry plugins`). */
export interface Registered<T> {
  item: T;
  plugin: string;
}

/**
 * Holds plugins and what they add; names must be unique across plugins.
 *
 * @example
 * ```ts
 * const reg = new Registry();
 * reg.add(definePlugin({ name: "hello", commands: [helloCommand] }));
 * reg.commands.get("hello");
 * ```
 */
export class Registry {
  readonly plugins: Plugin[] = [];
  readonly authMethods = new Map<string, Registered<AuthMethod>>();
  readonly endpointSchemes = new Map<string, Registered<EndpointScheme>>();
  // deno-lint-ignore no-explicit-any
  readonly jobKinds = new Map<string, Registered<JobKind<any>>>();
  readonly commands = new Map<string, Registered<PluginCommand>>();
  readonly authorizers = new Map<string, Registered<AuthorizerFactory>>();

  /**
   * Adds a plugin; throws {@link PluginLoadError} when it clashes with one already
   * registered (and then adds nothing). Adding the same plugin object twice is a no-op.
   *
   * @example
   * ```ts
   * new Registry().add(myPlugin, "./my_plugin.ts");
   * ```
   */
  add(plugin: Plugin, source: string = plugin.name): this {
    if (this.plugins.includes(plugin)) return this;
    const clash = (what: string, map: Map<string, Registered<unknown>>, names: string[]) => {
      const seen = new Set<string>();
      for (const name of names) {
        const have = map.get(name);
        if (have || seen.has(name)) {
          const other = have ? `plugin ${have.plugin}` : "itself";
          throw new PluginLoadError(source, `${what} "${name}" is already defined by ${other}`);
        }
        seen.add(name);
      }
    };
    clash("auth method", this.authMethods, (plugin.authMethods ?? []).map((m) => m.name));
    clash(
      "endpoint scheme",
      this.endpointSchemes,
      (plugin.endpointSchemes ?? []).map((s) => s.scheme),
    );
    clash("job kind", this.jobKinds, (plugin.jobKinds ?? []).map((k) => k.name));
    clash("command", this.commands, (plugin.commands ?? []).map((c) => c.name));
    clash("authorizer", this.authorizers, (plugin.authorizers ?? []).map((a) => a.name));
    const reg = { plugin: plugin.name };
    for (const m of plugin.authMethods ?? []) this.authMethods.set(m.name, { ...reg, item: m });
    for (const s of plugin.endpointSchemes ?? []) {
      this.endpointSchemes.set(s.scheme.toLowerCase(), { ...reg, item: s });
    }
    for (const k of plugin.jobKinds ?? []) this.jobKinds.set(k.name, { ...reg, item: k });
    for (const c of plugin.commands ?? []) this.commands.set(c.name, { ...reg, item: c });
    for (const a of plugin.authorizers ?? []) this.authorizers.set(a.name, { ...reg, item: a });
    this.plugins.push(plugin);
    return this;
  }

  /**
   * A copy that can take more plugins (a workflow's own) without changing this one.
   *
   * @example
   * ```ts
   * const forThisFile = builtins.clone();
   * ```
   */
  clone(): Registry {
    const copy = new Registry();
    for (const p of this.plugins) copy.add(p);
    return copy;
  }

  /**
   * What the schema needs from the registry.
   *
   * @example
   * ```ts
   * workflowSchema(registry.schemaParts());
   * ```
   */
  schemaParts(): SchemaParts {
    return {
      jobKinds: [...this.jobKinds.values()].map((r) => r.item),
      authMethods: [...this.authMethods.values()].map((r) => r.item),
    };
  }
}
