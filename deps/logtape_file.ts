/**
 * @logtape/file: the CLI's `--log-file` sink (buffered; the CLI disposes it
 * before exit).
 * @module
 */
export { getFileSink } from "npm:@logtape/file@^2.3.10";
