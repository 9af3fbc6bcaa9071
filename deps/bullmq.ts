/**
 * bullmq: a Redis-backed job queue with flows (a parent runs after its
 * children), retries with back-off, stalled-job recovery and cron job
 * schedulers: ferry's cluster mode (`--queue`, `ferry worker`) runs on it
 * rather than on an engine of its own. Only workflow/queue/ imports this file,
 * and the CLI imports workflow/queue/ only for `--queue` and `worker`, so no
 * other command loads its ~10 MB of modules.
 * @module
 */
export {
  FlowProducer,
  Job as QueueJob,
  Queue,
  QueueEvents,
  UnrecoverableError,
  WaitingError,
  Worker as QueueWorker,
} from "npm:bullmq@^5.81.5";
export type { FlowJob } from "npm:bullmq@^5.81.5";
/** BullMQ's own Redis client, for a login check before BullMQ connects (it retries a refusal). */
export { Redis as RedisClient } from "npm:ioredis@^5.11.1";
