/**
 * Server mode: an FTP/FTPS server over any endpoint, as a built-in plugin.
 * Its default export adds the `ferry serve` command; the named exports are
 * the library API (also re-exported by ferry's `mod.ts`).
 *
 * @example
 * ```ts
 * import serverPlugin from "./plugins/server/mod.ts";
 * console.log(serverPlugin.commands?.map((c) => c.name)); // ["serve"]
 * ```
 * @module
 */
import { definePlugin } from "../../plugin.ts";
import { serveCommand } from "./cli.ts";

export * from "./api.ts";

export default definePlugin({
  name: "server",
  version: "0.1.0",
  commands: [serveCommand],
});
