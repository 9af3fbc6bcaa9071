/**
 * Where the queue is: `redis://[user[:password]@]HOST:PORT[/DB]` (also
 * `FERRY_QUEUE`), the names ferry's queues have in Redis, and the errors of
 * cluster mode.
 * @module
 */
import { FerryError } from "../../util/errors.ts";
import { UsageError } from "../errors.ts";
import { redactUrl } from "../../util/redact.ts";
import { urlProblem } from "../../util/url_problem.ts";

/** Connection settings for Redis, as BullMQ (ioredis) takes them. */
export interface QueueTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The URL without its password, for messages. */
  display: string;
}

/** Key prefix of every queue ferry makes in Redis. */
export const QUEUE_PREFIX = "ferry";
/** The queue of transfer tasks (plan pieces). */
export const TASKS_QUEUE = "tasks";
/** The queue of scheduled workflow runs (`ferry schedule --queue`). */
export const RUNS_QUEUE = "runs";

/**
 * Parses a queue URL.
 *
 * @example
 * ```ts
 * parseQueueUrl("redis://127.0.0.1:6390/2"); // { host: "127.0.0.1", port: 6390, db: 2, display: "redis://127.0.0.1:6390/2" }
 * ```
 */
export function parseQueueUrl(text: string): QueueTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Why (a port of 70000, IPv6 without brackets), and never the password it may hold.
    throw new UsageError(
      `--queue ${JSON.stringify(redactUrl(text))}: ${urlProblem(text)} (redis://HOST:PORT[/DB])`,
    );
  }
  if (url.protocol !== "redis:") {
    throw new UsageError(`--queue ${url.protocol}//...: only redis://HOST:PORT[/DB] is supported`);
  }
  const dbText = url.pathname.replace(/^\/+/, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new UsageError(`--queue: database ${JSON.stringify(dbText)} is not a number`);
  }
  const port = url.port === "" ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "") throw new UsageError("--queue: no host (redis://HOST:PORT[/DB])");
  const out: QueueTarget = { host, port, db, display: `redis://${url.host}/${db}` };
  if (url.username) out.username = decodeURIComponent(url.username);
  if (url.password) out.password = decodeURIComponent(url.password);
  return out;
}

/**
 * The queue URL from `--queue` or else `FERRY_QUEUE`; undefined for neither.
 *
 * @example
 * ```ts
 * queueUrlFrom(undefined, (n) => n === "FERRY_QUEUE" ? "redis://h:6379" : undefined); // "redis://h:6379"
 * ```
 */
export function queueUrlFrom(
  flag: string | undefined,
  env: (name: string) => string | undefined,
): string | undefined {
  return flag ?? (env("FERRY_QUEUE") || undefined);
}

/** Redis cannot be reached (or went away) for longer than the run allows. */
export class QueueUnavailableError extends FerryError {
  constructor(target: string, ms: number, cause?: unknown) {
    super(
      `the queue at ${target} is unreachable (Redis did not answer for ${
        Math.round(ms / 1000)
      } s); ` +
        "tasks already handed out keep running on the workers, files being written keep " +
        "their temporary names; run again to continue",
      { code: "EQUEUE", cause },
    );
  }
}

/**
 * Whether a Redis error is a refused login or command (a wrong password or
 * user, ACL): retrying the connection cannot mend it.
 *
 * @example
 * ```ts
 * isRedisAuthError(new Error("WRONGPASS invalid username-password pair")); // true
 * ```
 */
export function isRedisAuthError(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message);
}

/** Redis refused ferry's login (or a command, by its ACL). */
export class QueueAuthError extends FerryError {
  constructor(target: string, reply: string) {
    super(
      `the queue at ${target} refused ferry's login: ${
        reply.trim().replace(/\.$/, "")
      }; check the user and ` +
        "password of the queue URL (--queue or FERRY_QUEUE: redis://[USER]:PASSWORD@HOST:PORT)",
      { code: "EQUEUEAUTH" },
    );
  }
}

/**
 * Redis answers again but without the run's record: it restarted without
 * persistence (or was flushed), and every task handed out went with it.
 */
export class QueueDataLostError extends FerryError {
  constructor(target: string) {
    super(
      `the queue at ${target} came back without this run's record (Redis restarted without ` +
        "persistence, or its data was flushed): the tasks handed out are gone with it; " +
        "files being written keep their temporary names; run again to continue",
      { code: "EQUEUELOST" },
    );
  }
}

/** A task would carry a secret into Redis (a literal password in the workflow). */
export class QueueSecretError extends FerryError {
  constructor(where: string) {
    super(
      `${where} holds a secret literally; with --queue, tasks carry only endpoint names and ` +
        "auth references: use passwordEnv, passwordFile, netrc, a command or ${env:NAME} " +
        "so each worker resolves the credential itself",
      { code: "EQUEUESECRET" },
    );
  }
}

/** A task failed on the workers after all its attempts. */
export class QueueTaskError extends FerryError {
  constructor(message: string) {
    super(message, { code: "EQUEUETASK" });
  }
}

/** A task this worker cannot read (another ferry version's, or no ferry task). */
export class QueueTaskFormatError extends FerryError {
  constructor(message: string) {
    super(message, { code: "EQUEUEFORMAT" });
  }
}

/** A worker resolves the workflow's endpoints to other places than the coordinator did. */
export class QueueEndpointMismatchError extends FerryError {
  constructor(problems: string[]) {
    super(
      `${problems.join("; ")}: this worker would carry the plan out on another tree; ` +
        "give it the same environment for the workflow's ${env:...} values in URLs",
      { code: "EQUEUEENDPOINT" },
    );
  }
}
