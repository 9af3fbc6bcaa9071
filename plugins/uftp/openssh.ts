/**
 * OpenSSH key formats (pure, apart from the KDF and cipher they name):
 * `openssh-key-v1` private keys (plain or passphrase-protected with bcrypt and
 * AES) and public key lines (`authorized_keys`, `*.pub`), both turned into
 * JWKs that node:crypto imports. Ed25519, ECDSA P-256 and RSA: the key types
 * UNICORE's JWT methods EdDSA, ES256 and RS256 use.
 * @module
 */
import { createDecipheriv } from "node:crypto";
import { bcryptPbkdf } from "../../deps/bcrypt_pbkdf.ts";
import { UftpConfigError } from "./errors.ts";
import { base64url, fromBase64, fromBigInt, SshReader, toBigInt } from "./ssh_wire.ts";

/** A key as a JSON Web Key (private keys carry `d`). */
export type Jwk = Record<string, string>;

const MAGIC = "openssh-key-v1\0";
const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";

/** Ciphers of `openssh-key-v1` files: node:crypto name, key and IV length, tag length. */
const CIPHERS: Record<string, { name: string; key: number; iv: number; tag: number }> = {
  "aes128-ctr": { name: "aes-128-ctr", key: 16, iv: 16, tag: 0 },
  "aes192-ctr": { name: "aes-192-ctr", key: 24, iv: 16, tag: 0 },
  "aes256-ctr": { name: "aes-256-ctr", key: 32, iv: 16, tag: 0 },
  "aes128-cbc": { name: "aes-128-cbc", key: 16, iv: 16, tag: 0 },
  "aes192-cbc": { name: "aes-192-cbc", key: 24, iv: 16, tag: 0 },
  "aes256-cbc": { name: "aes-256-cbc", key: 32, iv: 16, tag: 0 },
  "aes128-gcm@openssh.com": { name: "aes-128-gcm", key: 16, iv: 12, tag: 16 },
  "aes256-gcm@openssh.com": { name: "aes-256-gcm", key: 32, iv: 12, tag: 16 },
};

/**
 * Whether a key file's text is in the `openssh-key-v1` format.
 *
 * @example
 * ```ts
 * isOpenSshPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\n..."); // true
 * ```
 */
export function isOpenSshPrivateKey(text: string): boolean {
  return text.includes(BEGIN);
}

/**
 * Decodes an `openssh-key-v1` private key into a JWK, decrypting it with
 * `passphrase` when it is protected. A wrong passphrase is a clear error
 * (the file's two check words differ), never garbage.
 *
 * @example
 * ```ts
 * const jwk = parseOpenSshPrivateKey(await Deno.readTextFile("id_ed25519"), "secret");
 * jwk.crv; // "Ed25519"
 * ```
 */
export function parseOpenSshPrivateKey(text: string, passphrase?: string): Jwk {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new UftpConfigError("not an OpenSSH private key");
  const blob = fromBase64(text.slice(start + BEGIN.length, end));
  const magic = new TextDecoder().decode(blob.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new UftpConfigError("OpenSSH private key without its magic header");
  const r = new SshReader(blob.subarray(MAGIC.length), "OpenSSH private key");
  const cipherName = r.text();
  const kdfName = r.text();
  const kdfOptions = r.bytes();
  if (r.uint32() !== 1) throw new UftpConfigError("OpenSSH key files with several keys");
  r.bytes(); // the public key, repeated inside the private section
  let section = r.bytes();
  if (cipherName !== "none") {
    const cipher = CIPHERS[cipherName];
    if (!cipher) {
      throw new UftpConfigError(
        `OpenSSH key encrypted with ${cipherName}, which ferry cannot decrypt ` +
          `(supported: ${
            Object.keys(CIPHERS).join(", ")
          }); re-encrypt it with ssh-keygen -p -Z aes256-ctr`,
      );
    }
    if (kdfName !== "bcrypt") throw new UftpConfigError(`OpenSSH key KDF ${kdfName} unsupported`);
    if (passphrase === undefined || passphrase === "") {
      throw new UftpConfigError("the SSH key is protected by a passphrase; none was given");
    }
    const tag = cipher.tag ? r.raw(cipher.tag) : undefined;
    section = decrypt(section, cipherName, kdfOptions, passphrase, tag);
  }
  return privateSection(section);
}

function decrypt(
  data: Uint8Array,
  cipherName: string,
  kdfOptions: Uint8Array,
  passphrase: string,
  tag?: Uint8Array,
): Uint8Array {
  const cipher = CIPHERS[cipherName];
  const kdf = new SshReader(kdfOptions, "OpenSSH KDF options");
  const salt = kdf.bytes();
  const rounds = kdf.uint32();
  const pass = new TextEncoder().encode(passphrase);
  const derived = new Uint8Array(cipher.key + cipher.iv);
  const status = bcryptPbkdf.pbkdf(
    pass,
    pass.length,
    salt,
    salt.length,
    derived,
    derived.length,
    rounds,
  );
  if (status !== 0) throw new UftpConfigError("bcrypt KDF failed on the SSH key");
  const key = derived.subarray(0, cipher.key);
  const iv = derived.subarray(cipher.key);
  try {
    const decipher = createDecipheriv(cipher.name, key, iv);
    if (tag) (decipher as unknown as { setAuthTag(t: Uint8Array): void }).setAuthTag(tag);
    decipher.setAutoPadding(false);
    const head = decipher.update(data);
    const tail = decipher.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  } catch (cause) {
    // GCM refuses a wrong key at `final()`; CTR/CBC only show it in the check words.
    throw new UftpConfigError("wrong passphrase for the SSH key", { cause });
  }
}

function privateSection(section: Uint8Array): Jwk {
  const r = new SshReader(section, "OpenSSH private key");
  if (r.uint32() !== r.uint32()) throw new UftpConfigError("wrong passphrase for the SSH key");
  const type = r.text();
  if (type === "ssh-ed25519") {
    const pub = r.bytes();
    const priv = r.bytes();
    if (pub.length !== 32 || priv.length !== 64) throw new UftpConfigError("bad Ed25519 key");
    return { kty: "OKP", crv: "Ed25519", x: base64url(pub), d: base64url(priv.subarray(0, 32)) };
  }
  if (type === "ecdsa-sha2-nistp256") {
    if (r.text() !== "nistp256") throw new UftpConfigError("bad ECDSA key curve");
    const point = ecPoint(r.bytes());
    return { ...point, d: base64url(fromBigInt(toBigInt(r.mpint()), 32)) };
  }
  if (type === "ssh-rsa") {
    const [n, e, d, qi, p, q] = [r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint()];
    const dn = toBigInt(d);
    return {
      kty: "RSA",
      n: base64url(n),
      e: base64url(e),
      d: base64url(d),
      p: base64url(p),
      q: base64url(q),
      dp: base64url(fromBigInt(dn % (toBigInt(p) - 1n))),
      dq: base64url(fromBigInt(dn % (toBigInt(q) - 1n))),
      qi: base64url(qi),
    };
  }
  throw new UftpConfigError(
    `SSH key type ${type} cannot sign UNICORE JWTs (use ed25519, ecdsa nistp256 or rsa)`,
  );
}

function ecPoint(q: Uint8Array): Jwk {
  if (q.length !== 65 || q[0] !== 4) throw new UftpConfigError("bad ECDSA P-256 public point");
  return {
    kty: "EC",
    crv: "P-256",
    x: base64url(q.subarray(1, 33)),
    y: base64url(q.subarray(33)),
  };
}

/** One public key from an `authorized_keys` line or a `.pub` file. */
export interface SshPublicKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256` or `ssh-rsa`. */
  type: string;
  /** The public key as a JWK. */
  jwk: Jwk;
  /** The comment after the key (often `user@host`). */
  comment: string;
}

const KEY_TYPES = new Set(["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"]);

/**
 * Parses one public key line (`[options] type base64 [comment]`); returns
 * undefined for blank lines, comments and key types UNICORE's JWTs cannot use.
 *
 * @example
 * ```ts
 * parseSshPublicKey("ssh-ed25519 AAAAC3Nza... demo@host")?.jwk.crv; // "Ed25519"
 * ```
 */
export function parseSshPublicKey(line: string): SshPublicKey | undefined {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return undefined;
  const words = trimmed.split(/\s+/);
  const at = words.findIndex((w) => KEY_TYPES.has(w));
  if (at < 0 || at + 1 >= words.length) return undefined;
  const type = words[at];
  const r = new SshReader(fromBase64(words[at + 1]), "SSH public key");
  if (r.text() !== type) throw new UftpConfigError(`SSH public key blob does not match ${type}`);
  let jwk: Jwk;
  if (type === "ssh-ed25519") {
    jwk = { kty: "OKP", crv: "Ed25519", x: base64url(r.bytes()) };
  } else if (type === "ecdsa-sha2-nistp256") {
    r.text();
    jwk = ecPoint(r.bytes());
  } else {
    const e = r.mpint();
    jwk = { kty: "RSA", e: base64url(e), n: base64url(r.mpint()) };
  }
  return { type, jwk, comment: words.slice(at + 2).join(" ") };
}
