/**
 * The schema check of a small workflow without zod: the one-job mirror or sync
 * that a plain `ferry mirror FROM TO` or `ferry sync A B` builds
 * (cli/oneoff.ts). Loading zod and building the schema cost a 0 ms no-change
 * mirror ~15-20 ms of CPU of ~0.2 s (issue 12); the workflow is ferry's own,
 * with a few user values in it.
 *
 * {@link handChecked} answers only for a tree whose every key and value it
 * knows zod would take unchanged: the keys below, each value of the type and
 * range the schema gives it. Anything else, and every value zod would refuse,
 * gets undefined, and the loader checks with zod as before, so a problem is
 * reported by the schema alone, in its words (test/cli/hand_check_test.ts
 * compares the two over the command lines the quick path takes, and sync's).
 * @module
 */
import { authResolvers } from "./auth/resolvers.ts";
import { globProblem } from "./glob.ts";
import { globProblem as engineGlobProblem } from "../sync/filter.ts";
import { CORE_JOBS } from "./builtin_manifests.ts";
import type { Registry } from "./registry.ts";
import type { WorkflowConfig } from "./types.ts";
import { CONFLICT_SUFFIX_PATTERN, NAME_PATTERN, TARGET_PATTERN } from "./patterns.ts";
import { CONFLICT_POLICIES } from "../sync/conflict_policies.ts";

type Tree = Record<string, unknown>;

/** An auth method's `passwordEnv` (auth/methods.ts). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The keys each built-in auth method's schema takes here (auth/methods.ts;
 * `method` is the discriminator), each with its check.
 */
const AUTH: Record<string, Checks> = {
  netrc: { user: nonEmpty, file: isString, optional: isBoolean },
  password: { user: nonEmpty, passwordEnv: (v) => isString(v) && ENV_NAME.test(v) },
  prompt: { user: nonEmpty, prompt: isString },
};

/**
 * The validated workflow, when `input` (interpolated) is of the shape a
 * one-off mirror or sync takes and zod would take it unchanged; else
 * undefined (the loader checks it with the schema).
 *
 * @example
 * ```ts
 * handChecked({
 *   version: 1, name: "mirror",
 *   endpoints: { from: { url: "ftp://h/pub", auth: { method: "netrc", optional: true } }, to: { url: "./pub" } },
 *   jobs: { mirror: { parallel: 8, mirror: { from: "from:/", to: "to:/" } } },
 * }, registry); // the same tree, as WorkflowConfig
 * ```
 */
export function handChecked(input: Tree, registry: Registry): WorkflowConfig | undefined {
  const top = only(input, {
    version: (v) => v === 1,
    name: nonEmpty,
    state: isString,
    endpoints: (v) => recordOf(v, (ep) => endpoint(ep, registry)),
    jobs: (v) => recordOf(v, (job) => oneOffJob(job, registry)),
  });
  return top && input.jobs !== undefined
    ? structuredClone(input) as unknown as WorkflowConfig
    : undefined;
}

/** An endpoint entry (schema.ts `endpointSchema`) with only url, auth, tls.ca and maxConnections. */
function endpoint(ep: unknown, registry: Registry): boolean {
  return isMap(ep) && ep.url !== undefined && only(ep, {
    url: nonEmpty,
    auth: (auth) => {
      if (!isMap(auth) || typeof auth.method !== "string" || !Object.hasOwn(AUTH, auth.method)) {
        return false;
      }
      // The CLI's registry holds the resolvers, whose schemas are auth/methods.ts's.
      const item = registry.authMethods.get(auth.method)?.item;
      if (!item || !authResolvers.includes(item)) return false;
      const checks = AUTH[auth.method];
      if (auth.method === "password" && auth.passwordEnv === undefined) return false;
      return only(auth, { ...checks, method: isString });
    },
    tls: (tls) => isMap(tls) && only(tls, { ca: isString }),
    maxConnections: (v) => count(v, 64),
  });
}

const target = (v: unknown) => isString(v) && TARGET_PATTERN.test(v);

/**
 * A glob as schema.ts `Glob` takes it: the matcher's verdict, then the
 * stricter lint (the loader has loaded the glob engine when the tree names
 * include or exclude; without it the engine's check answers a problem).
 */
const glob = (v: unknown) => isString(v) && !engineGlobProblem(v) && !globProblem(v);
/** One glob or a list of them (schema.ts `Globs`). */
const globs = (v: unknown) => glob(v) || (Array.isArray(v) && v.every(glob));

/**
 * The options of ferry's kinds a one-off job sets here (workflow/jobs/options.ts),
 * each with its check, and the ones that must be there.
 */
const KINDS: Record<string, { required: string[]; checks: Checks }> = {
  mirror: {
    required: ["from", "to"],
    checks: { from: target, to: target, delete: isBoolean, include: globs, exclude: globs },
  },
  sync: {
    required: ["a", "b"],
    checks: {
      a: target,
      b: target,
      conflict: (v) => isString(v) && (CONFLICT_POLICIES as readonly string[]).includes(v),
      conflictSuffix: (v) => isString(v) && CONFLICT_SUFFIX_PATTERN.test(v),
      force: isBoolean,
      include: globs,
      exclude: globs,
    },
  },
};

/** A job of one of ferry's kinds in {@link KINDS} with only `parallel` beside it. */
function oneOffJob(job: unknown, registry: Registry): boolean {
  if (!isMap(job)) return false;
  // The one key naming a kind (validate.ts jobKindOf takes the first: a plugin's kind
  // named like a common key would be the job's kind).
  const kinds = Object.keys(job).filter((key) => registry.jobKinds.has(key));
  const kind = kinds.length === 1 && Object.hasOwn(KINDS, kinds[0]) ? kinds[0] : undefined;
  const options = kind === undefined ? undefined : job[kind];
  if (kind === undefined || !isMap(options)) return false;
  if (registry.jobKinds.get(kind)?.plugin !== CORE_JOBS.manifest.name) return false;
  const { required, checks } = KINDS[kind];
  return required.every((key) => options[key] !== undefined) &&
    only(job, { parallel: (v) => count(v, 64), [kind]: () => only(options, checks) });
}

/** Checks of a map's keys, by key. */
type Checks = Record<string, (value: unknown) => boolean>;

/** Whether every key of `map` is one of `checks`' and its value passes (no undefined values). */
function only(map: Tree, checks: Checks): boolean {
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined || !Object.hasOwn(checks, key) || !checks[key](value)) return false;
  }
  return true;
}

/** A map whose keys are names and whose values pass `check` (zod's `z.record(Name, ...)`). */
function recordOf(value: unknown, check: (entry: unknown) => boolean): boolean {
  return isMap(value) && Object.entries(value).every(([k, v]) => NAME_PATTERN.test(k) && check(v));
}

/** An integer from 1 to `max`, as a number (text zod would turn into one is left to it). */
function count(value: unknown, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function nonEmpty(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}

function isBoolean(value: unknown): boolean {
  return typeof value === "boolean";
}

function isMap(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype;
}
