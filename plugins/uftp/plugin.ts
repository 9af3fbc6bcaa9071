/**
 * The UFTP plugin as a registry loads it: the `unicore` auth method, the `uftp`
 * scheme and the `uftp-serve` command, without the server side. A `uftp://`
 * transfer imports only this and the client; `uftp-serve` imports the UFTPD and
 * the auth service (plugins/uftp/cli.ts) when it runs. mod.ts re-exports it as
 * its default, beside the library API.
 *
 * @example
 * ```ts
 * import uftp from "./plugins/uftp/plugin.ts";
 * uftp.endpointSchemes?.map((s) => s.scheme); // ["uftp"]
 * ```
 * @module
 */
import { definePlugin, type Endpoint, type Plugin, type PluginCommand } from "../../plugin_base.ts";
import { unicoreAuth } from "./auth_method.ts";
import { UftpEndpoint, type UftpEndpointOptions } from "./endpoint.ts";

/**
 * Opens a `uftp://` URL with workflow-style options.
 *
 * @example
 * ```ts
 * const ep = await openUftp(new URL("uftp://u@h:9000/rest/auth/TEST:/d"), { credentials: { password: "pw" } });
 * ```
 */
export function openUftp(url: URL, options: object): Promise<Endpoint> {
  return UftpEndpoint.open(url, options as UftpEndpointOptions);
}

/**
 * The server side's module, by a specifier Deno cannot read ahead: a literal
 * `import("./cli.ts")` made every `uftp://` transfer read (not run) the UFTPD,
 * the auth service and the FTP server, ~60 modules, at start-up.
 */
const SERVE_MODULE = new URL("./cli.ts", import.meta.url).href;

/** `ferry uftp-serve`: the server side (UFTPD, auth service, the FTP server under them) loads when it runs. */
export const uftpServeCommand: PluginCommand = {
  name: "uftp-serve",
  description: "serve a directory as a UFTP site (UFTPD + HTTPS auth service)",
  usage: "[options] [DIR]",
  run: async (args, context) =>
    (await import(SERVE_MODULE) as typeof import("./cli.ts")).runUftpServe(args, context),
};

/**
 * The uftp plugin: the `uftp` scheme, the `unicore` auth method and `ferry uftp-serve`.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * registry.add(uftpPlugin);
 * ```
 */
const uftpPlugin: Plugin = definePlugin({
  name: "uftp",
  version: "0.1.0",
  description: "UFTP (UNICORE FTP): uftp:// endpoints, the unicore auth method, uftp-serve",
  authMethods: [unicoreAuth],
  endpointSchemes: [{
    scheme: "uftp",
    description: "uftp://user@authhost:port[/prefix]/rest/auth/NAME:/base/dir (PyUNICORE's form)",
    options: {
      persistent: { type: "boolean", description: "one secret for every session" },
      streams: { type: "integer", description: "data streams per transfer (default 1)" },
      group: { type: "string", description: "Unix group the UFTPD writes as" },
      client: { type: "string", description: "addresses the UFTPD accepts data connections from" },
      compress: { type: "boolean", description: "refused: not implemented" },
      cacheMaxAgeMs: { type: "integer", description: "how long cached listings are trusted" },
    },
    open: openUftp,
  }],
  commands: [uftpServeCommand],
});
export default uftpPlugin;
