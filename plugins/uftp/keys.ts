/**
 * Loading the private key of SSH-key authentication: OpenSSH (`openssh-key-v1`)
 * and PEM (PKCS#1, PKCS#8, SEC1, also encrypted) files, with a passphrase, and
 * finding the file the way PyUNICORE does (relative names live in `~/.uftp/`).
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { UftpConfigError } from "./errors.ts";
import { isOpenSshPrivateKey, parseOpenSshPrivateKey, parseSshPublicKey } from "./openssh.ts";
import { jwtAlgorithm } from "./jwt.ts";

export { identityPath } from "./identity.ts";

/**
 * A private key from a key file's text; checks that it can sign UNICORE JWTs.
 * A wrong or missing passphrase is a {@link UftpConfigError} naming the problem.
 *
 * @example
 * ```ts
 * const key = loadPrivateKey(await Deno.readTextFile("id_ed25519"), "passphrase");
 * ```
 */
export function loadPrivateKey(text: string, passphrase?: string): KeyObject {
  if (text.includes("PuTTY-User-Key-File")) {
    throw new UftpConfigError(
      "PuTTY key files are not supported; export the key in OpenSSH format",
    );
  }
  let key: KeyObject;
  if (isOpenSshPrivateKey(text)) {
    key = createPrivateKey({ key: parseOpenSshPrivateKey(text, passphrase), format: "jwk" });
  } else {
    try {
      key = createPrivateKey({ key: text, format: "pem", passphrase: passphrase ?? "" });
    } catch (cause) {
      const encrypted = /ENCRYPTED/.test(text);
      throw new UftpConfigError(
        encrypted
          ? passphrase ? "wrong passphrase for the key file" : "the key file needs a passphrase"
          : "not a private key in OpenSSH or PEM format",
        { cause },
      );
    }
  }
  jwtAlgorithm(key);
  return key;
}

/**
 * A public key from an OpenSSH line (`ssh-ed25519 AAAA...`) or PEM text.
 *
 * @example
 * ```ts
 * const pub = loadPublicKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... demo");
 * ```
 */
export function loadPublicKey(text: string): KeyObject {
  const ssh = parseSshPublicKey(text);
  if (ssh) return createPublicKey({ key: ssh.jwk, format: "jwk" });
  try {
    return createPublicKey(text);
  } catch (cause) {
    throw new UftpConfigError("not a public key in OpenSSH or PEM format", { cause });
  }
}
