/**
 * `ferry serve`: placeholder until the command-line front lands.
 * @module
 */
import type { PluginCommand } from "../../mod.ts";

/** The `serve` command. */
export const serveCommand: PluginCommand = {
  name: "serve",
  description: "serve a directory or an endpoint over FTP/FTPS",
  run() {
    return Promise.resolve(1);
  },
};
