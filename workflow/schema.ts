/**
 * The workflow format, defined once with zod: the loader validates with it and
 * `ferry schema` prints it as JSON Schema. Job kinds and auth methods come from
 * the plugin registry (built-ins included), so the schema grows with plugins.
 *
 * Semantic checks that need the whole file (endpoint references, cycles in
 * `needs`) live in `validate.ts`; checks of a single value (cron, globs, units)
 * are refinements here, so their errors point at the exact value.
 * @module
 */
import { z } from "../deps/zod.ts";
import type { AuthMethod, JobKind, OptionsSchema } from "./plugin.ts";
import { builtinAuthSchema } from "./auth/methods.ts";
import { globProblem } from "./glob.ts";
import { globProblem as engineGlobProblem } from "../sync/filter.ts";
import {
  DURATION_RE,
  parseTimeShift as parseShiftText,
  PERCENT_RE,
  SIZE_RE,
  TIME_SHIFT_RE,
} from "../util/units.ts";
import { TimeShiftError, validateTimeShift } from "../util/time_shift.ts";
import { NAME_PATTERN, TARGET_PATTERN } from "./patterns.ts";

// Jitless: zod otherwise compiles a parser for each object schema (`new Function`)
// the first time it parses with it, which pays only for a schema used many
// times. A process checks its workflow once (a one-off `ferry mirror` builds and
// checks one too): compiling took 8-11 ms of a 0 ms no-change mirror's start-up,
// the plain parse takes 3 ms. Results and messages are the same either way.
z.config({ jitless: true });

// croner (npm) is imported only to check a workflow that has a schedule: the
// loader calls loadCronCheck() first (most runs, every one-off command, have
// none, and its import cost them ~4 ms of start-up). A check that runs without
// it reports an error rather than passing the value unchecked.
const CRON_MODULE = new URL("./cron.ts", import.meta.url).href;
let cron: typeof import("./cron.ts") | undefined;

/**
 * Imports the cron check ({@link CronExpression} needs it); idempotent.
 *
 * @example
 * ```ts
 * if (input.schedule !== undefined) await loadCronCheck();
 * workflowSchema(parts).safeParse(input);
 * ```
 */
export async function loadCronCheck(): Promise<void> {
  cron ??= await import(CRON_MODULE) as typeof import("./cron.ts");
}

/** What is wrong with a value of the cron module's kind (`check`), or undefined. */
function cronCheck(check: "cronProblem" | "timezoneProblem", value: string): string | undefined {
  if (!cron) return "internal: the cron check was not loaded (loadCronCheck)";
  return cron[check](value);
}

/** Keys of a job besides its kind key. */
export const JOB_COMMON_KEYS = [
  "description",
  "needs",
  "retries",
  "retryDelay",
  "parallel",
  "segments",
  "dryRun",
  "timeout",
] as const;

/** What text a number or boolean field takes (interpolation always gives text). */
const TEXT_FORMS = {
  number: { re: /^\s*-?\d+(?:\.\d+)?\s*$/, pattern: "^\\s*-?\\d+(\\.\\d+)?\\s*$|\\$\\{" },
  boolean: { re: /^(?:true|false)$/, pattern: "^(true|false)$|\\$\\{" },
} as const;
/** Schemas made by {@link fromText}, with the text form the JSON Schema must also allow. */
const textForms = new WeakMap<object, keyof typeof TEXT_FORMS>();

/**
 * A number (or boolean) field that also takes its value as text, so that
 * `parallel: "${vars.n}"` and `retries: "${env:R:-2}"` work: numeric text
 * becomes a number, `true`/`false` a boolean, before `schema` checks it. The
 * JSON Schema of such a field also allows a string holding `${...}`.
 *
 * @example
 * ```ts
 * fromText(z.number().int()).parse("4"); // 4
 * ```
 */
export function fromText<T extends z.ZodType>(
  schema: T,
  kind: keyof typeof TEXT_FORMS = "number",
): z.ZodType<z.output<T>, z.input<T>> {
  const form = TEXT_FORMS[kind].re;
  const s = z.preprocess(
    (v) =>
      typeof v !== "string" || !form.test(v) ? v : kind === "number" ? Number(v) : v === "true",
    schema,
  ) as unknown as z.ZodType<z.output<T>, z.input<T>>;
  textForms.set(s, kind);
  return s;
}

/** Endpoint, job and var names. */
export const Name = z.string().regex(
  NAME_PATTERN,
  "names use letters, digits, _ and -, and start with a letter or _",
);

/** `endpoint:/path` (the path may be empty: the endpoint's root). */
export const Target = z.string().regex(
  TARGET_PATTERN,
  'a target is "endpoint:/path", e.g. origin:/releases',
).meta({ description: "endpoint name, a colon, and a path inside it: origin:/releases" });

/** A glob pattern, checked for unclosed brackets and misplaced `**`. */
export const Glob = z.string().check((ctx) => {
  // The matcher's own verdict first (sync/ compiles these), then stricter lint.
  const problem = engineGlobProblem(ctx.value) ?? globProblem(ctx.value);
  if (problem) {
    ctx.issues.push({ code: "custom", message: `bad glob: ${problem}`, input: ctx.value });
  }
}).meta({ description: "glob relative to the job's root: *, **, ?, [a-z], {a,b}" });

/** Globs: one or a list. */
export const Globs = z.union([Glob, z.array(Glob)]);

/** Bytes: a number or `10MiB`. */
export const Size = fromText(z.union([
  z.number().int().nonnegative(),
  z.string().regex(SIZE_RE, "a size is a number of bytes or like 10MiB, 1.5GB"),
]));

/** Seconds as a number, or `250ms`, `30s`, `5m`, `2h`. */
export const Duration = fromText(z.union([
  z.number().nonnegative(),
  z.string().regex(DURATION_RE, "a duration is seconds or like 250ms, 30s, 5m, 2h"),
]));

/** A cron expression, checked with croner. */
export const CronExpression = z.string().check((ctx) => {
  const problem = cronCheck("cronProblem", ctx.value);
  if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
}).meta({ description: 'cron expression, 5 or 6 fields or @daily: "15 3 * * *"' });

/** `maxDelete`: a count or a percentage of the target's files. */
export const DeleteLimit = fromText(z.union([
  z.number().int().nonnegative(),
  z.string().regex(PERCENT_RE, 'maxDelete is a count or a percentage like "10%"').refine(
    (text) => Number(PERCENT_RE.exec(text)?.[1] ?? 0) <= 100,
    "maxDelete is a percentage of the target's files: at most 100%",
  ),
]));

/** Options every job has (also the keys of `defaults`). */
export const JobCommon = {
  retries: fromText(z.number().int().min(0).max(100)).optional().meta({
    description: "attempts after the first on temporary errors (default 3)",
  }),
  retryDelay: Duration.optional().meta({ description: "first back-off delay, doubled each time" }),
  parallel: fromText(z.number().int().min(1).max(64)).optional().meta({
    description: "parallel transfers and listings (default 4)",
  }),
  segments: fromText(z.number().int().min(1).max(64)).optional().meta({
    description:
      "connections one large download may use at once (REST ranges, lftp's pget -n; default 8, from 64 MiB; 1: off)",
  }),
  dryRun: fromText(z.boolean(), "boolean").optional().meta({
    description: "print the plan, touch nothing",
  }),
  timeout: Duration.optional().meta({ description: "give up the job after this long" }),
};

/** Filters shared by tree jobs. */
export const Filters = {
  include: Globs.optional(),
  exclude: Globs.optional(),
  minSize: Size.optional(),
  maxSize: Size.optional(),
};

const TimeShift = fromText(
  z.union([
    z.literal("auto"),
    z.number().min(-86400).max(86400),
    z.string().regex(TIME_SHIFT_RE, 'timeShift is "auto", seconds, or "+HH:MM"'),
  ]).superRefine((value, ctx) => {
    // What the FTP endpoint will refuse when it opens (more than 24 h once rounded, or far
    // from a 15-minute step) is refused here, at its position, not by the run.
    // (zod runs this after a failed branch too: only values the union took are checked.)
    if (typeof value !== "number" && !(typeof value === "string" && TIME_SHIFT_RE.test(value))) {
      return;
    }
    if (typeof value === "number" && Math.abs(value) > 86400) return;
    try {
      validateTimeShift(parseShiftText(value) as number);
    } catch (error) {
      if (!(error instanceof TimeShiftError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  }),
).meta({ description: 'server clock minus UTC: "auto", seconds, or "+HH:MM"' });

const Tls = z.strictObject({
  mode: z.enum(["require", "try", "off"]).optional().meta({
    description: "ftp:// only: require AUTH TLS, try it, or stay plain",
  }),
  ca: z.string().optional().meta({ description: "PEM file with the CA to trust" }),
  insecure: fromText(z.boolean(), "boolean").optional().meta({
    description: "skip certificate verification (loudly logged)",
  }),
});

/**
 * The zod schema behind a plugin's option schema: {@link OptionsSchema} says it
 * must be zod's, and this is the one place that relies on it.
 *
 * @example
 * ```ts
 * zodOf<z.ZodObject>(passwordAuth.schema!).safeParse({ user: "a" });
 * ```
 */
export function zodOf<T extends z.ZodType = z.ZodType>(schema: OptionsSchema<unknown>): T {
  return schema as unknown as T;
}

/**
 * The `auth:` object: one variant per registered method, told apart by `method`.
 *
 * @example
 * ```ts
 * authSchema(builtinAuthMethods).parse({ method: "anonymous" });
 * ```
 */
export function authSchema(methods: AuthMethod[]): z.ZodType {
  const variants = methods.map((m) => {
    const method = z.literal(m.name);
    // extend() keeps the method's own checks (e.g. "exactly one of ...").
    const own = m.schema ?? builtinAuthSchema(m);
    const variant = own
      ? zodOf<z.ZodObject>(own).extend({ method }).strict()
      : z.looseObject({ method });
    return m.description ? variant.meta({ description: m.description }) : variant;
  });
  if (variants.length === 0) return z.strictObject({ method: z.never() });
  // deno-lint-ignore no-explicit-any
  return z.discriminatedUnion("method", variants as any);
}

/**
 * One endpoint entry.
 *
 * @example
 * ```ts
 * endpointSchema([]).parse({ url: "./mirror" });
 * ```
 */
export function endpointSchema(methods: AuthMethod[]): z.ZodObject {
  return z.strictObject({
    url: z.string().min(1).meta({
      description: "ftp://, ftpes://, ftps://, file://, memory://, a plugin scheme, or a path",
    }),
    description: z.string().optional(),
    auth: authSchema(methods).optional(),
    timeShift: TimeShift.optional(),
    tls: Tls.optional(),
    maxConnections: fromText(z.number().int().min(1).max(64)).optional(),
    timeout: Duration.optional().meta({ description: "per network operation" }),
    options: z.record(z.string(), z.unknown()).optional().meta({
      description: "extra options for the endpoint's scheme",
    }),
  });
}

/**
 * One job: the common keys plus exactly one kind key. For JSON Schema this is a
 * `oneOf` over the kinds; the loader turns zod's union errors back into the
 * errors of the kind the user wrote (see `load.ts`).
 *
 * @example
 * ```ts
 * jobSchema(builtinJobKinds);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function jobSchema(kinds: JobKind<any>[]): z.ZodType {
  const common = {
    description: z.string().optional(),
    needs: z.union([Name, z.array(Name)]).optional().meta({
      description: "jobs that must finish successfully first",
    }),
    ...JobCommon,
  };
  const variants = kinds.map((k) => {
    // A kind's loadSchema is in `schema` here (Registry.schemaParts).
    const shape = { ...common, [k.name]: zodOf(k.schema!) };
    const obj = z.strictObject(shape);
    return k.description ? obj.meta({ description: k.description }) : obj;
  });
  if (variants.length === 0) return z.strictObject(common);
  if (variants.length === 1) return variants[0];
  return z.xor(variants);
}

const Schedule = z.union([
  CronExpression,
  z.array(CronExpression).min(1),
  z.strictObject({
    cron: z.union([CronExpression, z.array(CronExpression).min(1)]),
    timezone: z.string().check((ctx) => {
      const problem = cronCheck("timezoneProblem", ctx.value);
      if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
    }).optional(),
    jobs: z.array(Name).optional().meta({ description: "run only these jobs (and their needs)" }),
  }),
]).meta({ description: "when `ferry schedule` runs the workflow" });

/** What the registry offers the schema. */
export interface SchemaParts {
  /** Every job kind the workflow may use. */
  // deno-lint-ignore no-explicit-any
  jobKinds: JobKind<any>[];
  /** Every auth method an endpoint may name. */
  authMethods: AuthMethod[];
}

/**
 * The whole workflow format for a set of job kinds and auth methods.
 *
 * @example
 * ```ts
 * const schema = workflowSchema({ jobKinds: builtinJobKinds, authMethods: builtinAuthMethods });
 * console.log(JSON.stringify(z.toJSONSchema(schema, { io: "input" })));
 * ```
 */
export function workflowSchema(parts: SchemaParts): z.ZodObject {
  return z.strictObject({
    $schema: z.string().optional().meta({ description: "for editors; ignored" }),
    version: z.literal(1, "version must be 1"),
    name: z.string().min(1).optional().meta({ description: "defaults to the file name" }),
    description: z.string().optional(),
    vars: z.record(Name, z.union([z.string(), z.number(), z.boolean()])).optional().meta({
      description: "values for ${vars.name}; strings may use ${env:NAME}",
    }),
    plugins: z.array(z.string().min(1)).optional().meta({
      description: "plugin modules: paths relative to this file, or URLs",
    }),
    state: z.string().optional().meta({
      description: "directory for sync state (default .ferry beside this file)",
    }),
    endpoints: z.record(Name, endpointSchema(parts.authMethods)).optional(),
    defaults: z.strictObject(JobCommon).optional().meta({
      description: "options every job inherits",
    }),
    schedule: Schedule.optional(),
    jobs: z.record(Name, jobSchema(parts.jobKinds)),
  });
}

/**
 * The JSON Schema `ferry schema` prints (draft 2020-12, input side: defaulted
 * fields are optional).
 *
 * @example
 * ```ts
 * const js = workflowJsonSchema({ jobKinds: [], authMethods: [] });
 * js.$schema; // "https://json-schema.org/draft/2020-12/schema"
 * ```
 */
export function workflowJsonSchema(parts: SchemaParts): Record<string, unknown> {
  const schema = z.toJSONSchema(workflowSchema(parts), {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const kind = textForms.get(ctx.zodSchema);
      if (!kind) return;
      // The value as the file may write it: the type itself, or text giving it.
      const own = { ...ctx.jsonSchema };
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      ctx.jsonSchema.anyOf = [own, { type: "string", pattern: TEXT_FORMS[kind].pattern }];
    },
  });
  return {
    ...schema,
    title: "ferry workflow",
  };
}
