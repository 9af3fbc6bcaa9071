/**
 * Cron expressions (croner): the validator's check and next-run times.
 * Five fields (minute precision) or six (with seconds), plus `@daily` and friends.
 * @module
 */
import { Cron } from "../deps/croner.ts";

/**
 * What is wrong with a cron expression (or time zone), or undefined.
 *
 * @example
 * ```ts
 * cronProblem("15 3 * * *");   // undefined
 * cronProblem("61 * * * *");   // "bad cron expression \"61 * * * *\": ..."
 * cronProblem("0 0 31 2 *");   // "cron expression \"0 0 31 2 *\" never fires (no date matches it)"
 * ```
 */
export function cronProblem(expression: string, timezone?: string): string | undefined {
  if (timezone !== undefined) {
    const tz = timezoneProblem(timezone);
    if (tz) return tz;
  }
  try {
    const cron = new Cron(expression, { paused: true, timezone });
    // Fields each valid on their own can still name no date (Feb 31): such a schedule never fires.
    if (cron.nextRun() === null) {
      return `cron expression ${JSON.stringify(expression)} never fires (no date matches it)`;
    }
    return undefined;
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^CronPattern: /, "") : String(e);
    return `bad cron expression ${JSON.stringify(expression)}: ${why}`;
  }
}

/**
 * What is wrong with an IANA time zone name, or undefined.
 *
 * @example
 * ```ts
 * timezoneProblem("Europe/Berlin"); // undefined
 * timezoneProblem("Mars/Olympus");  // "unknown time zone \"Mars/Olympus\""
 * ```
 */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown time zone ${JSON.stringify(timezone)}`;
  }
}

/**
 * The next `count` run times of an expression after `from`.
 *
 * @example
 * ```ts
 * nextRuns("0 * * * *", 2, new Date("2026-01-01T00:30:00Z")); // [01:00Z, 02:00Z]
 * ```
 */
export function nextRuns(
  expression: string,
  count: number,
  from: Date = new Date(),
  timezone?: string,
): Date[] {
  return new Cron(expression, { paused: true, timezone }).nextRuns(count, from);
}
