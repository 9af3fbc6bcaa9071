/**
 * `${env:NAME}`, `${env:NAME:-default}` and `${vars.name}` in workflow strings.
 * Pure: the environment comes in as a function, problems come back with the path
 * of the string they were found in (the loader turns paths into file:line:col).
 *
 * A string that is exactly one `${vars.x}` takes the var's own type, so
 * `parallel: ${vars.n}` stays a number. `$${` writes a literal `${`.
 * @module
 */

/** A path into the parsed YAML tree (map keys and sequence indexes). */
export type TreePath = (string | number)[];

/** A problem found at a path of the tree. */
export interface PathProblem {
  path: TreePath;
  message: string;
}

/** What interpolation may look up. */
export interface InterpolationContext {
  /** Reads an environment variable (undefined when unset). */
  env: (name: string) => string | undefined;
  /** The workflow's `vars` (already interpolated themselves). */
  vars?: Record<string, unknown>;
  /** Leave unset `${env:X}` as written instead of reporting it (`ferry validate --no-env`). */
  allowMissingEnv?: boolean;
  /** Whether `${vars.x}` is allowed here (not inside `vars` itself). */
  varsAllowed?: boolean;
}

/** The result of interpolating a value or tree. */
export interface Interpolated<T = unknown> {
  value: T;
  problems: PathProblem[];
  /** Values taken from the environment that must be masked in output. */
  secrets: string[];
}

const REF = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const VAR_REF = /^vars\.([A-Za-z_][A-Za-z0-9_-]*)$/;
/** Env names that hold secrets wherever they are used. */
const SECRET_NAME = /pass|pw|secret|token|key|cred|auth/i;

/**
 * Whether a value read from env var `name` at `path` is to be treated as secret:
 * anything under an endpoint's `auth`, or a variable whose name says so.
 *
 * @example
 * ```ts
 * isSecretUse("ORIGIN_PW", ["endpoints", "origin", "url"]); // true (name)
 * isSecretUse("USER", ["endpoints", "o", "auth", "user"]);  // true (auth block)
 * isSecretUse("HOME", ["vars", "base"]);                    // false
 * ```
 */
export function isSecretUse(name: string, path: TreePath): boolean {
  return SECRET_NAME.test(name) || path.includes("auth");
}

/**
 * Interpolates one string.
 *
 * @example
 * ```ts
 * const r = interpolateString("${vars.root}/x", { env: () => undefined, vars: { root: "/srv" }, varsAllowed: true }, []);
 * r.value; // "/srv/x"
 * ```
 */
export function interpolateString(
  text: string,
  ctx: InterpolationContext,
  path: TreePath,
): Interpolated {
  const problems: PathProblem[] = [];
  const secrets: string[] = [];
  const whole = /^\$\{vars\.([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(text);
  if (whole && ctx.varsAllowed !== false) {
    const name = whole[1];
    if (ctx.vars && Object.hasOwn(ctx.vars, name)) {
      return { value: ctx.vars[name], problems, secrets };
    }
  }
  const value = text.replace(REF, (match, inner: string | undefined) => {
    if (match === "$${") return "${";
    const ref = (inner ?? "").trim();
    const env = ENV_REF.exec(ref);
    if (env) {
      const [, name, fallback] = env;
      const v = ctx.env(name);
      if (v === undefined) {
        if (fallback !== undefined) return fallback;
        if (ctx.allowMissingEnv) return match;
        problems.push({ path, message: `environment variable ${name} is not set` });
        return "";
      }
      if (isSecretUse(name, path)) secrets.push(v);
      return v;
    }
    const v = VAR_REF.exec(ref);
    if (v) {
      if (ctx.varsAllowed === false) {
        problems.push({ path, message: `\${${ref}}: vars cannot refer to other vars` });
        return "";
      }
      if (!ctx.vars || !Object.hasOwn(ctx.vars, v[1])) {
        problems.push({ path, message: `unknown var ${JSON.stringify(v[1])}` });
        return "";
      }
      return String(ctx.vars[v[1]]);
    }
    problems.push({
      path,
      message:
        `cannot interpolate \${${ref}}: use \${env:NAME}, \${env:NAME:-default} or \${vars.name}`,
    });
    return "";
  });
  return { value, problems, secrets };
}

/**
 * Interpolates every string value (not keys) of a JSON-like tree.
 *
 * @example
 * ```ts
 * const r = interpolateTree({ a: ["${env:HOME}"] }, { env: (n) => n === "HOME" ? "/root" : undefined });
 * r.value; // { a: ["/root"] }
 * ```
 */
export function interpolateTree(
  tree: unknown,
  ctx: InterpolationContext,
  path: TreePath = [],
): Interpolated {
  if (typeof tree === "string") return interpolateString(tree, ctx, path);
  const problems: PathProblem[] = [];
  const secrets: string[] = [];
  const take = (r: Interpolated) => {
    problems.push(...r.problems);
    secrets.push(...r.secrets);
    return r.value;
  };
  if (Array.isArray(tree)) {
    const value = tree.map((v, i) => take(interpolateTree(v, ctx, [...path, i])));
    return { value, problems, secrets };
  }
  if (tree !== null && typeof tree === "object" && !(tree instanceof Date)) {
    const value: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) {
      value[k] = take(interpolateTree(v, ctx, [...path, k]));
    }
    return { value, problems, secrets };
  }
  return { value: tree, problems, secrets };
}
