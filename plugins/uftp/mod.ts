/**
 * The UFTP plugin: UNICORE authentication, `uftp://` endpoints, and a
 * self-hosted UFTP stack (auth service + UFTPD). Its default export is the
 * plugin; the named exports are its library API.
 * @module
 */
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
export { sendTransferRequest } from "./command_client.ts";
export {
  type AuthServiceHandle,
  type AuthServiceOptions,
  makeSecret,
  startAuthService,
  type UftpdTarget,
} from "./authserver/service.ts";
export { type AuthUser, UserTable } from "./authserver/users.ts";
export { startUftpd, UFTPD_VERSION, type UftpdHandle, type UftpdOptions } from "./uftpd/server.ts";
export { type Job, JOB_LIFETIME_MS, JobStore } from "./uftpd/jobs.ts";
export { systemUtcOffset, type UtcOffset } from "./uftpd/listing.ts";
