/**
 * What a ferry plugin needs, and nothing more: {@link definePlugin} and the shapes
 * it takes (endpoint schemes, auth methods, job kinds, commands, authorizers), the
 * endpoint contract with its errors and building blocks (paths, atomic writes,
 * streams, the local and memory endpoints), the logger and ferry's base error.
 *
 * A plugin, built-in or loaded by URL, imports this module (and other entry
 * points such as `./ftp` or `./host`), never the files behind it. One that
 * wraps a backend and must load little imports `./plugin-base` instead: all of
 * this but the local and memory endpoints, `openEndpoint` and password hashing.
 *
 * @example Define a command
 * ```ts
 * import { definePlugin } from "./plugin.ts";
 *
 * export default definePlugin({
 *   name: "hello",
 *   commands: [{
 *     name: "hello",
 *     description: "say hi",
 *     run: () => {
 *       console.log("hi");
 *       return Promise.resolve(0);
 *     },
 *   }],
 * });
 * ```
 * @module
 */
// Its light half (./plugin_base.ts, an entry point of its own), then the rest.
export * from "./plugin_base.ts";
export * from "./endpoint/memory.ts";
export * from "./endpoint/local.ts";
export * from "./endpoint/url.ts";
// The last step of a transfer safe against a cut (ferry serve's staged uploads onto a remote endpoint).
export {
  RenameUnconfirmedError,
  replaceChecked,
  type ReplaceCheckedOptions,
} from "./sync/replace_checked.ts";
export type { RenameTarget } from "./sync/replace.ts";
export { isTemporary } from "./sync/retry.ts";
// Password hashes and stored secrets, for authorizers (ferry serve's, the UFTP auth service's).
export * from "./workflow/auth/passwords.ts";
export * from "./workflow/auth/stored_secrets.ts";
