/**
 * Seeing and retiring the schedules `ferry schedule --queue` keeps in Redis:
 * `ferry schedule --queue URL --list` and `--remove NAME|FILE...`, over
 * BullMQ's `getJobSchedulers` and `removeJobScheduler` (which also drops the
 * scheduler's next tick, so nothing fires after it).
 *
 * A workflow's schedulers are `<name>#<n>`, one per cron expression (see
 * schedule.ts). Removing them does not stop a `ferry schedule --queue`
 * process that has the file: it puts them back when started again with it.
 * @module
 */
import { Queue } from "../../deps/bullmq.ts";
import { logger } from "../../util/log.ts";
import { QUEUE_PREFIX, type QueueTarget, QueueUnavailableError, RUNS_QUEUE } from "./connection.ts";
import { connectionOf } from "./worker.ts";

const log = logger("queue", "schedule");

/** One scheduler on the queue, as `--list` shows it. */
export interface QueueSchedule {
  /** `<workflow name>#<n>`. */
  id: string;
  /** The workflow's name. */
  workflow: string;
  /** The cron expression. */
  pattern?: string;
  tz?: string;
  /** The next tick (ms since the epoch). */
  next?: number;
  /** The workflow file a tick runs (as the scheduler that put it there named it). */
  file?: string;
}

/**
 * The scheduler ids of workflow `name` among `ids` (`<name>#<n>`, not another
 * workflow whose name merely starts the same way).
 *
 * @example
 * ```ts
 * idsOf(["nightly#0", "nightly#1", "nightly-2#0"], "nightly"); // ["nightly#0", "nightly#1"]
 * ```
 */
export function idsOf(ids: string[], name: string): string[] {
  return ids.filter((id) => id.startsWith(`${name}#`) && /^\d+$/.test(id.slice(name.length + 1)));
}

/**
 * The workflow name in a scheduler id.
 *
 * @example
 * ```ts
 * workflowOf("night#ly#1"); // "night#ly"
 * ```
 */
export function workflowOf(id: string): string {
  const at = id.lastIndexOf("#");
  return at > 0 ? id.slice(0, at) : id;
}

/**
 * Every schedule on the queue, ordered by id.
 *
 * @example
 * ```ts
 * for (const s of await listQueueSchedules(target)) console.log(s.id, s.pattern);
 * ```
 */
export async function listQueueSchedules(target: QueueTarget): Promise<QueueSchedule[]> {
  return await withQueue(target, async (queue) => {
    const all = await queue.getJobSchedulers(0, -1, true);
    return all.map((s) => {
      const id = s.key ?? s.id ?? "";
      const file = (s.template?.data as { file?: unknown } | undefined)?.file;
      return {
        id,
        workflow: workflowOf(id),
        ...(s.pattern ? { pattern: s.pattern } : {}),
        ...(s.tz ? { tz: s.tz } : {}),
        ...(s.next ? { next: s.next } : {}),
        ...(typeof file === "string" ? { file } : {}),
      };
    }).sort((a, b) => a.id.localeCompare(b.id));
  });
}

/**
 * Removes the schedules of the named workflows (each with its next tick);
 * says which ids went and which names had none.
 *
 * @example
 * ```ts
 * const { removed, missing } = await removeQueueSchedules(target, ["nightly"]);
 * ```
 */
export async function removeQueueSchedules(
  target: QueueTarget,
  names: string[],
): Promise<{ removed: string[]; missing: string[] }> {
  return await withQueue(target, async (queue) => {
    // Sorted as --list shows them: Redis returns schedulers with equal next ticks in no fixed order.
    const ids = (await queue.getJobSchedulers(0, -1, true)).map((s) => s.key ?? s.id ?? "")
      .sort((a, b) => a.localeCompare(b));
    const removed: string[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const mine = idsOf(ids, name);
      if (mine.length === 0) missing.push(name);
      for (const id of mine) {
        if (await queue.removeJobScheduler(id)) removed.push(id);
      }
    }
    return { removed, missing };
  });
}

/** Runs `use` on the runs queue; a Redis that does not answer within `ms` is an error. */
async function withQueue<T>(
  target: QueueTarget,
  use: (queue: Queue) => Promise<T>,
  ms = 15_000,
): Promise<T> {
  const queue = new Queue(RUNS_QUEUE, { connection: connectionOf(target), prefix: QUEUE_PREFIX });
  queue.on("error", (e) => log.debug("queue: {error}", { error: String(e) }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(target.display, ms)), ms);
  });
  try {
    return await Promise.race([use(queue), late]);
  } finally {
    clearTimeout(timer);
    // A Redis that went away would keep close() waiting for its reconnects.
    await Promise.race([queue.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
  }
}
