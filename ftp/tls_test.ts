/**
 * startTlsClient / startTlsData against in-process node:tls servers (and one
 * openssl s_server), with the test CA of test/fixtures/certs.ts. Every refusal
 * below happens although the TLS layer runs with `rejectUnauthorized: false`.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { configureLogging, resetLogging } from "../deps/logtape.ts";
import { type CertPair, hasOpenssl, testCertificates } from "../test/fixtures/certs.ts";
import {
  describeTls,
  peerCertificates,
  startTlsClient,
  startTlsData,
  TlsError,
  TlsFallbackError,
  TlsVerificationError,
} from "./tls.ts";

const ignore = !(await hasOpenssl());
const skipReason = ignore ? " (skipped: openssl not installed)" : "";
const t = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: name + skipReason, ignore, fn });

/** A TLS server on 127.0.0.1:0 that keeps connections open until closed. */
async function tlsServer(pair: CertPair, options: tls.TlsOptions = {}) {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: pair.cert, key: pair.key, ...options }, (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => {});
  // Raw connections too: one that never finished its handshake would keep close() waiting.
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

async function closed(socket: net.Socket): Promise<void> {
  if (!socket.destroyed) socket.destroy();
  if (!socket.closed) await once(socket, "close");
}

/** Connects to a server with `pair` and returns what startTlsClient did. */
async function attempt(
  pair: CertPair,
  host: string,
  options: Parameters<typeof startTlsClient>[2],
) {
  const server = await tlsServer(pair);
  const plain = await dial(server.port);
  try {
    const secure = await startTlsClient(plain, host, options, 5_000);
    await closed(secure);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await closed(plain);
    await server.close();
  }
}

/** Runs `fn` with ferry's logs captured. */
async function withLogs(
  fn: (lines: () => Array<{ level: string; text: string }>) => Promise<void>,
) {
  const records: Array<{ level: string; message: readonly unknown[] }> = [];
  await configureLogging({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["ferry"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    await fn(() => records.map((r) => ({ level: r.level, text: r.message.map(String).join("") })));
  } finally {
    await resetLogging();
  }
}

t("accepts a certificate chained to the configured CA, by name and by IP", async () => {
  const certs = await testCertificates();
  assert.equal(await attempt(certs.good, "localhost", { ca: certs.caPem }), undefined);
  assert.equal(await attempt(certs.good, "127.0.0.1", { ca: [certs.caPem] }), undefined);
  assert.equal(await attempt(certs.good, "LOCALHOST.", { ca: certs.caPem }), undefined);
});

t("accepts a chain through an intermediate the server sends along", async () => {
  const certs = await testCertificates();
  assert.equal(await attempt(certs.chained, "localhost", { ca: certs.caPem }), undefined);
});

t("refuses a certificate from an untrusted CA", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.untrusted, "localhost", { ca: certs.caPem });
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTUNTRUSTED");
  assert.match(
    error.message,
    /issued by "CN=ferry untrusted CA", which is not among the configured CA/,
  );
  assert.match(error.fingerprint256 ?? "", /^[0-9A-F:]{95}$/);
});

t("refuses the test CA's certificate when only the system roots are trusted", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.good, "localhost", {});
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTUNTRUSTED");
  assert.match(error.message, /system root certificates/);
});

t("refuses an expired certificate and says when it expired", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.expired, "localhost", { ca: certs.caPem });
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTEXPIRED");
  assert.match(error.message, /expired on \d{4}-\d\d-\d\dT/);
});

t("refuses a certificate that is not valid yet", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.notYetValid, "localhost", { ca: certs.caPem });
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTNOTYETVALID");
  assert.match(error.message, /not valid before \d{4}-/);
});

t("refuses a certificate for another host, though its CN is the host", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.wrongHost, "localhost", { ca: certs.caPem });
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTHOSTNAME");
  assert.match(error.message, /not valid for host localhost \(valid for: DNS:example\.invalid\)/);
  const byIp = await attempt(certs.wrongHost, "127.0.0.1", { ca: certs.caPem });
  assert.equal((byIp as TlsVerificationError).code, "ECERTHOSTNAME");
  const bySni = await attempt(certs.good, "127.0.0.1", { ca: certs.caPem, servername: "other" });
  assert.equal((bySni as TlsVerificationError).code, "ECERTHOSTNAME");
});

t("refuses a chain whose issuer is not a CA", async () => {
  const certs = await testCertificates();
  const error = await attempt(certs.badIssuer, "localhost", { ca: certs.caPem });
  assert.ok(error instanceof TlsVerificationError, String(error));
  assert.equal(error.code, "ECERTCHAIN");
  assert.match(error.message, /"CN=ferry not a CA" signs other certificates but is not a CA/);
});

t("insecure accepts a bad certificate and logs a loud warning", async () => {
  const certs = await testCertificates();
  await withLogs(async (lines) => {
    assert.equal(await attempt(certs.wrongHost, "localhost", { insecure: true }), undefined);
    const warnings = lines().filter((l) => l.level === "warning");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].text, /VERIFICATION IS OFF for localhost/);
    assert.match(warnings[0].text, /would have been REFUSED: .*not trusted/);
  });
});

t("a data connection must present the control connection's certificate", async () => {
  const certs = await testCertificates();
  const control = await tlsServer(certs.good);
  // Valid and trusted, but another certificate. TLS 1.2 only, so that it cannot
  // resume the control's TLS 1.3 session: Deno's node:tls servers in one process
  // share their ticket key, and a resumed session shows the original certificate.
  const other = await tlsServer(certs.chained, { maxVersion: "TLSv1.2" });
  const same = await tlsServer(certs.good);
  const options = { ca: certs.caPem };
  // The control on TLS 1.3 (ferry offers TLS 1.2 first otherwise), so that the
  // TLS 1.2 data connection to `other` cannot resume it.
  const secure = await startTlsClient(
    await dial(control.port),
    "localhost",
    { ...options, minVersion: "TLSv1.3" },
    5_000,
  );
  try {
    const plain = await dial(other.port);
    await assert.rejects(startTlsData(plain, secure, options, 5_000), (e: unknown) => {
      assert.ok(e instanceof TlsVerificationError, String(e));
      assert.equal(e.code, "ECERTPINNED");
      assert.match(e.message, /different certificate/);
      return true;
    });
    assert.ok(plain.destroyed, "the refused data socket is destroyed");
    await closed(plain);
    const ok = await startTlsData(await dial(same.port), secure, options, 5_000);
    assert.equal(
      peerCertificates(ok)[0].fingerprint256,
      peerCertificates(secure)[0].fingerprint256,
    );
    await closed(ok);
  } finally {
    await closed(secure);
    await Promise.all([control.close(), same.close(), other.close()]);
  }
});

t("startTlsData needs a control socket secured by startTlsClient", async () => {
  const certs = await testCertificates();
  const server = await tlsServer(certs.good);
  const plain = await dial(server.port);
  const foreign = tls.connect({ socket: await dial(server.port), rejectUnauthorized: false });
  await once(foreign, "secureConnect");
  await assert.rejects(startTlsData(plain, foreign, {}, 5_000), (e: unknown) => {
    assert.ok(e instanceof TlsError);
    assert.equal(e.code, "ETLSSTATE");
    return true;
  });
  await closed(plain);
  await closed(foreign);
  await server.close();
});

t("describeTls reports protocol and cipher; versions can be pinned", async () => {
  const certs = await testCertificates();
  const server = await tlsServer(certs.good);
  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    const secure = await startTlsClient(
      await dial(server.port),
      "127.0.0.1",
      { ca: certs.caPem, minVersion: version, maxVersion: version },
      5_000,
    );
    const description = describeTls(secure);
    assert.equal(description.protocol, version);
    assert.notEqual(description.cipher, "unknown");
    assert.equal(description.reused, false);
    await closed(secure);
  }
  await server.close();
});

Deno.test("a handshake with a peer that never answers fails by its deadline", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s)); // accepts, says nothing
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const plain = await dial((server.address() as net.AddressInfo).port);
  const started = performance.now();
  await assert.rejects(startTlsClient(plain, "localhost", {}, 300), (e: unknown) => {
    assert.ok(e instanceof TlsError);
    assert.equal(e.code, "ETLSTIMEOUT");
    assert.match(e.message, /timed out after 300 ms/);
    return true;
  });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 290 && elapsed < 2_000, `took ${elapsed} ms`);
  assert.ok(plain.destroyed);
  await closed(plain);
  for (const s of sockets) s.destroy();
  server.close();
  await once(server, "close");
});

Deno.test("a peer that does not speak TLS fails the handshake with a typed error", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.end("220 plain FTP, no TLS here\r\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const plain = await dial((server.address() as net.AddressInfo).port);
  await assert.rejects(startTlsClient(plain, "localhost", {}, 5_000), (e: unknown) => {
    assert.ok(e instanceof TlsError);
    // Not taken for a TLS 1.3-only server (no fallback handshake, no such warning).
    assert.ok(!(e instanceof TlsFallbackError), String(e));
    assert.equal(e.code, "ENOTTLS");
    assert.match(e.message, /did not speak TLS/);
    return true;
  });
  await closed(plain);
  for (const s of sockets) s.destroy();
  server.close();
  await once(server, "close");
});

t("a server showing a trusted certificate without its private key is refused", async () => {
  // Proves that rejectUnauthorized:false still checks the handshake signature
  // against the presented certificate; otherwise ferry's own checks could be
  // passed by anyone replaying a server's public certificate. The same server
  // with the real key is the control experiment.
  const certs = await testCertificates();
  for (const version of ["-tls1_3", "-tls1_2"]) {
    for (const keyFile of [certs.good.keyFile, certs.stolen.keyFile]) {
      const child = new Deno.Command("openssl", {
        args: [
          "s_server",
          "-accept",
          "127.0.0.1:0",
          "-cert",
          certs.good.certFile,
          "-key",
          keyFile,
          "-naccept",
          "1",
          version,
        ],
        stdin: "piped", // held open: s_server drops its client when stdin ends
        stdout: "piped",
        stderr: "null",
      }).spawn();
      try {
        const plain = await dial(await acceptPort(child.stdout));
        const versions = version === "-tls1_3"
          ? { minVersion: "TLSv1.3" as const }
          : { maxVersion: "TLSv1.2" as const };
        const attempt = startTlsClient(plain, "localhost", { ca: certs.caPem, ...versions }, 5_000);
        if (keyFile === certs.good.keyFile) {
          await closed(await attempt);
        } else {
          await assert.rejects(attempt, (e: unknown) => {
            assert.ok(e instanceof TlsError && !(e instanceof TlsVerificationError), String(e));
            assert.equal(e.code, "ETLSHANDSHAKE");
            return true;
          }, version);
        }
        await closed(plain);
      } finally {
        await child.stdin.close();
        try {
          child.kill(); // -naccept 1 may have ended it already
        } catch { /* already ended */ }
        await child.status;
      }
    }
  }
});

/** Reads s_server's "ACCEPT 127.0.0.1:PORT" line, then drains the rest. */
async function acceptPort(stream: ReadableStream<Uint8Array>): Promise<number> {
  const lines = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`openssl s_server ended before listening: ${text}`);
    text += value;
    const match = /ACCEPT \S+:(\d+)/.exec(text);
    if (match) {
      (async () => {
        while (!(await lines.read()).done) { /* drain */ }
      })();
      return Number(match[1]);
    }
  }
}
