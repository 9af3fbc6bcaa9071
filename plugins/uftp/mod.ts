/**
 * The UFTP plugin: UNICORE authentication (the `unicore` auth method),
 * `uftp://` endpoints, and a self-hosted UFTP site (`ferry uftp-serve`: a
 * UFTPD and an HTTPS auth service). The default export is the plugin; the
 * named exports are its library API (a registry loads plugin.ts, the plugin
 * without the server side). Importing it registers nothing: `uftp:`
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
export * from "./errors.ts";
export * from "./url.ts";
export * from "./jwt.ts";
export * from "./keys.ts";
export * from "./openssh.ts";
export * from "./auth_header.ts";
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
export * from "./auth_schema.ts";
export { runUftpServe, UFTP_SERVE_HELP, usersFromArgs } from "./cli.ts";
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

export { default, openUftp, uftpServeCommand } from "./plugin.ts";
