/**
 * Key files and JWTs: OpenSSH (plain, bcrypt+AES-CTR, AES-GCM) and PEM keys
 * made by ssh-keygen/openssl (fixtures), the algorithm each key signs with,
 * tokens verified with the matching public keys, and clear passphrase errors.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  decodeJwt,
  identityPath,
  jwtAlgorithm,
  loadPrivateKey,
  loadPublicKey,
  selfSignedToken,
  verifyJwtSignature,
} from "../../plugins/uftp/mod.ts";
import { UftpConfigError } from "../../plugins/uftp/errors.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));

const cases = [
  { file: "id_ed25519", pass: "test123", alg: "EdDSA", pub: "id_ed25519.pub" },
  { file: "id_ed25519_gcm", pass: "test123", alg: "EdDSA", pub: "id_ed25519_gcm.pub" },
  { file: "id_ecdsa", pass: undefined, alg: "ES256", pub: "id_ecdsa.pub" },
  { file: "id_rsa", pass: "test123", alg: "RS256", pub: "id_rsa.pub" },
  { file: "id_rsa_pem", pass: undefined, alg: "RS256", pub: "id_rsa_pem.pub" },
  {
    file: "ec_pkcs8_encrypted.pem",
    pass: "test123",
    alg: "ES256",
    pub: "ec_pkcs8_encrypted.pub.pem",
  },
] as const;

for (const c of cases) {
  Deno.test(`keys: ${c.file} signs ${c.alg} tokens its public key verifies`, () => {
    const key = loadPrivateKey(fixture(c.file), c.pass);
    assert.equal(jwtAlgorithm(key), c.alg);
    const now = Date.UTC(2026, 0, 1);
    const token = selfSignedToken("demouser", key, { now: () => now });
    const jwt = decodeJwt(token)!;
    assert.deepEqual(jwt.header, { alg: c.alg, typ: "JWT" });
    assert.deepEqual(jwt.claims, {
      sub: "demouser",
      iss: "demouser",
      iat: now / 1000,
      exp: now / 1000 + 300,
    });
    assert.ok(verifyJwtSignature(jwt, loadPublicKey(fixture(c.pub))));
    // Another key does not verify it, nor does a changed payload.
    const other = c.file === "id_ecdsa" ? "id_ed25519.pub" : "id_ecdsa.pub";
    assert.equal(verifyJwtSignature(jwt, loadPublicKey(fixture(other))), false);
    const tampered = decodeJwt(token.replace(/\.[^.]+\./, `.${btoa('{"sub":"root"}')}.`))!;
    assert.equal(verifyJwtSignature(tampered, loadPublicKey(fixture(c.pub))), false);
  });
}

Deno.test("keys: a missing or wrong passphrase is a clear error", () => {
  for (const file of ["id_ed25519", "id_ed25519_gcm", "id_rsa", "ec_pkcs8_encrypted.pem"]) {
    assert.throws(() => loadPrivateKey(fixture(file)), (e: Error) => {
      assert.ok(e instanceof UftpConfigError);
      assert.match(e.message, /passphrase/);
      return true;
    });
    assert.throws(() => loadPrivateKey(fixture(file), "wrong"), (e: Error) => {
      assert.ok(e instanceof UftpConfigError, file);
      assert.match(e.message, /wrong passphrase/);
      assert.doesNotMatch(e.message, /wrong"|test123/);
      return true;
    });
  }
});

Deno.test("keys: keys UNICORE cannot use are refused by name", () => {
  assert.throws(() => loadPrivateKey(fixture("id_ecdsa384")), /ecdsa nistp256|P-256/);
  assert.throws(() => loadPrivateKey("PuTTY-User-Key-File-3: ssh-ed25519\n"), /PuTTY/);
  assert.throws(() => loadPrivateKey("hello"), UftpConfigError);
});

Deno.test("keys: identity paths follow PyUNICORE (bare names in ~/.uftp)", () => {
  const where = { home: "/home/u", baseDir: "/flows" };
  assert.equal(identityPath("id_uftp", where), "/home/u/.uftp/id_uftp");
  assert.equal(identityPath("~/.ssh/id_ed25519", where), "/home/u/.ssh/id_ed25519");
  assert.equal(identityPath("/keys/k", where), "/keys/k");
  assert.equal(identityPath("./keys/k", where), "/flows/keys/k");
});
