/**
 * ferry's base error and nothing else: {@link FerryError}, for a plugin that
 * defines its own errors on a path that must load little. `./plugin` (and `.`)
 * export the same class, with the whole plugin API around it: the endpoint
 * building blocks, the logger, Node's crypto. The UFTP plugin's head start
 * (plugins/uftp/head.ts) sends its auth request after loading this alone.
 *
 * @example A plugin's own error
 * ```ts
 * import { FerryError } from "./errors.ts";
 *
 * export class VaultError extends FerryError {
 *   constructor(message: string) {
 *     super(message, { code: "EVAULT" });
 *   }
 * }
 * ```
 * @module
 */
export { FerryError } from "./util/errors.ts";
