/** Host-name matching rules (RFC 6125) of ftp/tls/names.ts; no network, no openssl. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { certificateNames, describeNames, hostMatches } from "./tls/names.ts";
import { verifyCertificateChain } from "./tls/verify.ts";
import { TlsError, TlsVerificationError } from "./tls/errors.ts";
import { hasOpenssl, testCertificates } from "../test/fixtures/certs.ts";

const names = (dns: string[], ips: string[] = [], commonName?: string) => ({
  dns,
  ips,
  commonName,
});

Deno.test("DNS names match case-insensitively, with a trailing dot ignored", () => {
  assert.ok(hostMatches(names(["ftp.example.org"]), "FTP.Example.ORG"));
  assert.ok(hostMatches(names(["ftp.example.org"]), "ftp.example.org."));
  assert.ok(!hostMatches(names(["ftp.example.org"]), "example.org"));
  assert.ok(!hostMatches(names(["ftp.example.org"]), ""));
});

Deno.test("a wildcard covers exactly one left-most label, never a public suffix", () => {
  const wild = names(["*.example.org"]);
  assert.ok(hostMatches(wild, "ftp.example.org"));
  assert.ok(!hostMatches(wild, "a.b.example.org"));
  assert.ok(!hostMatches(wild, "example.org"));
  assert.ok(!hostMatches(wild, ".example.org"));
  assert.ok(!hostMatches(names(["*.org"]), "example.org"));
  assert.ok(!hostMatches(names(["f*.example.org"]), "ftp.example.org"));
});

Deno.test("IP literals match IP entries only, in canonical form", () => {
  const ipCert = names(["localhost"], ["127.0.0.1", "::1"]);
  assert.ok(hostMatches(ipCert, "127.0.0.1"));
  assert.ok(hostMatches(ipCert, "[0:0:0:0:0:0:0:1]"));
  assert.ok(!hostMatches(ipCert, "127.0.0.2"));
  assert.ok(!hostMatches(names(["127.0.0.1"]), "127.0.0.1"), "a DNS entry never matches an IP");
  assert.ok(!hostMatches(names([], [], "127.0.0.1"), "127.0.0.1"), "nor does the CN");
});

Deno.test("the CN counts only when the certificate has no DNS and no IP names", () => {
  assert.ok(hostMatches(names([], [], "ftp.example.org"), "ftp.example.org"));
  assert.ok(!hostMatches(names(["other.example.org"], [], "ftp.example.org"), "ftp.example.org"));
  assert.ok(!hostMatches(names([], ["10.0.0.1"], "ftp.example.org"), "ftp.example.org"));
});

Deno.test("describeNames lists what a certificate is valid for", () => {
  assert.equal(describeNames(names(["a.example"], ["10.0.0.1"])), "DNS:a.example, IP:10.0.0.1");
  assert.equal(describeNames(names([], [], "legacy")), "CN:legacy");
  assert.equal(describeNames(names([])), "no names");
});

Deno.test("a ca option without a PEM certificate is a configuration error", () => {
  assert.throws(
    () => verifyCertificateChain([], "h", { ca: "not a certificate" }),
    (e: unknown) => e instanceof TlsError && e.code === "ECERTMISSING",
  );
  assert.throws(
    () => verifyCertificateChain([{} as X509Certificate], "h", { ca: "not a certificate" }),
    (e: unknown) => e instanceof TlsError && e.code === "ETLSCONFIG",
  );
});

Deno.test({
  name: "certificateNames reads SANs and CN of a real certificate; verification by a given clock" +
    ((await hasOpenssl()) ? "" : " (skipped: openssl not installed)"),
  ignore: !(await hasOpenssl()),
  async fn() {
    const certs = await testCertificates();
    const good = new X509Certificate(certs.good.cert);
    assert.deepEqual(certificateNames(good), {
      dns: ["localhost"],
      ips: ["127.0.0.1"],
      commonName: "localhost",
    });
    const wrong = certificateNames(new X509Certificate(certs.wrongHost.cert));
    assert.deepEqual(wrong.dns, ["example.invalid"]);
    assert.ok(!hostMatches(wrong, "localhost"), "CN=localhost must not count next to a SAN");
    const verified = verifyCertificateChain([good], "localhost", { ca: certs.caPem });
    assert.equal(verified.path.length, 2);
    assert.equal(verified.anchor.subject, "CN=ferry test CA");
    const later = new Date(Date.now() + 400 * 86_400_000);
    assert.throws(
      () => verifyCertificateChain([good], "localhost", { ca: certs.caPem, now: later }),
      (e: unknown) => e instanceof TlsVerificationError && e.code === "ECERTEXPIRED",
    );
    // A certificate listed as CA itself is trusted as a pin.
    const pinned = verifyCertificateChain([good], "localhost", { ca: certs.good.cert });
    assert.equal(pinned.path.length, 1);
  },
});
