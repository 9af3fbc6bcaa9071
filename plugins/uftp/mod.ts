/**
 * The UFTP plugin: UNICORE authentication (the `unicore` auth method),
 * `uftp://` endpoints, and a self-hosted UFTP site (`ferry uftp-serve`: a
 * UFTPD and an HTTPS auth service). The default export is the plugin; the
 * named exports are its library API. Importing it registers nothing: `uftp:`
 * is known wherever the plugin is added to a registry (ferry's default one).
 *
 * @example
 * ```ts
 * import uftp, { UftpEndpoint } from "./plugins/uftp/mod.ts";
 * uftp.endpointSchemes?.map((s) => s.scheme); // ["uftp"]
 * const ep = await UftpEndpoint.open("uftp://demouser:test123@localhost:9000/rest/auth/TEST:/data");
 * ```
 * @module
 */
import { definePlugin, type Endpoint, type Plugin } from "../../plugin.ts";
import { unicoreAuth } from "./auth_method.ts";
import { uftpServeCommand } from "./cli.ts";
import { UftpEndpoint, type UftpEndpointOptions } from "./endpoint.ts";

export * from "./errors.ts";
export * from "./url.ts";
export * from "./jwt.ts";
export * from "./keys.ts";
export * from "./openssh.ts";
export * from "./credentials.ts";
export * from "./auth_messages.ts";
export * from "./blocks.ts";
export * from "./command_port.ts";
export * from "./auth_client.ts";
export * from "./session.ts";
export * from "./dialect.ts";
export * from "./endpoint.ts";
export * from "./time.ts";
export * from "./stack.ts";
export * from "./auth_method.ts";
export { UFTP_SERVE_HELP, uftpServeCommand, usersFromArgs } from "./cli.ts";
export { sendTransferRequest } from "./command_client.ts";
export {
  type AuthServiceHandle,
  type AuthServiceOptions,
  makeSecret,
  MULTI_FILE_TAG,
  requestedBase,
  startAuthService,
  type UftpdTarget,
} from "./authserver/service.ts";
export { type AuthUser, UserTable } from "./authserver/users.ts";
export { startUftpd, UFTPD_VERSION, type UftpdHandle, type UftpdOptions } from "./uftpd/server.ts";
export { type Job, JOB_LIFETIME_MS, JobStore } from "./uftpd/jobs.ts";
export { systemUtcOffset, type UtcOffset } from "./uftpd/listing.ts";

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
    open: openUftp,
  }],
  commands: [uftpServeCommand],
});
export default uftpPlugin;
