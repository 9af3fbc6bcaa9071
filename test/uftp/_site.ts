/**
 * A UFTP site for tests: a temporary directory served by the UFTPD, the auth
 * service on HTTPS with the test CA, and `demouser` with every credential
 * kind (password test123, a token, the fixture SSH keys).
 * @module
 */
import { fileURLToPath } from "node:url";
import { LocalEndpoint } from "../../mod.ts";
import { startUftpStack, type UftpStack, type UftpStackOptions } from "../../plugins/uftp/mod.ts";
import { testCertificates } from "../fixtures/certs.ts";

/** Reads a fixture file of test/uftp/fixtures. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(fixturePath(name));
}

/** The absolute path of a fixture file. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** The token that stands for demouser. */
export const TOKEN = "demo-token-0123456789";

/** A running site and what a test needs to reach it. */
export interface TestSite extends AsyncDisposable {
  stack: UftpStack;
  /** The served directory (jobs with base `/data` live in `<root>/data`). */
  root: string;
  ca: string;
  /** `uftp://127.0.0.1:PORT/rest/auth/TEST:` */
  uftpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a site with a `data` directory.
 *
 * @example
 * ```ts
 * await using site = await startTestSite();
 * ```
 */
export async function startTestSite(
  options: Partial<UftpStackOptions> = {},
): Promise<TestSite> {
  const certs = await testCertificates();
  const root = await Deno.makeTempDir({ prefix: "ferry-uftp-" });
  await Deno.mkdir(`${root}/data`);
  const stack = await startUftpStack({
    endpoint: new LocalEndpoint(root),
    users: {
      demouser: {
        password: "test123",
        tokens: [TOKEN],
        sshKeys: ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"].map(fixture),
        groups: ["users", "hpc1"],
      },
    },
    cert: certs.good.cert,
    key: certs.good.key,
    ...options,
  });
  const close = async () => {
    await stack.close();
    await Deno.remove(root, { recursive: true });
  };
  return {
    stack,
    root,
    ca: certs.caPem,
    uftpUrl: stack.uftpUrl,
    close,
    [Symbol.asyncDispose]: close,
  };
}
