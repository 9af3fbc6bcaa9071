/**
 * ferry's own UFTPD answers path and argument forms as the REAL one does: the
 * same command lines go to both, each reply held to what the real UFTPD says
 * (its source: Session.py). Where the own one accepted what the real one
 * refuses (MFMT/MFF of a spaced path, `RANG a  b`), ferry's client could pass
 * on it and fail on the real one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpClient } from "../../ftp.ts";
import { authenticate } from "../../plugins/uftp/mod.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { startTestSite } from "./_site.ts";

/** A command line and the reply the real UFTPD gives: its code, and its text where exact. */
const EXPECTED: [line: string, code: number, text?: string][] = [
  ["MFMT 20200101010000 f.txt", 213, "Modify=20200101010000; f.txt"],
  [
    "MFMT 20200101010000 a b.txt",
    500,
    "Error processing command 'MFMT': too many values to unpack (expected 2)",
  ],
  [
    "MFMT 20200101010000  f.txt",
    500,
    "Error processing command 'MFMT': too many values to unpack (expected 2)",
  ],
  [
    "MFMT 20200101010000",
    500,
    "Error processing command 'MFMT': not enough values to unpack (expected 2, got 1)",
  ],
  [
    "MFF UNIX.mode=644; a b.txt",
    500,
    "Error processing command 'MFF': too many values to unpack (expected 2)",
  ],
  ["MFF UNIX.mode=640; f.txt", 213, "UNIX.mode=640; f.txt"],
  ["MKD ./ lead", 257],
  ["CWD ./ lead", 200, "OK"],
  ["CWD ..", 200, "OK"],
  ["CWD d ir", 200, "OK"],
  ["CWD ../..", 534],
  ["CWD ..", 200, "OK"],
  ["RANG 1  5", 501, "Error processing command 'RANG': Argument syntax error"],
  ["RANG 5", 501, "Error processing command 'RANG': Argument syntax error"],
  ["RANG 2 5", 350, "Restarting at 2. End byte range at 5"],
  ["RANG 1 0", 350, "Resetting range"],
  ["RNFR a b.txt", 350, "File action OK Please send rename-to"],
  ["RNTO  c d.txt ", 200, "OK"],
  ["DELE c d.txt", 200, "OK"],
  ["RMD ./ lead", 200, "OK"],
];

/** Sends every line of {@link EXPECTED} in one session; `code text` of each reply. */
async function replies(
  authUrl: string,
  ca: string,
  login: { user: string; password: string },
  baseDir: string,
): Promise<string[]> {
  const credential = { kind: "password", ...login } as const;
  const grant = await authenticate(authUrl, "TEST", credential, { baseDir }, { ca });
  const client = await FtpClient.connect({ host: grant.serverHost, port: grant.serverPort });
  await client.login("anonymous", grant.secret);
  try {
    // Refusals as replies, not thrown.
    return await client.exclusive(async (ctl) => {
      const out: string[] = [];
      for (const [line] of EXPECTED) {
        const r = await ctl.command(line);
        out.push(`${r.code} ${r.text}`);
      }
      return out;
    });
  } finally {
    client.close();
  }
}

/** A session's base: `f.txt`, `a b.txt` and the directory `d ir`. */
async function prepare(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "d ir"), { recursive: true });
  await Deno.writeTextFile(join(dir, "f.txt"), "0123456789");
  await Deno.writeTextFile(join(dir, "a b.txt"), "spaced");
  await chownForVsftpd(dir).catch(() => undefined);
}

/** Each reply against {@link EXPECTED}: the code, and the text where it is exact. */
function check(got: string[]): void {
  const seen = got.map((reply, i) => {
    const [line, , text] = EXPECTED[i];
    return `${line} -> ${text === undefined ? reply.replace(/ .*$/, "") : reply}`;
  });
  const want = EXPECTED.map(([line, code, text]) =>
    `${line} -> ${text === undefined ? code : `${code} ${text}`}`
  );
  assert.deepEqual(seen, want);
}

peerTest("uftpd reply parity: the real UFTPD", ["uftpd", "openssl"], async () => {
  await using site = await startRealUftpd();
  const base = join(site.root, "data");
  await prepare(base);
  // The real one's paths are the server's own: a session based on the data directory.
  check(await replies(site.authUrl, site.ca, site, await Deno.realPath(base)));
});

peerTest("uftpd reply parity: ferry's own UFTPD", ["openssl"], async () => {
  await using site = await startTestSite();
  await prepare(join(site.root, "data"));
  const login = { user: "demouser", password: "test123" };
  check(await replies(site.stack.authUrl, site.ca, login, "/data"));
});
