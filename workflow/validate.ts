/**
 * Checks that need the whole workflow: endpoint references, `needs` names and
 * cycles, schedule job names, endpoint URL schemes, and the job kinds' own checks.
 * Pure, and defensive: it also runs on a tree the schema rejected, so one
 * `ferry validate` shows schema and reference problems together.
 * @module
 */
import { findCycles } from "./dag.ts";
import type { TreePath } from "./interpolate.ts";
import type { JobKind } from "./plugin.ts";
import type { SchemeOption, SchemeOptions } from "../endpoint/scheme_options.ts";
import { suggestion } from "./suggest.ts";
import { splitTarget } from "./target.ts";
import type { JobConfig, JobSpec, WorkflowConfig } from "./types.ts";
import { TARGET_PATTERN } from "./patterns.ts";
import { urlProblem } from "../util/url_problem.ts";

/** A problem at a tree path; with `key`, it concerns that key of the map at `path`. */
export interface SemanticProblem {
  path: TreePath;
  key?: string;
  message: string;
}

/** Schemes ferry opens itself (plugins add more). */
export const BUILTIN_SCHEMES = ["ftp", "ftps", "ftpes", "file", "memory"] as const;

/**
 * The kind key of a job: the first key that names a registered kind.
 *
 * @example
 * ```ts
 * jobKindOf({ needs: ["a"], mirror: {} }, new Set(["mirror"])); // "mirror"
 * ```
 */
export function jobKindOf(job: JobConfig, kinds: ReadonlySet<string>): string | undefined {
  return Object.keys(job).find((k) => kinds.has(k));
}

/**
 * `needs` as a list (it may be written as one name).
 *
 * @example
 * ```ts
 * needsOf({ needs: "a" }); // ["a"]
 * ```
 */
export function needsOf(job: JobConfig): string[] {
  const n = job.needs;
  if (typeof n === "string") return [n];
  return Array.isArray(n) ? n.filter((x): x is string => typeof x === "string") : [];
}

/**
 * The jobs of a validated workflow, with kinds picked out and `needs` as lists.
 *
 * @example
 * ```ts
 * jobSpecs(workflow, new Set(["mirror", "walk"]))[0].kind; // "mirror"
 * ```
 */
export function jobSpecs(wf: WorkflowConfig, kinds: ReadonlySet<string>): JobSpec[] {
  return Object.entries(wf.jobs).map(([name, config]) => {
    const kind = jobKindOf(config, kinds) ?? "";
    return { name, kind, options: config[kind], needs: needsOf(config), config };
  });
}

/**
 * The scheme of an endpoint URL (`ftp://...`), or undefined for a local path.
 * Windows drive letters (`C:\x`) are paths.
 *
 * @example
 * ```ts
 * urlScheme("ftpes://h/x"); // "ftpes"
 * urlScheme("./mirror");    // undefined
 * ```
 */
export function urlScheme(url: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!m || /^[a-z]:[\\/]/i.test(url)) return undefined;
  return m[1].toLowerCase();
}

/**
 * What is wrong with an endpoint's `options:` map for its scheme: keys the
 * scheme does not take (with the ones it does, and a "did you mean"), values of
 * the wrong type.
 *
 * @example
 * ```ts
 * optionProblems(["endpoints", "o", "options"], "ftp", { pasive: true }, FTP_OPTIONS);
 * // [{ path: [...], key: "pasive", message: 'unknown option "pasive" in endpoints.o.options (did you mean "passive"?); ftp:// takes: ...' }]
 * ```
 */
export function optionProblems(
  at: TreePath,
  scheme: string,
  options: Record<string, unknown>,
  spec: SchemeOptions,
): SemanticProblem[] {
  const known = Object.keys(spec).sort();
  const problems: SemanticProblem[] = [];
  for (const [key, value] of Object.entries(options)) {
    const option = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (!option) {
      const takes = known.length
        ? `${scheme}:// takes: ${known.join(", ")}`
        : `${scheme}:// takes no options`;
      problems.push({
        path: at,
        key,
        message: `unknown option ${JSON.stringify(key)} in ${at.join(".")}${
          suggestion(key, new Set(known))
        }; ${takes}`,
      });
      continue;
    }
    const wrong = optionTypeProblem(option, value);
    if (wrong) problems.push({ path: [...at, key], message: `options.${key}: ${wrong}` });
  }
  return problems;
}

function optionTypeProblem(option: SchemeOption, value: unknown): string | undefined {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  if (option.values) {
    return option.values.includes(value as string | number | boolean)
      ? undefined
      : `expected ${option.values.map((v) => JSON.stringify(v)).join(" or ")}, got ${shown}`;
  }
  const fits = option.type === "integer"
    ? Number.isInteger(value)
    : option.type === "object"
    ? isMap(value)
    : option.type === "number"
    ? typeof value === "number"
    : option.type === "string"
    ? typeof value === "string"
    : typeof value === "boolean";
  const article = /^[aeiou]/.test(option.type) ? "an" : "a";
  return fits
    ? undefined
    : `expected ${article} ${option.type}, got ${Array.isArray(value) ? "a list" : shown}`;
}

/**
 * All semantic problems of a workflow tree (validated or not).
 *
 * @example
 * ```ts
 * semanticProblems(tree, kinds, new Set(BUILTIN_SCHEMES)); // [] when all is well
 * ```
 */
export function semanticProblems(
  tree: unknown,
  // deno-lint-ignore no-explicit-any
  kinds: ReadonlyMap<string, JobKind<any>>,
  schemes: ReadonlySet<string>,
  schemeOptions: ReadonlyMap<string, SchemeOptions | undefined> = new Map(),
): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const wf = isMap(tree) ? tree : {};
  const endpointMap = isMap(wf.endpoints) ? wf.endpoints : {};
  const endpoints = Object.keys(endpointMap);
  const known = endpoints.length ? `known: ${endpoints.join(", ")}` : "no endpoints are defined";

  for (const [name, ep] of Object.entries(endpointMap)) {
    if (!isMap(ep) || typeof ep.url !== "string") continue;
    const at = ["endpoints", name];
    const scheme = urlScheme(ep.url);
    if (scheme !== undefined && !schemes.has(scheme)) {
      problems.push({
        path: [...at, "url"],
        message: `unknown URL scheme ${scheme}: (known: ${[...schemes].join(", ")})`,
      });
    }
    // A URL that does not parse (a port of 70000, IPv6 without brackets) is told here, not
    // when the job opens it; one still holding a `${...}` (a variable left for later) is not.
    if (scheme !== undefined && !ep.url.includes("${") && !URL.canParse(ep.url)) {
      problems.push({ path: [...at, "url"], message: `invalid URL: ${urlProblem(ep.url)}` });
    }
    const spec = schemeOptions.get(scheme ?? "file");
    if (spec && isMap(ep.options)) {
      problems.push(...optionProblems([...at, "options"], scheme ?? "file", ep.options, spec));
    }
    if (isMap(ep.tls) && ep.tls.mode !== undefined && scheme !== "ftp") {
      problems.push({
        path: [...at, "tls"],
        key: "mode",
        message: "tls.mode applies to ftp:// URLs only (ftpes:// and ftps:// always use TLS)",
      });
    }
  }

  const jobs = isMap(wf.jobs) ? wf.jobs : {};
  const jobNames = new Set(Object.keys(jobs));
  const needs = new Map<string, string[]>();
  for (const [name, job] of Object.entries(jobs)) {
    if (!isMap(job)) continue;
    const at = ["jobs", name];
    const deps = needsOf(job);
    needs.set(name, deps);
    deps.forEach((dep) => {
      if (!jobNames.has(dep)) {
        const path = Array.isArray(job.needs)
          ? [...at, "needs", job.needs.indexOf(dep)]
          : [...at, "needs"];
        problems.push({ path, message: `needs unknown job ${JSON.stringify(dep)}` });
      }
    });
    const kindName = jobKindOf(job, new Set(kinds.keys()));
    const kind = kindName === undefined ? undefined : kinds.get(kindName);
    if (!kind || !isMap(job[kind.name])) continue;
    const options = job[kind.name] as Record<string, unknown>;
    for (const key of kind.targets ?? []) {
      const ref = options[key];
      if (typeof ref !== "string" || !TARGET_PATTERN.test(ref)) continue;
      const path = [...at, kind.name, key];
      try {
        const target = splitTarget(ref);
        if (!endpoints.includes(target.endpoint)) {
          problems.push({
            path,
            message: `unknown endpoint ${JSON.stringify(target.endpoint)} (${known})`,
          });
        }
      } catch (e) {
        problems.push({ path, message: e instanceof Error ? e.message : String(e) });
      }
    }
    try {
      for (const p of kind.validate?.(options) ?? []) {
        problems.push({
          path: p.key ? [...at, kind.name, p.key] : [...at, kind.name],
          message: p.message,
        });
      }
    } catch { /* a kind's check on options its schema rejected: the schema error says it */ }
  }

  for (const cycle of findCycles(needs)) {
    problems.push({
      path: ["jobs", cycle[0], "needs"],
      message: `cycle in needs: ${cycle.join(" -> ")}`,
    });
  }

  const schedule = wf.schedule;
  if (isMap(schedule) && Array.isArray(schedule.jobs)) {
    schedule.jobs.forEach((job, i) => {
      if (typeof job === "string" && !jobNames.has(job)) {
        problems.push({
          path: ["schedule", "jobs", i],
          message: `unknown job ${JSON.stringify(job)}`,
        });
      }
    });
  }
  return problems;
}

/**
 * Auth keys that name an environment variable (`passwordEnv`, `passphraseEnv`,
 * `accessKeyIdEnv`, ...: every `...Env` key of an endpoint's `auth:`) whose
 * variable `env` does not have: each a problem at that key, naming the
 * variable and never a value. For `ferry validate`; a run finds it only when
 * the endpoint opens.
 *
 * @example
 * ```ts
 * authEnvProblems(tree, (name) => Deno.env.get(name));
 * // [{ path: ["endpoints", "origin", "auth"], key: "passwordEnv", message: "passwordEnv: environment variable ORIGIN_PW is not set" }]
 * ```
 */
export function authEnvProblems(
  tree: unknown,
  env: (name: string) => string | undefined,
): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const wf = isMap(tree) ? tree : {};
  for (const [name, ep] of Object.entries(isMap(wf.endpoints) ? wf.endpoints : {})) {
    if (!isMap(ep) || !isMap(ep.auth)) continue;
    for (const [key, variable] of Object.entries(ep.auth)) {
      if (!key.endsWith("Env") || typeof variable !== "string" || env(variable) !== undefined) {
        continue;
      }
      problems.push({
        path: ["endpoints", name, "auth"],
        key,
        message: `${key}: environment variable ${variable} is not set`,
      });
    }
  }
  return problems;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
