/**
 * croner: cron parsing (validation), next-run times and the in-process scheduler.
 * @module
 */
export { Cron } from "npm:croner@^11.0.1";
