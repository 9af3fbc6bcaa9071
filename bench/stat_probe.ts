/**
 * Probe (not a test, not a benchmark): what real FTP servers answer to
 * `STAT <dir>` over the control connection, the listing without a data
 * connection that a no-change walk could use instead of `LIST -a` (issue 12).
 * A mirror deletes on the strength of its listings, so a STAT listing may only
 * be taken where it is provably whole; this prints the raw replies that decide
 * it, for a directory holding names that break naive readers: a space, a
 * dotfile, a name that reads like a reply's last line, names with CR LF and a
 * bare LF (which end a multi-line reply early on some servers), a leading
 * space, `*`, a trailing space. Also an empty directory, a missing path, a
 * file, and `REST <n>` in both types (a number the server echoes, sent behind
 * the STAT, would prove the reply before it was read to its true end).
 *
 * Findings of 2026-12-06 (session 13; docs in /work/wt/_notes/nochange.md):
 * vsftpd answers like `LIST -a` (with `.` and `..`), a missing path with an
 * empty 213, and the CR LF name ends its reply early (the rest of the listing
 * is left on the connection); ProFTPD pads lines with a space, answers 212 for
 * a directory, 450 for a missing path; Pure-FTPd leaves out dotfiles and the
 * CR/LF names and answers a missing path, an empty directory and a file
 * alike; pyftpdlib lists no `.`, 550 for a missing path. REST echoes its
 * number on all four in TYPE I, on vsftpd and Pure-FTPd in TYPE A too.
 *
 *   deno run -A bench/stat_probe.ts [vsftpd,proftpd,pureftpd,pyftpdlib]
 * @module
 */
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { startProftpd } from "../test/peers/proftpd.ts";
import { startPureFtpd } from "../test/peers/pureftpd.ts";
import { startPyftpdlib } from "../test/peers/pyftpdlib.ts";
import type { FtpPeer } from "../test/peers/types.ts";

const NAMES = [
  "a b.txt",
  ".hidden",
  "213 End of status",
  "x\r\n213 End of status",
  "y\n213 z",
  "-rw-r--r-- trick",
  " lead",
  "*star",
  "tail ",
];

const COMMANDS = [
  "STAT /d",
  "STAT /empty",
  "STAT /missing",
  "STAT /d/a b.txt",
  "TYPE A",
  "REST 123456789012",
  "REST 0",
  "TYPE I",
  "REST 123456789012",
  "REST 0",
];

const starters: Record<string, () => Promise<FtpPeer>> = {
  vsftpd: () => startVsftpd({ extraConfig: { log_ftp_protocol: "NO" } }),
  proftpd: () => startProftpd(),
  pureftpd: () => startPureFtpd(),
  pyftpdlib: () => startPyftpdlib(),
};

/** Everything the server sends until it has been quiet for `quietMs`. */
class Reader {
  #text = "";
  #last = performance.now();
  readonly #decoder = new TextDecoder();

  constructor(conn: Deno.Conn) {
    (async () => {
      const buffer = new Uint8Array(65536);
      for (;;) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) return;
        this.#text += this.#decoder.decode(buffer.subarray(0, n));
        this.#last = performance.now();
      }
    })();
  }

  async take(quietMs = 300, atMostMs = 3000): Promise<string> {
    const start = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      const now = performance.now();
      if ((this.#text && now - this.#last > quietMs) || now - start > atMostMs) break;
    }
    const text = this.#text;
    this.#text = "";
    return text;
  }
}

async function probe(kind: string): Promise<void> {
  let peer: FtpPeer;
  try {
    peer = await starters[kind]();
  } catch (e) {
    console.log(`== ${kind}: not started (${e instanceof Error ? e.message : e})`);
    return;
  }
  try {
    Deno.mkdirSync(`${peer.root}/d`, { recursive: true });
    Deno.mkdirSync(`${peer.root}/empty`);
    for (const name of NAMES) Deno.writeTextFileSync(`${peer.root}/d/${name}`, "x");
    if (kind === "vsftpd") await chownForVsftpd(peer.root);
    const conn = await Deno.connect({ hostname: peer.host, port: peer.port });
    const reader = new Reader(conn);
    const encoder = new TextEncoder();
    const send = (line: string) => conn.write(encoder.encode(`${line}\r\n`));
    await reader.take();
    await send(`USER ${peer.user}`);
    await reader.take();
    await send(`PASS ${peer.password}`);
    console.log(`== ${kind}: ${JSON.stringify((await reader.take()).trim())}`);
    for (const command of COMMANDS) {
      await send(command);
      console.log(`${command} -> ${JSON.stringify(await reader.take())}`);
    }
    conn.close();
  } finally {
    await peer.stop();
  }
}

const kinds = (Deno.args[0] ?? Object.keys(starters).join(",")).split(",");
for (const kind of kinds) await probe(kind.trim());
