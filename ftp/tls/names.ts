/**
 * Host-name checks for server certificates (RFC 6125), done here rather than with
 * `X509Certificate.checkHost`: in Deno 2.9.6 that method compares case-sensitively,
 * does not understand wildcards and falls back to the subject CN even when the
 * certificate has DNS names and `{ subject: "never" }` is passed (measured; see
 * docs/TLS.md).
 * @module
 */
import { isIP } from "node:net";
import type { X509Certificate } from "node:crypto";

/** The names a certificate is valid for. */
export interface CertificateNames {
  /** `subjectAltName` DNS entries, lower-cased. */
  dns: string[];
  /** `subjectAltName` IP entries, in canonical text form. */
  ips: string[];
  /** Subject common name, used only when the certificate has no DNS or IP names. */
  commonName?: string;
}

/**
 * Reads the DNS and IP names of a certificate (and its CN, the legacy fallback).
 *
 * @example
 * ```ts
 * certificateNames(new X509Certificate(pem)); // { dns: ["localhost"], ips: ["127.0.0.1"], commonName: "localhost" }
 * ```
 */
export function certificateNames(cert: X509Certificate): CertificateNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const [kind, value] of subjectAltNameEntries(cert.subjectAltName ?? "")) {
    if (kind === "DNS") dns.push(value.toLowerCase());
    else if (kind === "IP Address") ips.push(canonicalIp(value) ?? value);
  }
  return { dns, ips, commonName: commonName(cert.subject) };
}

/**
 * Whether `host` (a DNS name or an IP literal, brackets allowed) is one of `names`.
 * DNS: case-insensitive, a trailing dot ignored, `*` only as the whole left-most
 * label of a pattern with at least two more labels, matching exactly one label.
 * IP: only IP entries match, never a DNS entry or the CN. The CN counts only when
 * the certificate has no DNS and no IP names (as curl and Node do).
 *
 * @example
 * ```ts
 * hostMatches({ dns: ["*.example.org"], ips: [] }, "ftp.example.org"); // true
 * hostMatches({ dns: ["*.example.org"], ips: [] }, "a.b.example.org"); // false
 * ```
 */
export function hostMatches(names: CertificateNames, host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const ip = canonicalIp(bare);
  if (ip !== undefined) return names.ips.includes(ip);
  const wanted = bare.toLowerCase().replace(/\.$/, "");
  if (wanted === "") return false;
  const patterns = names.dns.length > 0 || names.ips.length > 0
    ? names.dns
    : names.commonName === undefined
    ? []
    : [names.commonName.toLowerCase()];
  return patterns.some((pattern) => dnsNameMatches(pattern.replace(/\.$/, ""), wanted));
}

/**
 * Lists a certificate's names for an error message, e.g. `DNS:example.invalid, IP:10.0.0.1`.
 *
 * @example
 * ```ts
 * describeNames({ dns: ["a.example"], ips: [] }); // "DNS:a.example"
 * ```
 */
export function describeNames(names: CertificateNames): string {
  const listed = [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((i) => `IP:${i}`)];
  if (listed.length > 0) return listed.join(", ");
  return names.commonName === undefined ? "no names" : `CN:${names.commonName}`;
}

function dnsNameMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return pattern === host;
  const suffix = pattern.slice(2);
  // "*.com" style patterns would cover a whole public suffix: refuse them.
  if (!suffix.includes(".") || suffix.includes("*")) return false;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === suffix;
}

/** Splits Node's `subjectAltName` text ("DNS:a, IP Address:1.2.3.4"); values may be JSON-quoted. */
function subjectAltNameEntries(text: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(pattern)) {
    const raw = match[2];
    const value = raw.startsWith('"') ? safeJson(raw) : raw;
    entries.push([match[1].trim(), value.trim()]);
  }
  return entries;
}

function safeJson(raw: string): string {
  try {
    return String(JSON.parse(raw));
  } catch {
    return raw;
  }
}

function commonName(subject: string | undefined): string | undefined {
  // Node separates RDNs with newlines; other renderings use commas.
  const match = /(?:^|[\n,]\s*)CN=([^\n,]+)/.exec(subject ?? "");
  return match?.[1].trim();
}

/** Canonical text of an IPv4/IPv6 literal (so `::1` equals `0:0:0:0:0:0:0:1`), else undefined. */
function canonicalIp(text: string): string | undefined {
  const kind = isIP(text);
  if (kind === 4) return text.split(".").map((part) => String(Number(part))).join(".");
  if (kind === 6) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return undefined;
}
