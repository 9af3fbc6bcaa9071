/**
 * picomatch: include/exclude globs (rsync/rclone-like rules are built on it in
 * sync/filter.ts); needs no permissions, unlike minimatch and node:path globs.
 * @module
 */
// @ts-types="npm:@types/picomatch@^4.0.3"
export { default as picomatch } from "npm:picomatch@^4.0.7";
