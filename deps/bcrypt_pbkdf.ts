/**
 * bcrypt-pbkdf: OpenSSH's KDF for passphrase-protected `openssh-key-v1` private
 * keys (Blowfish-based, which node:crypto lacks); UFTP signs its SSH-key JWTs
 * with them.
 * @module
 */
export { default as bcryptPbkdf } from "npm:bcrypt-pbkdf@^1.0.2";
