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
