/**
 * Certificate verification done by ferry itself. The TLS connection runs with
 * `rejectUnauthorized: false` (the only setting under which Deno 2.9.6 resumes a
 * TLS session on an FTPS data connection, docs/TLS.md), so this module is the
 * whole of the trust decision: a chain from the server's certificate to a trusted
 * CA with every signature checked, every certificate inside its dates, CA:TRUE on
 * every issuer, and the host name. The TLS stack still checks that the server
 * holds the private key of the certificate it sent (the handshake signature);
 * that was measured, not assumed (test: "a server without the key is refused").
 * @module
 */
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import { TlsError, TlsVerificationError } from "./errors.ts";
import { certificateNames, describeNames, hostMatches } from "./names.ts";

/** What to verify a presented chain against. */
export interface CertificateVerifyOptions {
  /**
   * PEM text of the CA certificate(s) to trust, instead of the system roots. A
   * self-signed server certificate listed here is trusted as itself (a pin).
   */
  ca?: string | string[];
  /** The clock to judge validity dates by (tests). Default: now. */
  now?: Date;
}

/** A chain that passed: the path from the server's certificate up to its anchor. */
export interface VerifiedChain {
  /** Server certificate first, trust anchor last (one element for a pinned certificate). */
  path: X509Certificate[];
  /** The trusted certificate the path ends in. */
  anchor: X509Certificate;
}

/** Longest path accepted (leaf, intermediates, root), as OpenSSL's default 100 is more than any FTP server needs. */
const maxDepth = 8;

/**
 * Verifies a presented chain (server certificate first, then what the server sent
 * along, in any order) for `host`. Throws {@link TlsVerificationError} saying why.
 *
 * @example
 * ```ts
 * const chain = [new X509Certificate(leafPem)];
 * verifyCertificateChain(chain, "localhost", { ca: caPem }); // throws if not trusted
 * ```
 */
export function verifyCertificateChain(
  chain: readonly X509Certificate[],
  host: string,
  options: CertificateVerifyOptions = {},
): VerifiedChain {
  const leaf = chain[0];
  if (leaf === undefined) {
    throw new TlsVerificationError(`${host} sent no certificate`, { code: "ECERTMISSING", host });
  }
  const context = { host, subject: leaf.subject, fingerprint256: leaf.fingerprint256 };
  const verified = buildPath(chain, trustAnchors(options.ca), options.ca !== undefined, context);
  const now = options.now ?? new Date();
  for (const cert of verified.path) checkDates(cert, cert === leaf, now, context);
  const names = certificateNames(leaf);
  if (!hostMatches(names, host)) {
    throw new TlsVerificationError(
      `certificate "${leaf.subject}" is not valid for host ${host} (valid for: ${
        describeNames(names)
      })`,
      { code: "ECERTHOSTNAME", ...context },
    );
  }
  return verified;
}

/**
 * The trust anchors: the given CA PEM(s), or the system roots (`tls.rootCertificates`).
 *
 * @example
 * ```ts
 * trustAnchors().length > 100; // the bundled roots
 * trustAnchors(caPem).length;  // 1
 * ```
 */
export function trustAnchors(ca?: string | string[]): X509Certificate[] {
  if (ca === undefined) return systemRoots();
  const pems = (Array.isArray(ca) ? ca : [ca]).flatMap(splitPem);
  if (pems.length === 0) {
    throw new TlsError("the ca option holds no PEM certificate", { code: "ETLSCONFIG" });
  }
  return pems.map((pem) => {
    try {
      return new X509Certificate(pem);
    } catch (cause) {
      throw new TlsError(`cannot parse a CA certificate: ${(cause as Error).message}`, {
        code: "ETLSCONFIG",
        cause,
      });
    }
  });
}

let roots: X509Certificate[] | undefined;

/** Parsed once per process: the roots are fixed for the life of the runtime (about 2 ms here). */
function systemRoots(): X509Certificate[] {
  roots ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return roots;
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

interface Context {
  host: string;
  subject: string;
  fingerprint256: string;
}

function buildPath(
  chain: readonly X509Certificate[],
  anchors: X509Certificate[],
  configured: boolean,
  context: Context,
): VerifiedChain {
  const leaf = chain[0];
  const pinned = anchors.find((anchor) => anchor.raw.equals(leaf.raw));
  if (pinned) return { path: [leaf], anchor: pinned };
  const path = [leaf];
  const pool = chain.slice(1);
  let current = leaf;
  while (path.length <= maxDepth) {
    // Anchors first: a server that also sends an old cross-signed root must not
    // lead the path to that root's expired issuer (the 2021 Let's Encrypt case).
    const anchor = anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      requireCa(anchor, context);
      return { path: [...path, anchor], anchor };
    }
    const next = pool.find((c) => !path.includes(c) && issuedBy(current, c));
    if (next === undefined) throw untrusted(current, anchors, configured, context);
    requireCa(next, context);
    path.push(next);
    current = next;
  }
  throw new TlsVerificationError(
    `certificate chain of ${context.host} is longer than ${maxDepth} certificates`,
    { code: "ECERTCHAIN", ...context },
  );
}

/** Names match and the signature verifies with the issuer's key. */
function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function requireCa(issuer: X509Certificate, context: Context): void {
  if (issuer.ca) return;
  throw new TlsVerificationError(
    `certificate "${issuer.subject}" signs other certificates but is not a CA (basicConstraints CA:TRUE missing)`,
    { code: "ECERTCHAIN", ...context },
  );
}

function untrusted(
  cert: X509Certificate,
  anchors: X509Certificate[],
  configured: boolean,
  context: Context,
): TlsVerificationError {
  const trust = configured
    ? `the configured CA${anchors.length > 1 ? "s" : ""} (${
      anchors.map((a) => `"${a.subject}"`).join(", ")
    })`
    : `the ${anchors.length} system root certificates`;
  const selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
  const why = selfSigned
    ? `is self-signed and not among ${trust}`
    : `was issued by "${cert.issuer}", which is not among ${trust}`;
  const nameMatch = anchors.find((a) => cert.checkIssued(a));
  const extra = nameMatch && !selfSigned
    ? `; a trusted CA has that name but its key does not verify the signature`
    : "";
  return new TlsVerificationError(
    `certificate "${cert.subject}" of ${context.host} is not trusted: it ${why}${extra}`,
    { code: "ECERTUNTRUSTED", ...context },
  );
}

function checkDates(cert: X509Certificate, isLeaf: boolean, now: Date, context: Context): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const which = isLeaf ? "certificate" : "issuer certificate";
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    // An unreadable date must not read as "valid".
    throw new TlsVerificationError(
      `${which} "${cert.subject}" of ${context.host} has unreadable validity dates (${cert.validFrom} - ${cert.validTo})`,
      { code: "ECERTCHAIN", ...context },
    );
  }
  if (now < from) {
    throw new TlsVerificationError(
      `${which} "${cert.subject}" of ${context.host} is not valid before ${from.toISOString()}`,
      { code: "ECERTNOTYETVALID", ...context },
    );
  }
  if (now > to) {
    throw new TlsVerificationError(
      `${which} "${cert.subject}" of ${context.host} expired on ${to.toISOString()}`,
      { code: "ECERTEXPIRED", ...context },
    );
  }
}
