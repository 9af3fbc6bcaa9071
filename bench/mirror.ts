/**
 * Benchmark (not a test): mirror of many small files from vsftpd on loopback
 * into an empty local directory, and the no-change re-run, ferry (through the
 * library) vs `lftp mirror --parallel=N` vs `rclone sync --transfers N`, in one
 * run. Each tool's result is checked (file count, total bytes, a sample of
 * contents), so a fast but incomplete run cannot win. Prints the medians and
 * the ratios ferry/min(lftp, rclone) (full) and ferry/lftp (no change).
 *
 * `floor` (bench/mirror_floor.ts) is not a tool but a yardstick: the least a
 * Deno program can do for the full mirror (bare Deno.Conn sessions, files
 * written straight under their names, no checks) and for the no-change re-run
 * (one session lists, one lstat a file), timed in the same rounds so that what
 * the runtime costs and what ferry's own work costs can be told apart.
 *
 *   deno run -A bench/mirror.ts [--files 2000] [--dirs 40] [--runs 3] [--parallel 8]
 *                               [--tools ferry,lftp,rclone,floor] [--dir /dev/shm] [--json]
 *
 * The targets go below `--dir`, by default /dev/shm (tmpfs) where there is one.
 * This machine's ext4 has no journal, and without one it skips inodes freed in
 * the last one to six minutes when it creates a file, reading each one's inode
 * block; a directory where trees are created and removed (/tmp by every test,
 * /var/tmp by this benchmark itself, which makes and drops ~50,000 files a
 * run) then costs 10-20 times the kernel time per new file that a quiet one
 * does (2,000 files: 1.0-1.2 s of system time in /var/tmp against 0.05 s in
 * /root, measured on 2026-11-21), and the cost swings with other work. tmpfs
 * has no such memory, so the figures measure the tools, not the disk's past.
 * `--dir /var/tmp` measures a real disk (and its past) instead.
 * @module
 */
import { parseArgs } from "node:util";
import { mirror } from "../sync/mirror.ts";
import { openEndpoint } from "../endpoint/url.ts";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { output, run, sec, timed } from "./process.ts";
import { makeTree, median, type TreeSummary, verifyTree } from "./mirror_tree.ts";
import { floorMirror } from "./mirror_floor.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    files: { type: "string", default: "2000" },
    dirs: { type: "string", default: "40" },
    runs: { type: "string", default: "3" },
    parallel: { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,lftp,rclone,floor" },
    json: { type: "boolean", default: false },
    dir: { type: "string", default: defaultDir() },
  },
});
const files = Number(values.files);
const dirs = Number(values.dirs);
const runs = Number(values.runs);
const parallel = Number(values.parallel);
const tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);

/** One tool: a full mirror into an empty `dst`, and the same command again. */
interface Tool {
  full(dst: string): Promise<void>;
  again?(dst: string): Promise<void>;
}

// The protocol log (a debugging aid of the test peers) would make vsftpd write
// a line per command: it measures the server's logging, not the clients.
const peer = await startVsftpd({ lockUploadFiles: false, extraConfig: { log_ftp_protocol: "NO" } });
const scratch = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-bench-mirror-" });
try {
  const src = `${peer.root}/src`;
  const expected = await makeTree(src, { files, dirs, seed: 6 });
  await chownForVsftpd(src);
  const rcloneConfig = `${scratch}/rclone.conf`;
  await Deno.writeTextFile(rcloneConfig, "");
  const obscured = (await output("rclone", ["obscure", peer.password])).trim();
  const ftpUrl = `ftp://${peer.host}:${peer.port}`;

  const ferry = async (dst: string) => {
    const from = await openEndpoint(`${ftpUrl}/src`, {
      credentials: { user: peer.user, password: peer.password },
      maxConnections: parallel,
    });
    const to = await openEndpoint(dst, { create: true });
    try {
      const report = await mirror(from, "", to, "", { parallel, listParallel: parallel });
      if (!report.ok) throw new Error(`ferry mirror failed: ${JSON.stringify(report.errors)}`);
    } finally {
      await from.close();
      await to.close();
    }
  };
  const lftp = (dst: string) =>
    run("lftp", [
      "-c",
      [
        "set ftp:ssl-allow no",
        "set net:max-retries 1",
        `open -u ${peer.user},${peer.password} ${ftpUrl}`,
        `mirror --parallel=${parallel} src ${dst}`,
      ].join("; "),
    ]);
  const rclone = (dst: string) =>
    run("rclone", [
      "sync",
      "--config",
      rcloneConfig,
      "--transfers",
      String(parallel),
      "--ftp-host",
      peer.host,
      "--ftp-port",
      String(peer.port),
      "--ftp-user",
      peer.user,
      "--ftp-pass",
      obscured,
      ":ftp:src",
      dst,
    ]);
  const all: Record<string, Tool> = {
    ferry: { full: ferry, again: ferry },
    lftp: { full: lftp, again: lftp },
    rclone: { full: rclone, again: rclone },
    floor: {
      full: (dst) => floorMirror(peer, "src", dst, parallel),
      again: (dst) => floorMirror(peer, "src", dst, parallel),
    },
  };

  const times: Record<string, { full: number[]; again: number[] }> = {};
  for (const name of tools) times[name] = { full: [], again: [] };
  // One untimed round first (JIT, page cache, vsftpd's first PAM login), then
  // the tools take turns in every round so that noise hits them alike.
  for (let round = 0; round <= runs; round++) {
    for (const name of tools) {
      const tool = all[name];
      if (!tool) throw new Error(`unknown tool ${name}`);
      const dst = `${scratch}/${name}-${round}`;
      const full = await timed(() => tool.full(dst));
      await check(name, dst, expected);
      const again = tool.again ? await timed(() => tool.again!(dst)) : undefined;
      await check(name, dst, expected);
      // Targets stay until the end: a removal would make the next tool's
      // creates dear (see the module notes).
      if (round === 0) continue;
      times[name].full.push(full);
      if (again !== undefined) times[name].again.push(again);
    }
  }

  const med = (name: string, k: "full" | "again") => median(times[name][k]);
  const mb = (expected.bytes / 1e6).toFixed(1);
  console.log(
    `${files} files, ${mb} MB in ${dirs} directories, parallel ${parallel}, ` +
      `median of ${runs} runs, vsftpd on 127.0.0.1, targets in ${values.dir}`,
  );
  for (const name of tools) {
    const f = times[name].full.map(sec).join(" ");
    const a = times[name].again.map(sec).join(" ");
    console.log(
      `${name.padEnd(7)} full ${sec(med(name, "full"))} s [${f}]` +
        (a ? `   no-change ${sec(med(name, "again"))} s [${a}]` : ""),
    );
  }
  const result: Record<string, unknown> = { files, dirs, bytes: expected.bytes, runs, times };
  if (times.ferry && times.lftp && times.rclone) {
    const fastest = Math.min(med("lftp", "full"), med("rclone", "full"));
    const full = med("ferry", "full") / fastest;
    const again = med("ferry", "again") / med("lftp", "again");
    console.log(
      `ratio ferry/min(lftp, rclone) full ${full.toFixed(2)}   ` +
        `ferry/lftp no-change ${again.toFixed(2)}   (targets <= 0.80)`,
    );
    Object.assign(result, { ratioFull: full, ratioNoChange: again });
    // The same ratios within each round, whose tools ran seconds apart: less
    // swayed by the load of other work on the machine than medians of the whole.
    const perRound = (k: "full" | "again", others: string[]) =>
      times.ferry[k].map((t, i) => t / Math.min(...others.map((o) => times[o][k][i])));
    const fullRounds = perRound("full", ["lftp", "rclone"]);
    const againRounds = perRound("again", ["lftp"]);
    console.log(
      `per round: full [${fullRounds.map((r) => r.toFixed(2)).join(" ")}] median ${
        median(fullRounds).toFixed(2)
      }   no-change [${againRounds.map((r) => r.toFixed(2)).join(" ")}] median ${
        median(againRounds).toFixed(2)
      }`,
    );
    Object.assign(result, { roundsFull: fullRounds, roundsNoChange: againRounds });
  }
  if (times.floor && times.lftp && times.rclone) {
    const fastest = Math.min(med("lftp", "full"), med("rclone", "full"));
    const floorRounds = times.floor.full.map((t, i) =>
      t / Math.min(times.lftp.full[i], times.rclone.full[i])
    );
    console.log(
      `floor/min(lftp, rclone) full ${(med("floor", "full") / fastest).toFixed(2)}, per round ` +
        `[${floorRounds.map((r) => r.toFixed(2)).join(" ")}]` +
        (times.ferry
          ? `   ferry/floor ${(med("ferry", "full") / med("floor", "full")).toFixed(2)}`
          : ""),
    );
    Object.assign(result, { floorRounds });
  }
  console.log(new Date().toISOString());
  if (values.json) console.log(JSON.stringify(result));
} finally {
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

/** /dev/shm when it is a writable directory (see the module notes), else the system temp dir. */
function defaultDir(): string {
  try {
    if (Deno.statSync("/dev/shm").isDirectory) {
      Deno.removeSync(Deno.makeTempDirSync({ dir: "/dev/shm" }));
      return "/dev/shm";
    }
  } catch { /* not there or not writable */ }
  return Deno.env.get("TMPDIR") ?? "/tmp";
}

async function check(name: string, dst: string, expected: TreeSummary): Promise<void> {
  const problem = await verifyTree(dst, expected);
  if (problem) throw new Error(`${name} left an incomplete mirror in ${dst}: ${problem}`);
}
