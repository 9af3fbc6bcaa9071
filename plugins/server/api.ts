/**
 * The server's library surface, the `./server` entry point (server.ts) of ferry,
 * so that tests, workflows and programs can start a server in-process.
 *
 * @example
 * ```ts
 * import { MemoryEndpoint } from "../../plugin.ts";
 * import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
 * const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" });
 * const srv = await startFtpServer({ endpoint: new MemoryEndpoint(), authorizer, port: 0 });
 * await srv.close();
 * ```
 * @module
 */
export { FtpServer, type FtpServerHandle, startFtpServer } from "./server.ts";
export type { FtpServerOptions } from "./options.ts";
export {
  type AddUserOptions,
  ANONYMOUS_NAMES,
  type Authorizer,
  ChainAuthorizer,
  type LoginContext,
  type UserAccount,
  VirtualAuthorizer,
  type VirtualAuthorizerOptions,
} from "./authorizers.ts";
export {
  checkSecret,
  secretCost,
  type SecretVerifier,
  StandIns,
  type StoredSecret,
  storedSecret,
} from "../../plugin.ts";
export { ALL_PERMS, type PermissionOverride, READ_PERMS, WRITE_PERMS } from "./permissions.ts";
export {
  DEFAULT_SCRYPT,
  hashPassword,
  md5Password,
  type ScryptParams,
  verifyPassword,
} from "../../plugin.ts";
export type { ReceivedVerdict, ServerHooks, SessionInfo, TransferEvent } from "./hooks.ts";
export { FtpServerError, UploadVetoError } from "./errors.ts";
export type { TlsOptions as FtpServerTlsOptions } from "./tls.ts";
