/**
 * UFTP (UNICORE FTP) as a library: `uftp://` endpoints, UNICORE authentication,
 * and a self-hosted UFTP site (a UFTPD and an HTTPS auth service). The default
 * export is the plugin that adds all of this to a registry.
 *
 * @example Open a UFTP endpoint
 * ```ts ignore
 * import { UftpEndpoint } from "./uftp.ts";
 *
 * const ep = await UftpEndpoint.open("uftp://demouser:test123@localhost:9000/rest/auth/TEST:/data");
 * console.log(await ep.list(""));
 * await ep.close();
 * ```
 * @module
 */
export * from "./plugins/uftp/mod.ts";
export { default } from "./plugins/uftp/mod.ts";
