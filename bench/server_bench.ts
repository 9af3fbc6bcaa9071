/**
 * ferry's FTP server against pyftpdlib and vsftpd on loopback, side by side,
 * with pyftpdlib's ftpbench method (bench/server_bench_client.py) plus curl
 * for native-client ceilings. Medians of several runs; server and client are
 * pinned to different cores (taskset) when there are two or more.
 *
 *   deno run -A bench/server_bench.ts [--runs 5] [--clients 300] [--size 10]
 *       [--servers ferry,ferry-scrypt,pyftpdlib,vsftpd] [--curl-mb 1000] [--out FILE]
 *
 * vsftpd needs root (it authenticates system users through PAM): the run
 * creates the user `ferrybench` when missing. Results go to stdout as a
 * Markdown table and to `--out` (default bench/server_results.md) with JSON.
 * @module
 */
import { parseArgs } from "node:util";

const args = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    clients: { type: "string", default: "300" },
    size: { type: "string", default: "10" },
    servers: { type: "string", default: "ferry,ferry-scrypt,pyftpdlib,vsftpd" },
    "curl-mb": { type: "string", default: "1000" },
    out: { type: "string", default: new URL("./server_results.md", import.meta.url).pathname },
  },
}).values;
const RUNS = Number(args.runs);
const CLIENTS = Number(args.clients);
const SIZE = Number(args.size) * 1024 * 1024;
const CURL_BYTES = Number(args["curl-mb"]) * 1024 * 1024;
const HERE = new URL(".", import.meta.url).pathname;
const PY = "/usr/bin/python3";
const cpus = navigator.hardwareConcurrency;
const pin = (core: number, cmd: string[]) =>
  cpus >= 2 ? ["taskset", "-c", String(core), ...cmd] : cmd;

interface Running {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitBanner(port: number, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 300 && !exited; i++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const buf = new Uint8Array(512);
      const n = await c.read(buf);
      c.close();
      if (n && new TextDecoder().decode(buf.subarray(0, n)).startsWith("220")) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} did not answer`);
}

async function start(cmd: string[], port: number, cwd?: string): Promise<Running> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const errText = new Response(child.stderr).text();
  await waitBanner(port, child).catch(async (e) => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    throw new Error(`${e.message}\n${await errText}`);
  });
  return {
    pid: child.pid,
    port,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timer);
      await errText;
    },
  };
}

const PYFTPD = `
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
port, root = int(sys.argv[1]), sys.argv[2]
a = DummyAuthorizer(); a.add_user("bench", "pw", root, perm="elradfmwMT")
h = FTPHandler; h.authorizer = a; h.passive_ports = range(int(sys.argv[3]), int(sys.argv[4]) + 1)
s = FTPServer(("127.0.0.1", port), h); s.max_cons = 0; s.max_cons_per_ip = 0
s.serve_forever()
`;

async function run(cmd: string[]): Promise<string> {
  const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function vsftpdUser(dir: string): Promise<boolean> {
  if (Deno.uid() !== 0) return false;
  const exists = await new Deno.Command("id", {
    args: ["ferrybench"],
    stdout: "null",
    stderr: "null",
  })
    .output();
  if (!exists.success) await run(["useradd", "-m", "-s", "/bin/bash", "ferrybench"]);
  const p = new Deno.Command("chpasswd", { stdin: "piped" }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode("ferrybench:pw\n"));
  await w.close();
  await p.status;
  await run(["chown", "ferrybench", dir]);
  await Deno.mkdir("/var/run/vsftpd/empty", { recursive: true });
  return true;
}

async function startServer(kind: string, dir: string): Promise<Running & { user: string }> {
  const port = freePort();
  const pasv = [41000, 41999];
  if (kind === "ferry" || kind === "ferry-scrypt") {
    const cmd = ["deno", "run", "-A", `${HERE}server_run.ts`, String(port), dir];
    if (kind === "ferry-scrypt") cmd.push("--scrypt");
    return { ...(await start(pin(0, cmd), port)), user: "bench" };
  }
  if (kind === "pyftpdlib") {
    const cmd = [PY, "-c", PYFTPD, String(port), dir, String(pasv[0]), String(pasv[1])];
    return { ...(await start(pin(0, cmd), port)), user: "bench" };
  }
  if (kind === "vsftpd") {
    if (!(await vsftpdUser(dir))) throw new Error("vsftpd needs root for its PAM user");
    const conf = await Deno.makeTempFile({ suffix: ".conf" });
    await Deno.writeTextFile(
      conf,
      [
        "listen=YES",
        "listen_address=127.0.0.1",
        `listen_port=${port}`,
        "background=NO",
        "anonymous_enable=NO",
        "local_enable=YES",
        "write_enable=YES",
        `local_root=${dir}`,
        "pam_service_name=vsftpd",
        "seccomp_sandbox=NO",
        "secure_chroot_dir=/var/run/vsftpd/empty",
        "max_clients=2000",
        "max_per_ip=2000",
        `pasv_min_port=${pasv[0]}`,
        `pasv_max_port=${pasv[1]}`,
        "lock_upload_files=NO",
        "xferlog_enable=NO",
        "",
      ].join("\n"),
    );
    return { ...(await start(pin(0, ["/usr/sbin/vsftpd", conf]), port)), user: "ferrybench" };
  }
  throw new Error(`unknown server ${kind}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function curlRates(s: Running & { user: string }, dir: string) {
  const big = `${dir}/curl.big`;
  const f = await Deno.open(big, { write: true, create: true, truncate: true });
  const block = new Uint8Array(1024 * 1024).fill(120);
  for (let i = 0; i < CURL_BYTES / block.length; i++) await f.write(block);
  f.close();
  if (s.user === "ferrybench") await run(["chown", "ferrybench", big]);
  const url = `ftp://${s.user}:pw@127.0.0.1:${s.port}`;
  const down: number[] = [];
  const up: number[] = [];
  for (let i = 0; i < 3; i++) {
    down.push(
      Number(
        await run(
          pin(1, ["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}", `${url}/curl.big`]),
        ),
      ),
    );
    up.push(
      Number(
        await run(
          pin(1, [
            "curl",
            "-sS",
            "-T",
            big,
            "-o",
            "/dev/null",
            "-w",
            "%{speed_upload}",
            `${url}/curl.up`,
          ]),
        ),
      ),
    );
  }
  await Deno.remove(big);
  await Deno.remove(`${dir}/curl.up`).catch(() => {});
  return { curl_retr_mb_s: median(down) / 1048576, curl_stor_mb_s: median(up) / 1048576 };
}

type Result = Record<string, number>;
const results: Record<string, Result[]> = {};
const curl: Record<string, Result> = {};

/** Renders the Markdown table from what has been measured so far and writes `--out`. */
async function report(final: boolean): Promise<string> {
  const kinds = Object.keys(results);
  const row = (label: string, key: string, digits = 1, unit = "") =>
    `| ${label} | ${
      kinds.map((k) => {
        const vals = results[k].map((r) => r[key]).filter((v) => v !== undefined);
        return vals.length ? `${median(vals).toFixed(digits)}${unit}` : "—";
      }).join(" | ")
    } |`;
  const curlRow = (label: string, key: string) =>
    `| ${label} | ${kinds.map((k) => curl[k] ? curl[k][key].toFixed(0) : "—").join(" | ")} |`;
  const md = [
    `Medians of ${RUNS} runs, ${CLIENTS} clients, ${SIZE / 1048576} MiB file; ` +
    `${new Date().toISOString().slice(0, 10)}, ${cpus} CPU(s), Deno ${Deno.version.deno}.`,
    "",
    `| | ${kinds.join(" | ")} |`,
    `|---|${kinds.map(() => "---").join("|")}|`,
    row("STOR, 1 client, 1 s window (MiB/s)", "stor_mb_s", 0),
    row("RETR, 1 client, 1 s window (MiB/s)", "retr_mb_s", 0),
    row(`${CLIENTS} logins one after another (s)`, "logins_serial_s", 3),
    row(`${CLIENTS} logins at once (s)`, "logins_concurrent_s", 3),
    `| logins at once that failed (connect timeouts), per run | ${
      kinds.map((k) => results[k].map((r) => r.login_errors).join(" ")).join(" | ")
    } |`,
    row(`STOR with ${CLIENTS} idle clients (MiB/s)`, "stor_idle_mb_s", 0),
    row(`RETR with ${CLIENTS} idle clients (MiB/s)`, "retr_idle_mb_s", 0),
    row(`${CLIENTS} concurrent RETR of the file (s)`, "retr_many_s", 2),
    row(`${CLIENTS} concurrent STOR of the file (s)`, "stor_many_s", 2),
    row(`${CLIENTS} QUIT (s)`, "quit_many_s", 3),
    row("private memory at rest (MiB)", "memory_at_rest_private_mib"),
    row("private memory before the idle logins (MiB)", "memory_before_idle_private_mib"),
    row(`private memory with ${CLIENTS} idle clients (MiB)`, "memory_idle_private_mib"),
    `| growth from ${CLIENTS} idle clients (MiB) | ${
      kinds.map((k) =>
        median(results[k].map((r) => r.memory_idle_private_mib - r.memory_before_idle_private_mib))
          .toFixed(1)
      ).join(" | ")
    } |`,
    row(`private memory, ${CLIENTS} RETR set up (MiB)`, "memory_retr_many_private_mib"),
    row(`private memory, ${CLIENTS} STOR set up (MiB)`, "memory_stor_many_private_mib"),
    row("RSS at rest (MiB)", "memory_at_rest_rss_mib"),
    row("RSS before the idle logins (MiB)", "memory_before_idle_rss_mib"),
    row(`RSS with ${CLIENTS} idle clients (MiB)`, "memory_idle_rss_mib"),
    curlRow(`curl RETR ${CURL_BYTES / 1048576} MiB (MiB/s, median of 3)`, "curl_retr_mb_s"),
    curlRow(`curl STOR ${CURL_BYTES / 1048576} MiB (MiB/s, median of 3)`, "curl_stor_mb_s"),
  ].join("\n");
  await Deno.writeTextFile(
    args.out!,
    `# FTP server benchmark (bench/server_bench.ts)\n\n${
      final ? "" : "(partial) "
    }${md}\n\n<details><summary>raw runs</summary>\n\n\`\`\`json\n${
      JSON.stringify({ results, curl }, null, 1)
    }\n\`\`\`\n</details>\n`,
  );
  return md;
}

// A fresh server for every run: memory figures start from the same state.
for (const kind of args.servers!.split(",")) {
  const dir = await Deno.makeTempDir({ prefix: `ferry-bench-${kind}-` });
  await Deno.chmod(dir, 0o755);
  try {
    for (let r = 0; r <= RUNS; r++) {
      let s;
      try {
        s = await startServer(kind, dir);
      } catch (e) {
        console.error(`${kind}: skipped (${(e as Error).message.split("\n")[0]})`);
        break;
      }
      try {
        if (r === RUNS) {
          // Last round: curl ceilings (not for the scrypt variant: same transfer code).
          if (!kind.endsWith("-scrypt")) curl[kind] = await curlRates(s, dir);
          continue;
        }
        const out = await run(pin(1, [
          PY,
          `${HERE}server_bench_client.py`,
          "127.0.0.1",
          String(s.port),
          s.user,
          "pw",
          String(CLIENTS),
          String(SIZE),
          String(s.pid),
        ]));
        const j = JSON.parse(out);
        const flat: Result = {};
        for (const [k, v] of Object.entries(j)) {
          if (Array.isArray(v)) {
            flat[`${k}_private_mib`] = v[0];
            flat[`${k}_rss_mib`] = v[1];
          } else flat[k] = v as number;
        }
        (results[kind] ??= []).push(flat);
        console.error(`${kind} run ${r + 1}/${RUNS}: ${out.trim()}`);
      } finally {
        await s.stop();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  if (results[kind]) await report(false);
}
console.log(await report(true));
