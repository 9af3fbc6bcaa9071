/**
 * Loading a workflow file: YAML with positions, interpolation, plugins, the zod
 * schema and the whole-file checks. Every problem found is reported, each as
 * `file:line:col: message`, in file order; nothing runs unless there are none.
 * @module
 */
import { dirname, resolve } from "../util/paths.ts";
import { type Problem, WorkflowInvalidError } from "./errors.ts";
import { interpolateTree, type PathProblem } from "./interpolate.ts";
import { handChecked } from "./hand_check.ts";
import { loadPlugin } from "./plugins_load.ts";
import type { Registry } from "./registry.ts";
import { loadGlobs } from "../sync/glob_engine.ts";
import { Secrets } from "./secrets.ts";
import type { JobSpec, WorkflowConfig } from "./types.ts";
import {
  authEnvProblems,
  BUILTIN_SCHEMES,
  jobSpecs,
  type SemanticProblem,
  semanticProblems,
  urlScheme,
} from "./validate.ts";
import { PluginLoadError } from "./errors.ts";

// The schema (zod: ~100 files) and its issue reader, by specifiers Deno does not
// read ahead: a one-off command's workflow is checked by hand (hand_check.ts).
const SCHEMA_MODULE = new URL("./schema.ts", import.meta.url).href;
const ISSUES_MODULE = new URL("./issues.ts", import.meta.url).href;

/** Syntax errors shown before the rest are summarized. */
const MAX_SYNTAX_ERRORS = 10;

/** Options of {@link loadWorkflow}. */
export interface LoadOptions {
  /** The registry with built-ins (and CLI-given plugins); the file's plugins go into a copy. */
  registry: Registry;
  /** Reads env variables (default `Deno.env.get`). */
  env?: (name: string) => string | undefined;
  /** Secrets found while loading are added here (default: a new set). */
  secrets?: Secrets;
  /** Leave `${env:X}` of unset variables as written (`ferry validate --no-env`). */
  allowMissingEnv?: boolean;
  /**
   * Report auth keys (`passwordEnv`, ...) that name unset variables as problems
   * (`ferry validate`; a run finds them when the endpoint opens, so that a job
   * that does not use the endpoint still runs).
   */
  checkAuthEnv?: boolean;
  /** The text, instead of reading `file`. */
  source?: string;
}

/** A workflow ready to run. */
export interface LoadedWorkflow {
  /** The file as given. */
  file: string;
  /** Its directory, absolute: relative paths in the file resolve against it. */
  baseDir: string;
  /** The workflow's name (`name:`, else the file name without extension). */
  name: string;
  /** The validated file, `${vars}` substituted. */
  config: WorkflowConfig;
  /** The jobs in the order they may start (`needs` first). */
  jobs: JobSpec[];
  /** The registry with the file's plugins added. */
  registry: Registry;
  /** Where `secret:` references are read. */
  secrets: Secrets;
}

/**
 * Loads and validates a workflow; throws {@link WorkflowInvalidError} with every
 * problem when it is not valid.
 *
 * @example
 * ```ts
 * const wf = await loadWorkflow("nightly.yaml", { registry: await defaultRegistry() });
 * console.log(wf.name, wf.jobs.map((j) => j.name));
 * ```
 */
export async function loadWorkflow(file: string, options: LoadOptions): Promise<LoadedWorkflow> {
  const secrets = options.secrets ?? new Secrets();
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const baseDir = dirname(resolve(file));
  const fail = (message: string): never => {
    throw new WorkflowInvalidError([{ file, line: 1, col: 1, message }]);
  };
  let text = options.source;
  if (text === undefined) {
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      fail(`cannot read the workflow: ${e instanceof Error ? e.message : e}`);
    }
  }

  // The YAML parser (npm, CommonJS: ~70 files to require) only for a file's text: a one-off
  // command's workflow object (loadWorkflowObject) does not pay for it at every start.
  const [{ yaml }, { PositionFinder }] = await Promise.all([
    import("../deps/yaml.ts"),
    import("./positions.ts"),
  ]);
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text!, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const pos = new PositionFinder(doc, lines);
  const located = (p: SemanticProblem): Problem => ({
    file,
    ...(p.key !== undefined ? pos.keyAt(p.path, p.key) : pos.valueAt(p.path)),
    message: secrets.redact(p.message),
  });

  if (doc.errors.length > 0) {
    // After the first syntax error the parser's recovery makes later ones noise.
    const shown = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e): Problem => ({
      file,
      ...pos.at(e.pos[0]),
      message: secrets.redact(e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "")),
    }));
    const more = doc.errors.length - shown.length;
    if (more > 0) shown.push({ ...shown[shown.length - 1], message: `(${more} more YAML errors)` });
    throw new WorkflowInvalidError(shown);
  }
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    fail(`cannot read the YAML: ${e instanceof Error ? e.message : e}`);
  }
  return await loadTree(tree, { ...options, file, baseDir, secrets, env }, located);
}

/** Options of {@link loadWorkflowObject}. */
export interface LoadObjectOptions extends Omit<LoadOptions, "source"> {
  /** What problems name as their file (default `"<command line>"`). */
  file?: string;
  /** Relative paths resolve against this (default the working directory). */
  baseDir?: string;
  /**
   * Check with the zod schema even where the hand check (hand_check.ts) would
   * answer: tests compare the two.
   */
  schemaOnly?: boolean;
}

/**
 * Validates a workflow given as an object (one-off CLI commands, programs that
 * build workflows). Problems carry the dotted path in their message; their
 * position is 1:1 of `file`.
 *
 * @example
 * ```ts
 * const wf = await loadWorkflowObject({
 *   version: 1,
 *   endpoints: { a: { url: "memory://a" }, b: { url: "./out" } },
 *   jobs: { copy: { mirror: { from: "a:", to: "b:" } } },
 * }, { registry });
 * ```
 */
export async function loadWorkflowObject(
  tree: unknown,
  options: LoadObjectOptions,
): Promise<LoadedWorkflow> {
  const file = options.file ?? "<command line>";
  const secrets = options.secrets ?? new Secrets();
  const located = (p: SemanticProblem): Problem => ({
    file,
    line: 1,
    col: 1,
    message: secrets.redact(
      p.key !== undefined && !p.message.includes(p.key) ? `${p.key}: ${p.message}` : p.message,
    ),
  });
  return await loadTree(tree, {
    ...options,
    file,
    baseDir: resolve(options.baseDir ?? "."),
    secrets,
    env: options.env ?? ((name: string) => Deno.env.get(name)),
    byHand: !options.schemaOnly,
  }, located);
}

async function loadTree(
  tree: unknown,
  options: Omit<LoadOptions, "source"> & {
    file: string;
    baseDir: string;
    secrets: Secrets;
    env: (name: string) => string | undefined;
    /** Try the hand check (hand_check.ts) before the schema: workflows built by programs. */
    byHand?: boolean;
  },
  located: (p: SemanticProblem) => Problem,
): Promise<LoadedWorkflow> {
  const { file, baseDir, secrets, env } = options;
  if (tree === null || typeof tree !== "object" || Array.isArray(tree)) {
    throw new WorkflowInvalidError([
      located({ path: [], message: "a workflow is a map with version, endpoints and jobs" }),
    ]);
  }
  const raw = tree as Record<string, unknown>;

  // Interpolation: vars may use env; everything else may use env and vars.
  const problems: SemanticProblem[] = [];
  const note = (ps: PathProblem[]) => problems.push(...ps);
  const varsResult = interpolateTree(raw.vars ?? {}, {
    env,
    allowMissingEnv: options.allowMissingEnv,
    varsAllowed: false,
  }, ["vars"]);
  note(varsResult.problems);
  const vars = (typeof varsResult.value === "object" && varsResult.value) as Record<
    string,
    unknown
  >;
  const rest = interpolateTree({ ...raw, vars: undefined }, {
    env,
    vars: vars || {},
    allowMissingEnv: options.allowMissingEnv,
  });
  note(rest.problems);
  for (const s of [...varsResult.secrets, ...rest.secrets]) secrets.add(s);
  const input = { ...(rest.value as Record<string, unknown>) };
  if (raw.vars === undefined) delete input.vars;
  else input.vars = varsResult.value;
  registerLiteralSecrets(input, secrets);

  // Plugins first: they add job kinds and auth methods to the schema.
  const registry = options.registry.clone();
  if (Array.isArray(input.plugins)) {
    for (const [i, spec] of input.plugins.entries()) {
      if (typeof spec !== "string") continue;
      try {
        await loadPlugin(registry, spec, baseDir);
      } catch (e) {
        const message = e instanceof PluginLoadError ? e.message : `plugin ${spec}: ${e}`;
        problems.push({ path: ["plugins", i], message });
      }
    }
  }

  await ensureUsed(registry, input);
  // Globs (include/exclude, anywhere) are checked by the engine that runs them.
  if (namesGlobs(input)) await loadGlobs();
  const config = (options.byHand ? handChecked(input, registry) : undefined) ??
    await schemaChecked(input, registry, problems);
  const schemes = new Set<string>([...BUILTIN_SCHEMES, ...registry.endpointSchemes.keys()]);
  const kindMap = new Map([...registry.jobKinds].map(([name, r]) => [name, r.item]));
  const schemeOptions = new Map(
    [...registry.endpointSchemes].map(([name, r]) => [name, r.item.options]),
  );
  problems.push(...semanticProblems(input, kindMap, schemes, schemeOptions));
  if (options.checkAuthEnv) problems.push(...authEnvProblems(input, env));

  if (problems.length > 0) throw new WorkflowInvalidError(sortProblems(problems.map(located)));
  const kinds = new Set(registry.jobKinds.keys());
  return {
    file,
    baseDir,
    name: config!.name ?? defaultName(file),
    config: config!,
    jobs: jobSpecs(config!, kinds),
    registry,
    secrets,
  };
}

/**
 * The tree as the zod schema gives it back, or undefined with its problems
 * added to `problems`.
 */
async function schemaChecked(
  input: Record<string, unknown>,
  registry: Registry,
  problems: SemanticProblem[],
): Promise<WorkflowConfig | undefined> {
  const [
    { loadCronCheck, workflowJsonSchema, workflowSchema },
    { collectKeys, problemsFromIssues },
  ] = await Promise.all([
    import(SCHEMA_MODULE) as Promise<typeof import("./schema.ts")>,
    import(ISSUES_MODULE) as Promise<typeof import("./issues.ts")>,
  ]);
  const parts = await registry.schemaParts();
  const schema = workflowSchema(parts);
  // A schedule is the only place a cron expression (or time zone) is checked.
  if (input.schedule !== undefined) await loadCronCheck();
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    problems.push(...problemsFromIssues(parsed.error.issues, {
      input,
      jobKinds: parts.jobKinds.map((k) => k.name),
      authMethods: parts.authMethods.map((m) => m.name),
      knownKeys: collectKeys(workflowJsonSchema(parts)),
    }));
  }
  return parsed.data as WorkflowConfig | undefined;
}

/**
 * Imports the lazy plugins whose auth methods, URL schemes or job kinds the
 * workflow names (the registry knows them by manifest until then).
 */
async function ensureUsed(registry: Registry, input: Record<string, unknown>): Promise<void> {
  const record = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {};
  for (const ep of Object.values(record(input.endpoints))) {
    const { url, auth } = record(ep);
    const method = record(auth).method;
    if (typeof method === "string") await registry.ensure("authMethod", method);
    const scheme = typeof url === "string" ? urlScheme(url) : undefined;
    if (scheme) await registry.ensure("endpointScheme", scheme);
  }
  for (const job of Object.values(record(input.jobs))) {
    for (const key of Object.keys(record(job))) await registry.ensure("jobKind", key);
  }
}

/**
 * Problems in file order, duplicates removed.
 *
 * @example
 * ```ts
 * sortProblems([{ file: "a", line: 2, col: 1, message: "x" }, { file: "a", line: 1, col: 1, message: "y" }]);
 * ```
 */
export function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * The workflow name when `name:` is not given: the file's base name without extension.
 *
 * @example
 * ```ts
 * defaultName("flows/nightly.yaml"); // "nightly"
 * ```
 */
export function defaultName(file: string): string {
  return file.replace(/^.*[\\/]/, "").replace(/\.(ya?ml|json)$/i, "") || "workflow";
}

/** Literal passwords in auth blocks and URLs are secrets too, wherever they came from. */
function registerLiteralSecrets(input: Record<string, unknown>, secrets: Secrets): void {
  const endpoints = input.endpoints;
  if (!endpoints || typeof endpoints !== "object") return;
  for (const ep of Object.values(endpoints as Record<string, unknown>)) {
    if (!ep || typeof ep !== "object") continue;
    const { url, auth } = ep as { url?: unknown; auth?: unknown };
    if (typeof url === "string") {
      try {
        const pw = new URL(url).password;
        if (pw) secrets.add(decodeURIComponent(pw));
      } catch { /* not a URL: a path */ }
    }
    if (auth && typeof auth === "object") {
      for (const [k, v] of Object.entries(auth)) {
        if (typeof v === "string" && /pass|secret|token|key/i.test(k) && !/env|file$/i.test(k)) {
          secrets.add(v);
        }
      }
    }
  }
}

/** Whether a key `include` or `exclude` stands anywhere in the tree (the schema's globs). */
function namesGlobs(tree: unknown, depth = 0): boolean {
  if (tree === null || typeof tree !== "object") return false;
  if (depth > 64) return true; // past any real workflow (an aliased cycle): load it anyway
  if (Array.isArray(tree)) return tree.some((v) => namesGlobs(v, depth + 1));
  for (const [key, value] of Object.entries(tree)) {
    if ((key === "include" || key === "exclude") && value !== undefined) return true;
    if (namesGlobs(value, depth + 1)) return true;
  }
  return false;
}
