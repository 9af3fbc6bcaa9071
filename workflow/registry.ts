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
  OptionsSchema,
  Plugin,
  PluginCommand,
} from "./plugin.ts";
import { PluginLoadError } from "./errors.ts";
import { errorMessage } from "../util/errors.ts";
import type { SchemaParts } from "./schema.ts";

/**
 * What a plugin adds, said without importing it: the registry knows its names
 * at once and imports the module on first use (see {@link Registry.addLazy}).
 */
export interface PluginManifest {
  /** The plugin's name, as its module's `definePlugin` says. */
  name: string;
  /** Commands as `ferry --help` lists them (their `run` comes with the module). */
  commands?: Omit<PluginCommand, "run">[];
  /** Schemes it registers, without `open` (that comes with the module). */
  endpointSchemes?: Omit<EndpointScheme, "open">[];
  /** Names of the auth methods it registers. */
  authMethods?: string[];
  /** Names of the job kinds it registers. */
  jobKinds?: string[];
  /** Names of the server authorizers it registers. */
  authorizers?: string[];
}

interface Lazy {
  manifest: PluginManifest;
  load: () => Promise<Plugin>;
  loaded?: Promise<Plugin>;
}

/** Where a contribution came from (for conflict messages and `ferry plugins`). */
export interface Registered<T> {
  /** What was registered. */
  item: T;
  /** The name of the plugin that registered it. */
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
  /** Plugins added so far, in order. */
  readonly plugins: Plugin[] = [];
  /** Auth methods by name. */
  readonly authMethods = new Map<string, Registered<AuthMethod>>();
  /** Endpoint schemes by name (without the colon). */
  readonly endpointSchemes = new Map<string, Registered<EndpointScheme>>();
  /** Job kinds by name. */
  // deno-lint-ignore no-explicit-any
  readonly jobKinds = new Map<string, Registered<JobKind<any>>>();
  /** Plugin commands by name. */
  readonly commands = new Map<string, Registered<PluginCommand>>();
  /** Server authorizer factories by name. */
  readonly authorizers = new Map<string, Registered<AuthorizerFactory>>();
  /** Plugins known by their manifest, not imported yet. */
  readonly #lazy: Lazy[] = [];

  /**
   * Adds a plugin by its manifest: its commands and endpoint schemes are
   * registered at once as stand-ins that import the plugin when they run or
   * open; its auth methods and job kinds come with {@link ensure} or
   * {@link loadAll}. The plugin must add exactly what the manifest says.
   *
   * @example
   * ```ts
   * registry.addLazy({ name: "uftp", endpointSchemes: [{ scheme: "uftp" }] }, () => importPlugin(url, "."));
   * ```
   */
  addLazy(manifest: PluginManifest, load: () => Promise<Plugin>): this {
    const lazy: Lazy = { manifest, load };
    const reg = { plugin: manifest.name };
    for (const c of manifest.commands ?? []) {
      const run: PluginCommand["run"] = async (args, context) => {
        const plugin = await this.#load(lazy);
        const real = plugin.commands?.find((x) => x.name === c.name);
        if (!real) throw new PluginLoadError(manifest.name, `has no command "${c.name}"`);
        return await real.run(args, context);
      };
      this.commands.set(c.name, { ...reg, item: { ...c, run } });
    }
    for (const e of manifest.endpointSchemes ?? []) {
      const scheme = e.scheme.toLowerCase();
      const open: EndpointScheme["open"] = async (url, options) => {
        await this.#load(lazy);
        const real = this.endpointSchemes.get(scheme)?.item;
        if (!real || real.open === open) {
          throw new PluginLoadError(manifest.name, `has no endpoint scheme "${scheme}"`);
        }
        return await real.open(url, options);
      };
      this.endpointSchemes.set(scheme, { ...reg, item: { ...e, open } });
    }
    this.#lazy.push(lazy);
    return this;
  }

  /** Imports a lazy plugin once and puts it in place of its stand-ins. */
  #load(lazy: Lazy): Promise<Plugin> {
    lazy.loaded ??= lazy.load().then((plugin) => {
      for (const c of lazy.manifest.commands ?? []) this.commands.delete(c.name);
      for (const e of lazy.manifest.endpointSchemes ?? []) {
        this.endpointSchemes.delete(e.scheme.toLowerCase());
      }
      const at = this.#lazy.indexOf(lazy);
      if (at >= 0) this.#lazy.splice(at, 1);
      this.add(plugin, lazy.manifest.name);
      return plugin;
    });
    return lazy.loaded;
  }

  /**
   * Imports the lazy plugin that provides `name` (an auth method, job kind,
   * authorizer, command or endpoint scheme), if one does; resolves either way.
   *
   * @example
   * ```ts
   * await registry.ensure("authMethod", "unicore");
   * registry.authMethods.get("unicore"); // there now
   * ```
   */
  async ensure(
    kind: "authMethod" | "jobKind" | "authorizer" | "command" | "endpointScheme",
    name: string,
  ): Promise<void> {
    const lists = (m: PluginManifest): string[] =>
      kind === "authMethod"
        ? m.authMethods ?? []
        : kind === "jobKind"
        ? m.jobKinds ?? []
        : kind === "authorizer"
        ? m.authorizers ?? []
        : kind === "command"
        ? (m.commands ?? []).map((c) => c.name)
        : (m.endpointSchemes ?? []).map((e) => e.scheme.toLowerCase());
    const lazy = this.#lazy.find((l) => lists(l.manifest).includes(name));
    if (lazy) await this.#load(lazy);
  }

  /**
   * Imports every lazy plugin (for what needs them all: the schema, a workflow).
   *
   * @example
   * ```ts
   * await registry.loadAll();
   * ```
   */
  async loadAll(): Promise<void> {
    for (const lazy of [...this.#lazy]) await this.#load(lazy);
  }

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
    for (const l of this.#lazy) copy.addLazy(l.manifest, l.load);
    return copy;
  }

  /**
   * What the schema needs from the registry: the job kinds and the auth
   * methods with their schemas (a `loadSchema` is imported now, once per kind
   * or method; when it fails, {@link PluginLoadError} names the plugin).
   *
   * @example
   * ```ts
   * workflowSchema(await registry.schemaParts());
   * ```
   */
  async schemaParts(): Promise<SchemaParts> {
    const [jobKinds, authMethods] = await Promise.all([
      withSchemas(this.jobKinds.values(), "job kind"),
      withSchemas(this.authMethods.values(), "auth method"),
    ]);
    return { jobKinds, authMethods };
  }
}

/** The registered items, each with its `loadSchema`'s schema in `schema`. */
function withSchemas<T extends Lazily>(
  registered: Iterable<Registered<T>>,
  what: string,
): Promise<T[]> {
  return Promise.all(
    [...registered].map(({ item, plugin }) =>
      item.loadSchema
        ? loadedSchema(item, plugin, `${what} "${item.name}"`).then((schema) => ({
          ...item,
          schema,
        }))
        : item
    ),
  );
}

/** A job kind or auth method, whose schema may come by `loadSchema`. */
interface Lazily {
  name: string;
  // deno-lint-ignore no-explicit-any
  loadSchema?: () => Promise<OptionsSchema<any>>;
}

/** Each kind's or method's schema from its `loadSchema`, asked once. */
const loadedSchemas = new WeakMap<Lazily, Promise<OptionsSchema<unknown>>>();

/** The schema `item.loadSchema` gives, or a {@link PluginLoadError} naming `plugin`. */
function loadedSchema(
  item: Lazily,
  plugin: string,
  what: string,
): Promise<OptionsSchema<unknown>> {
  let schema = loadedSchemas.get(item);
  if (!schema) {
    schema = item.loadSchema!().catch((e) => {
      loadedSchemas.delete(item); // a later call tries again
      throw new PluginLoadError(
        plugin,
        `the schema of ${what} could not be loaded: ${errorMessage(e)}`,
        { cause: e },
      );
    });
    loadedSchemas.set(item, schema);
  }
  return schema;
}
