/**
 * Turns zod issues into problems a person can act on: unknown keys point at the
 * key (with a "did you mean"), a job's union error becomes the errors of the kind
 * the user wrote, a missing key says so, unions of scalars say what they accept.
 * @module
 */
import type { z } from "../deps/zod.ts";
import type { TreePath } from "./interpolate.ts";
import type { SemanticProblem } from "./validate.ts";
import { suggestion } from "./suggest.ts";

export { suggestion };

type Issue = z.core.$ZodIssue;

/** What the mapping needs to know about the format. */
export interface IssueContext {
  /** The input tree that was validated. */
  input: unknown;
  /** Job kind names, in the order the job schema's variants were built. */
  jobKinds: string[];
  /** Auth method names. */
  authMethods: string[];
  /** Every key the format knows, for suggestions. */
  knownKeys: ReadonlySet<string>;
}

/**
 * Maps zod issues to problems (paths are relative to the tree root).
 *
 * @example
 * ```ts
 * const r = schema.safeParse(tree);
 * if (!r.success) problemsFromIssues(r.error.issues, { input: tree, jobKinds, authMethods, knownKeys });
 * ```
 */
export function problemsFromIssues(issues: readonly Issue[], ctx: IssueContext): SemanticProblem[] {
  return issues.flatMap((issue) => mapIssue(issue, [], ctx));
}

function mapIssue(issue: Issue, prefix: TreePath, ctx: IssueContext): SemanticProblem[] {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  const input = valueAt(ctx.input, path);
  const where = dotted(path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path,
        key,
        message: `unknown key ${JSON.stringify(key)}${where ? ` in ${where}` : ""}${
          suggestion(key, ctx.knownKeys)
        }`,
      }));
    case "invalid_key":
      return [{
        path: path.slice(0, -1),
        key: String(path[path.length - 1]),
        message: `bad name ${JSON.stringify(path[path.length - 1])}: ${
          issue.issues[0]?.message ?? issue.message
        }`,
      }];
    case "invalid_union":
      return mapUnion(issue, path, input, ctx);
  }
  if (input === undefined && path.length > 0 && isMissingKey(ctx.input, path)) {
    return [{
      path: path.slice(0, -1),
      message: `missing required key ${JSON.stringify(path[path.length - 1])}${
        path.length > 1 ? ` in ${dotted(path.slice(0, -1))}` : ""
      }`,
    }];
  }
  return [{ path, message: where ? `${where}: ${issue.message}` : issue.message }];
}

function mapUnion(
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: TreePath,
  input: unknown,
  ctx: IssueContext,
): SemanticProblem[] {
  const where = dotted(path);
  // A job: pick the variant of the kind the user wrote.
  if (path.length === 2 && path[0] === "jobs" && isObject(input)) {
    const present = Object.keys(input).filter((k) => ctx.jobKinds.includes(k));
    if (present.length === 1) {
      const variant = issue.errors[ctx.jobKinds.indexOf(present[0])] ?? [];
      return variant.flatMap((i) => mapIssue(i, path, ctx));
    }
    if (present.length > 1) {
      return [{
        path,
        message: `${where}: a job has exactly one kind; found ${present.join(", ")}`,
      }];
    }
    const unknown = Object.keys(input).filter((k) => !ctx.knownKeys.has(k));
    const guess = unknown.map((k) => suggestion(k, new Set(ctx.jobKinds))).find((s) => s) ?? "";
    return [{
      path,
      message: `${where}: a job needs one kind key: ${ctx.jobKinds.join(", ")}${
        unknown.length ? ` (unknown: ${unknown.join(", ")}${guess})` : ""
      }`,
    }];
  }
  // auth: unknown method.
  if (issue.discriminator === "method") {
    // zod puts the path at the discriminator itself.
    const method = path[path.length - 1] === "method"
      ? input
      : isObject(input)
      ? input.method
      : undefined;
    const at = path[path.length - 1] === "method" ? path.slice(0, -1) : path;
    const what = method === undefined
      ? "missing auth method"
      : `unknown auth method ${JSON.stringify(method)}`;
    return [{
      path: method === undefined ? at : [...at, "method"],
      message: `${what} (known: ${ctx.authMethods.join(", ")})${
        typeof method === "string" ? suggestion(method, new Set(ctx.authMethods)) : ""
      }`,
    }];
  }
  if (issue.errors.length === 0) return [{ path, message: `${where}: ${issue.message}` }];
  // Unions of scalars: prefer what the variant of the matching type said.
  const flat = issue.errors.flat();
  const telling = flat.filter((i) => i.code !== "invalid_type" && i.code !== "invalid_value");
  if (telling.length > 0) {
    const nested = telling.filter((i) => i.path.length > 0);
    const chosen = nested.length > 0 ? nested : [telling[0]];
    return chosen.flatMap((i) => mapIssue(i, path, ctx));
  }
  const expected = [
    ...new Set(
      flat.map((i) =>
        i.code === "invalid_type"
          ? i.expected
          : i.code === "invalid_value"
          ? i.values.map((v) => JSON.stringify(v)).join(" or ")
          : ""
      ).filter((x) => x),
    ),
  ];
  return [{ path, message: `${where}: expected ${expected.join(" or ")}, got ${describe(input)}` }];
}

/**
 * Every property name a JSON Schema mentions (for "did you mean").
 *
 * @example
 * ```ts
 * collectKeys({ properties: { a: { properties: { b: {} } } } }); // Set { "a", "b" }
 * ```
 */
export function collectKeys(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) { for (const s of schema) collectKeys(s, into); }
  else if (isObject(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === "properties" && isObject(v)) { for (const name of Object.keys(v)) into.add(name); }
      collectKeys(v, into);
    }
  }
  return into;
}

function valueAt(tree: unknown, path: TreePath): unknown {
  let node = tree;
  for (const step of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

function isMissingKey(tree: unknown, path: TreePath): boolean {
  const parent = valueAt(tree, path.slice(0, -1));
  return isObject(parent) && !Object.hasOwn(parent, String(path[path.length - 1]));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function dotted(path: TreePath): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[");
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `${typeof v} ${JSON.stringify(v)}`;
}
