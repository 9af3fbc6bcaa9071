/**
 * The live display read off a real terminal (tmux, 120x30): the whole job's
 * files and bytes done / total, rate and ETA, several files in flight, lines
 * wider than 80 columns; when the job ends its bar is gone and one summary
 * line stays.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { peerTest } from "../peers/skip.ts";
import { StallingEndpoint } from "../peers/stalling.ts";
import { MAIN } from "./helpers.ts";

async function tmux(socket: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", socket, ...args] }).output();
  return new TextDecoder().decode(out.stdout);
}

/** Reads the screen until `ok` holds for it (a terminal gives no event for a redraw). */
async function screenUntil(socket: string, ok: (screen: string) => boolean): Promise<string> {
  let screen = "";
  for (let i = 0; i < 2000; i++) {
    screen = await tmux(socket, "capture-pane", "-p", "-t", "ferry");
    if (ok(screen)) return screen;
  }
  assert.fail(`the screen never showed it:\n${screen}`);
}

peerTest(
  "progress on a terminal: totals, rate, ETA, files in flight, then one summary line",
  ["tmux"],
  async () => {
    const mem = new MemoryEndpoint();
    const big = new Uint8Array(4 << 20).fill(7);
    for (const d of ["d1", "d2", "d3"]) {
      await mem.mkdir(`pub/${d}`, { parents: true });
      await ReadableStream.from([big]).pipeTo(await mem.write(`pub/${d}/big.bin`));
    }
    for (let i = 0; i < 20; i++) {
      await ReadableStream.from([new Uint8Array(100)]).pipeTo(await mem.write(`pub/s${i}.txt`));
    }
    const ep = new StallingEndpoint(mem, { read: { name: "big.bin", after: 1 << 20, times: 3 } });
    const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elr" });
    const srv = await startFtpServer({ endpoint: ep, authorizer, port: 0, authFailedDelayMs: 0 });
    const dir = await Deno.makeTempDir({ prefix: "ferry-tty-" });
    const socket = `ferry-test-${Deno.pid}`;
    try {
      const cmd = [
        "env -u FERRY_NO_PROGRESS NO_COLOR=1 FTP_PW=pw",
        Deno.execPath(),
        `run -A ${MAIN} mirror ftp://bob@127.0.0.1:${srv.port}/pub ${join(dir, "got")}`,
        "--password-env FTP_PW --retry-delay 0 -P 4",
      ].join(" ");
      await tmux(socket, "new-session", "-d", "-x", "120", "-y", "30", "-s", "ferry", cmd);
      await tmux(socket, "set-option", "-t", "ferry", "remain-on-exit", "on");
      await ep.stalled;
      const inFlight = (d: string) =>
        new RegExp(`^ {2}${d}/big\\.bin \\d+% [\\d.]+ [KM]iB/4\\.0 MiB$`, "m");
      // Each stalled file has shown bytes: three files in flight at once.
      const live = await screenUntil(
        socket,
        (s) => ["d1", "d2", "d3"].every((d) => inFlight(d).test(s)) && /ETA/.test(s),
      );
      const header = live.split("\n").find((l) => l.startsWith("mirror ["))!;
      assert.match(
        header,
        /^mirror \[#*-*\] \d+% \d+\/23 files [\d.]+ (B|KiB|MiB)\/12\.0 MiB .*\/s ETA /,
      );
      assert.ok(header.length > 80, `the header uses the terminal's width: ${header}`);
      ep.release();
      const done = await screenUntil(socket, (s) => /^mirror \(mirror\): /m.test(s));
      assert.match(
        done,
        /^mirror \(mirror\): ok, 23 files, 12\.0 MiB in [\d.]+ m?s, 0 skipped, 0 failed$/m,
      );
      assert.doesNotMatch(done, /^mirror \[/m, "the bar is gone");
      assert.doesNotMatch(done, /big\.bin \d+%/, "no file lines left");
    } finally {
      ep.release();
      await tmux(socket, "kill-server");
      await srv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
