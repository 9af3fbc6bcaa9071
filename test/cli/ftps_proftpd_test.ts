/**
 * The CLI against a real ProFTPD 1.3.8 with its default TLSOptions (data
 * connections must resume their own control connection's TLS session): mirror
 * up and down with 8 connections, then upload-if-newer; trees identical and no
 * partial left (docs/TLS.md, "Session scoping").
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startProftpd } from "../peers/proftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { ferry } from "./helpers.ts";

const needs = ["proftpd", "openssl"] as const;

/** Distinct bytes per name, so a file mixed up with another shows. */
function content(seed: number, size: number): Uint8Array {
  return new Uint8Array(size).map((_, k) => (seed * 31 + k * 7) & 255);
}

async function writeTree(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await Deno.mkdir(join(dir, "sub"), { recursive: true });
  for (const [name, bytes] of files) await Deno.writeFile(join(dir, name), bytes);
}

async function readTree(dir: string, at = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(join(dir, at))) {
    const rel = at ? `${at}/${e.name}` : e.name;
    if (e.isDirectory) {
      for (const [k, v] of await readTree(dir, rel)) out.set(k, v);
    } else out.set(rel, await Deno.readFile(join(dir, rel)));
  }
  return out;
}

/** The server's 425 replies so far (its ExtendedLog: `"COMMAND" CODE ...`). */
function refusals(log: string): number {
  return log.match(/" 425 /g)?.length ?? 0;
}

const cases = [
  // TLS 1.2 and 1.3 offered: ferry offers TLS 1.2 first, so no data connection
  // is refused, ever (docs/TLS.md, "TLS 1.2 first").
  { tls: "explicit", protocols: undefined, what: "ProFTPD's default TLS", retries: [], conns: 8 },
  { tls: "explicit", protocols: undefined, what: "ProFTPD's default TLS", retries: [], conns: 4 },
  { tls: "implicit", protocols: undefined, what: "ProFTPD's default TLS", retries: [], conns: 8 },
  { tls: "implicit", protocols: undefined, what: "ProFTPD's default TLS", retries: [], conns: 4 },
  // No TLS 1.2 to fall back to: every session that runs out of TLS 1.3 tickets
  // costs its transfer a retry (docs/TLS.md), so more of them than the default 3.
  {
    tls: "explicit",
    protocols: "TLSv1.3",
    what: "ProFTPD speaking TLS 1.3 only",
    retries: ["--retries", "10", "--retry-delay", "0"],
    conns: 8,
  },
] as const;

for (const { tls, protocols, what, retries, conns } of cases) {
  peerTest(
    `mirror up and down, sync, upload-if-newer with ${conns} connections against ${what} (${tls}): identical trees, no partials${
      protocols ? "" : ", no refusal"
    }`,
    [...needs],
    async () => {
      await using peer = await startProftpd({ tls, tlsProtocols: protocols });
      const files = new Map<string, Uint8Array>();
      for (let i = 0; i < 40; i++) files.set(`f${i}.bin`, content(i, 1_000 + i * 997));
      for (let i = 0; i < 5; i++) files.set(`sub/s${i}.bin`, content(100 + i, 50_000));
      const dir = await Deno.makeTempDir();
      try {
        await writeTree(join(dir, "up"), files);
        await Deno.mkdir(join(peer.root, "back"));
        await chownForVsftpd(join(peer.root, "back"));
        await Deno.writeTextFile(join(dir, "ca.pem"), peer.caPem!);
        const scheme = tls === "explicit" ? "ftpes" : "ftps";
        const url = `${scheme}://${peer.user}@localhost:${peer.port}/back`;
        const flags = ["--password-env", "FTP_PW", "--ca", join(dir, "ca.pem")];
        const env = { FTP_PW: peer.password };
        const parallel = ["-P", `${conns}`, "--connections", `${conns}`, ...retries];
        const up = await ferry(["mirror", join(dir, "up"), url, ...flags, ...parallel], { env });
        assert.equal(up.code, 0, up.stderr);
        assert.deepEqual(await readTree(join(peer.root, "back")), files);
        const down = await ferry(["mirror", url, join(dir, "down"), ...flags, ...parallel], {
          env,
        });
        assert.equal(down.code, 0, down.stderr);
        assert.deepEqual(await readTree(join(dir, "down")), files);
        const again = await ferry(["upload-if-newer", join(dir, "up"), url, ...flags], { env });
        assert.equal(again.code, 0, again.stderr);
        await Deno.writeFile(join(dir, "down", "sub", "new.bin"), content(7, 30_000));
        const state = ["--state-dir", join(dir, "state")];
        const sync = await ferry(
          ["sync", url, join(dir, "down"), ...flags, ...parallel, ...state],
          {
            env,
          },
        );
        assert.equal(sync.code, 0, sync.stderr);
        assert.deepEqual(
          await readTree(join(peer.root, "back")),
          await readTree(join(dir, "down")),
        );
        // TLS 1.3 only: refusals happen (each retried); with TLS 1.2 offered, none.
        if (!protocols) assert.equal(refusals(peer.log()), 0, peer.log());
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
