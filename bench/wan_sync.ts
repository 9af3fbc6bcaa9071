/**
 * Benchmark (not a test): two-way sync of a tree of many small files between
 * the local disk and vsftpd over an emulated WAN (bench/wan_proxy.ts), whole
 * processes side by side: `ferry sync --parallel N --connections N` and
 * `rclone bisync --transfers N`. The server is ProFTPD by default: rclone
 * bisync refuses a remote without modification times, and rclone reads those
 * only from MLSD, which vsftpd lacks (`--server vsftpd` runs ferry alone there). Each tool gets its own copy of the tree on
 * both sides and a first sync of the unchanged tree (untimed: ferry records
 * its state, rclone bisync needs `--resync`); then a share of the files
 * (`--changed`, default 5 %) changes on each side, different files on each,
 * and the timed sync carries both ways. Afterwards both sides must hold the
 * same files with the same bytes, each changed file its new bytes, and no
 * conflict copies. A no-change re-run is timed too.
 *
 *   deno run -A bench/wan_sync.ts [--rtts 40] [--files 2000] [--dirs 40] [--server proftpd]
 *        [--changed 5] [--runs 3] [--parallel 8] [--tools ferry,rclone] [--dir /dev/shm]
 *        [--ferry cli/main.ts] [--ferry-base /other/checkout/cli/main.ts]   (tool "base")
 *        [--log-dir DIR]   (ferry's timed syncs also write their --debug JSON log to
 *                           DIR/<tool>-<rtt>-<round>.jsonl; read them with bench/sync_phases.ts)
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startProftpd } from "../test/peers/proftpd.ts";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";
import { output, run, sec, timed } from "./process.ts";
import { makeTree, median } from "./mirror_tree.ts";
import { startWanProxy, type WanProxy } from "./wan_proxy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rtts: { type: "string", default: "40" },
    files: { type: "string", default: "2000" },
    dirs: { type: "string", default: "40" },
    changed: { type: "string", default: "5" },
    runs: { type: "string", default: "3" },
    parallel: { type: "string", default: "8" },
    tools: { type: "string", default: "ferry,rclone" },
    server: { type: "string", default: "proftpd" },
    dir: { type: "string", default: "/dev/shm" },
    ferry: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
    "ferry-base": { type: "string" },
    "log-dir": { type: "string" },
  },
});
const rtts = values.rtts.split(",").map(Number);
const files = Number(values.files);
const dirs = Number(values.dirs);
const share = Number(values.changed) / 100;
const runs = Number(values.runs);
const parallel = Number(values.parallel);
const tools = values.tools.split(",").map((t) => t.trim()).filter(Boolean);

/**
 * The least round trips the timed two-way sync needs over `connections`
 * sessions, counted as bench/wan_mirror.ts's floorRoundTrips counts a mirror:
 * connect and log in (3), the server side's listings (2 round trips each, the
 * directories shared among the sessions, no level before its parent; the
 * local side costs no round trip), and the changed files of both sides
 * (`transfers`: uploads and downloads alike) shared among the sessions at 3
 * round trips each (command queued behind the previous transfer, the data
 * connection's handshake until the first byte, its close). An upload's rename
 * and time are left out, so the floor is below what a safe upload can reach.
 * No-change: `transfers` 0.
 *
 * @example
 * ```ts
 * syncFloorRoundTrips({ dirs: 40, transfers: 200, connections: 8 }); // 3 + 12 + 75
 * ```
 */
export function syncFloorRoundTrips(
  o: { dirs: number; transfers: number; connections: number },
): number {
  const levels = Math.min(3, o.dirs + 1);
  const listRounds = Math.max(levels, Math.ceil((o.dirs + 1) / o.connections));
  return 3 + 2 * listRounds + 3 * Math.ceil(o.transfers / o.connections);
}

/** Syncs a local directory with a directory on the server; `first` is the untimed first run. */
interface Tool {
  sync(local: string, url: string, remote: string, work: string, first: boolean): Promise<void>;
}

const peer = values.server === "vsftpd"
  ? await startVsftpd({ lockUploadFiles: false, extraConfig: { log_ftp_protocol: "NO" } })
  : await startProftpd();
const scratch = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-bench-wansync-" });
let wan: WanProxy | undefined;
try {
  const master = `${scratch}/master`;
  const tree = await makeTree(master, { files, dirs, seed: 21 });
  const paths = [...tree.sizes.keys()].sort();
  const every = Math.max(1, Math.round(1 / share));
  const changedLocal = paths.filter((_, i) => i % every === 0);
  const changedRemote = paths.filter((_, i) => i % every === Math.floor(every / 2));
  const rcloneConfig = `${scratch}/rclone.conf`;
  await Deno.writeTextFile(rcloneConfig, "");
  const obscured = (await output("rclone", ["obscure", peer.password])).trim();
  const env = { FERRY_BENCH_PASSWORD: peer.password };

  const logDir = values["log-dir"];
  if (logDir) await Deno.mkdir(logDir, { recursive: true });
  const ferrySync =
    (main: string) => (local: string, url: string, remote: string, work: string, first: boolean) =>
      run(Deno.execPath(), [
        "run",
        "-A",
        "--no-check",
        main,
        "sync",
        "-q",
        "--parallel",
        String(parallel),
        "--connections",
        String(parallel),
        "--state-dir",
        work,
        "-u",
        peer.user,
        "--password-env",
        "FERRY_BENCH_PASSWORD",
        ...(logDir && !first ? ["--debug", "--log-file", `${logDir}/${remote}.jsonl`] : []),
        local,
        `${url}/${remote}`,
      ], env);
  const all: Record<string, Tool> = {
    ferry: { sync: ferrySync(values.ferry) },
    base: { sync: ferrySync(values["ferry-base"] ?? "") },
    rclone: {
      sync: (local, url, remote, work, first) => {
        const u = new URL(url);
        return run("rclone", [
          "bisync",
          "--config",
          rcloneConfig,
          "--transfers",
          String(parallel),
          "--workdir",
          work,
          ...(first ? ["--resync"] : []),
          "--ftp-host",
          u.hostname,
          "--ftp-port",
          u.port,
          "--ftp-user",
          peer.user,
          "--ftp-pass",
          obscured,
          local,
          `:ftp:${remote}`,
        ]);
      },
    },
  };

  console.log(
    `${files} files, ${(tree.bytes / 1e6).toFixed(1)} MB in ${dirs} directories; ` +
      `${changedLocal.length} changed locally and ${changedRemote.length} on the server; ` +
      `parallel ${parallel}, ${runs} runs (after one untimed), ${values.server} behind ` +
      `bench/wan_proxy.ts, ` +
      `local side in ${values.dir}, ${new Date().toISOString()}, load ${await loadavg()}`,
  );
  for (const rtt of rtts) {
    wan = startWanProxy({ target: { hostname: peer.host, port: peer.port }, delayMs: rtt / 2 });
    const url = `ftp://${wan.hostname}:${wan.port}`;
    const times: Record<string, { sync: number[]; again: number[] }> = {};
    for (const name of tools) times[name] = { sync: [], again: [] };
    for (let round = 0; round <= runs; round++) {
      for (const name of tools) {
        const tool = all[name];
        if (!tool) throw new Error(`unknown tool ${name}`);
        const remote = `${name}-${rtt}-${round}`;
        const local = `${scratch}/${remote}`;
        const work = `${scratch}/${remote}.work`;
        await Deno.mkdir(work);
        await copyTree(master, local);
        await copyTree(master, `${peer.root}/${remote}`);
        await chownForVsftpd(`${peer.root}/${remote}`);
        await tool.sync(local, url, remote, work, true);
        await change(local, changedLocal, "local");
        await change(`${peer.root}/${remote}`, changedRemote, "server");
        await chownForVsftpd(`${peer.root}/${remote}`);
        const synced = await timed(() => tool.sync(local, url, remote, work, false));
        await verify(name, local, `${peer.root}/${remote}`, changedLocal, changedRemote);
        const again = await timed(() => tool.sync(local, url, remote, work, false));
        await verify(name, local, `${peer.root}/${remote}`, changedLocal, changedRemote);
        for (const dir of [local, work, `${peer.root}/${remote}`]) {
          await Deno.remove(dir, { recursive: true });
        }
        if (round === 0) continue;
        times[name].sync.push(synced);
        times[name].again.push(again);
      }
    }
    await wan.close();
    wan = undefined;
    const floor = (transfers: number) =>
      syncFloorRoundTrips({ dirs, transfers, connections: parallel }) * rtt / 1000;
    const transfers = changedLocal.length + changedRemote.length;
    console.log(
      `rtt ${rtt} ms: floor sync ${sec(floor(transfers))} s, no-change ${sec(floor(0))} s ` +
        `(round trips only; see syncFloorRoundTrips)`,
    );
    for (const name of tools) {
      const t = times[name];
      console.log(
        `  ${name.padEnd(7)} sync ${sec(median(t.sync))} s [${t.sync.map(sec).join(" ")}]` +
          `   no-change ${sec(median(t.again))} s [${t.again.map(sec).join(" ")}]`,
      );
    }
    if (times.ferry && times.rclone) {
      const ratio = (k: "sync" | "again") =>
        (median(times.ferry[k]) / median(times.rclone[k])).toFixed(2);
      console.log(`  ferry / rclone bisync: sync ${ratio("sync")}   no-change ${ratio("again")}`);
    }
  }
  console.log(`load at the end ${await loadavg()}`);
} finally {
  await wan?.close();
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

async function loadavg(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/** `cp -a`: the copy keeps the mtimes, so both sides start equal. */
async function copyTree(from: string, to: string): Promise<void> {
  await run("cp", ["-a", from, to]);
}

/** The new bytes of a changed file (another size, so no tool can miss the change). */
function changedBytes(path: string, side: string): string {
  return `changed on the ${side}: ${path}\n`.repeat(3);
}

/** Rewrites `paths` under `root` and dates them a minute ahead of the tree. */
async function change(root: string, paths: string[], side: string): Promise<void> {
  const later = new Date(Date.now() + 60_000);
  for (const path of paths) {
    await Deno.writeTextFile(`${root}/${path}`, changedBytes(path, side));
    await Deno.utime(`${root}/${path}`, later, later);
  }
}

/** Both sides the same files with the same bytes; each changed file its new bytes. */
async function verify(
  name: string,
  local: string,
  remote: string,
  changedLocal: string[],
  changedRemote: string[],
): Promise<void> {
  const [a, b] = await Promise.all([listFiles(local), listFiles(remote)]);
  const fail = (why: string) => {
    throw new Error(`${name}: sides differ after sync: ${why}`);
  };
  if (a.length !== b.length || a.some((p, i) => p !== b[i])) {
    fail(`${a.length} files locally, ${b.length} on the server (${diff(a, b)})`);
  }
  for (const [paths, side] of [[changedLocal, "local"], [changedRemote, "server"]] as const) {
    for (const path of paths) {
      for (const root of [local, remote]) {
        if (await Deno.readTextFile(`${root}/${path}`) !== changedBytes(path, side)) {
          fail(`${root}/${path} lacks the ${side} change`);
        }
      }
    }
  }
  for (const [i, path] of a.entries()) {
    if (i % 50 !== 0) continue;
    const [x, y] = await Promise.all([
      Deno.readFile(`${local}/${path}`),
      Deno.readFile(`${remote}/${path}`),
    ]);
    if (x.length !== y.length || x.some((v, k) => v !== y[k])) fail(`${path} bytes differ`);
  }
}

function diff(a: string[], b: string[]): string {
  const sa = new Set(a), sb = new Set(b);
  const onlyA = a.filter((p) => !sb.has(p)).slice(0, 3);
  const onlyB = b.filter((p) => !sa.has(p)).slice(0, 3);
  return `only local: ${onlyA.join(", ") || "-"}; only server: ${onlyB.join(", ") || "-"}`;
}

/** Every file below `root`, relative and sorted (rclone bisync's and ferry's own files left out). */
async function listFiles(root: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${root}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(root, rel));
    else if (!e.name.startsWith(".ferry") && e.name !== "RCLONE_TEST") out.push(rel);
  }
  return out.sort();
}
