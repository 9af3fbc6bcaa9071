/**
 * Benchmark (not a test): one large file down and up over UFTP against the
 * real UNICORE UFTPD on loopback (test/peers/uftpd.ts: the UFTPD with ferry's
 * auth service in front), whole processes timed from start to exit, the tools
 * taking turns in each round:
 *
 * - ferry: the CLI as a user runs it, `ferry get URL LOCAL` / `ferry put LOCAL URL`
 *   (`--tools ferry-ifnewer`: `download-if-newer` / `upload-if-newer`, which also
 *   list and compare; the target is removed before each run);
 * - curl: `curl ftp://anonymous:SECRET@HOST:PORT/file` with a one-time secret
 *   the benchmark fetched from the auth service beforehand (not timed);
 * - floor: bench/uftp_floor.ts, the least a Deno process can do (auth
 *   request, bare `Deno.Conn` control and data connections, no checks);
 * - curl-auth: what a user of curl runs, timed whole: `sh` running one curl for the
 *   auth request (a POST with the user's password) and one for the FTP transfer;
 * - curl-null: curl's download into /dev/null (no file written; its upload is curl's);
 * - cat: `cat FILE` into /dev/null, the file side alone (no network, no server).
 * - ferry-nohead: ferry with `--connections 1`, the same single session without the
 *   head start (cli/head_start.ts takes only flags that change nothing), to A/B it;
 * - base: ferry's `get`/`put` from another checkout (`--base DIR`, e.g. a
 *   `git worktree` of an older commit), for A/B pairs beside the peers.
 *
 * Every result that leaves a file is checked: size and SHA-256 of the downloaded
 * file, and of the file on the server after each upload. Prints MiB/s per tool
 * (median and every run), user+sys CPU seconds, and the ratios to curl.
 *
 * Files on both sides live in `--dir` (default /dev/shm, tmpfs: the disk's
 * write-back, which made single uploads swing 3x here, is not what is measured).
 *
 *   deno run -A bench/uftp_transfer.ts [--size-mib 256] [--runs 5] [--dir /dev/shm] [--tools ferry,curl] [--base DIR]
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { startRealUftpd } from "../test/peers/uftpd.ts";
import { chownForVsftpd } from "../test/peers/vsftpd_user.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-mib": { type: "string", default: "256" },
    runs: { type: "string", default: "5" },
    dir: { type: "string", default: "/dev/shm" },
    tools: { type: "string", default: "ferry,curl,curl-auth,floor,curl-null,cat" },
    base: { type: "string" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const runs = Number(values.runs);
const size = sizeMiB * 1024 * 1024;
const names = values.tools.split(",");
const repo = new URL("..", import.meta.url).pathname;

const loadBefore = (await Deno.readTextFile("/proc/loadavg")).trim();
const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-uftp-bench-" });
const site = await startRealUftpd({ root, maxConnections: 256 }).catch(async (error) => {
  await Deno.remove(root, { recursive: true });
  throw error;
});
const served = `${root}/data`;
const scratch = await Deno.makeTempDir({ dir: values.dir, prefix: "ferry-uftp-local-" });
const http = Deno.createHttpClient({ caCerts: [site.ca] });
try {
  const caFile = join(scratch, "ca.pem");
  await Deno.writeTextFile(caFile, site.ca);
  // The dataUrl with the auth service's user and password in it.
  const url = site.dataUrl.replace("uftp://", `uftp://${site.user}:${site.password}@`);
  const source = join(scratch, "source.bin");
  await writeRandomFile(source, size);
  const digest = await sha256(source);
  await Deno.copyFile(source, join(served, "down.bin"));
  await chownForVsftpd(join(served, "down.bin"));

  /** A one-time secret and the UFTPD's port, as the auth service hands them out. */
  const grant = async (): Promise<{ port: number; secret: string }> => {
    const reply = await fetch(site.authUrl, {
      method: "POST",
      client: http,
      headers: {
        authorization: `Basic ${btoa(`${site.user}:${site.password}`)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ serverPath: `${await Deno.realPath(served)}/`, persistent: false }),
    });
    const g = await reply.json();
    return { port: g.serverPort, secret: g.secret };
  };
  const deno = (args: string[]) => [Deno.execPath(), "run", "-A", ...args];
  const ferry = (args: string[]) => deno([join(repo, "cli/main.ts"), "-q", ...args]);
  const base = (args: string[]) => {
    if (!values.base) throw new Error("--tools base needs --base DIR (another checkout)");
    return deno([join(values.base, "cli/main.ts"), "-q", ...args]);
  };
  const floor = (args: string[]) => deno([join(repo, "bench/uftp_floor.ts"), ...args]);
  const floorArgs = [site.authUrl, caFile, `${site.user}:${site.password}`, served];

  interface Tool {
    /** The command line of one run (after any untimed preparation). */
    get(local: string): Promise<string[]>;
    put(remote: string): Promise<string[]>;
    /** Whether a run leaves a file to check (the floors that write nothing do not). */
    writes: boolean;
  }
  // The auth request and the transfer, as a user of curl would script them.
  const curlAuth = join(scratch, "curl-auth.sh");
  await Deno.writeTextFile(
    curlAuth,
    `G=$(curl -sS --cacert '${caFile}' -u '${site.user}:${site.password}' ` +
      `-H 'content-type: application/json' ` +
      `-d '{"serverPath":"${await Deno.realPath(served)}/","persistent":false}' '${site.authUrl}')
S=\${G#*\\"secret\\":\\"}; S=\${S%%\\"*}
P=\${G#*\\"serverPort\\":}; P=\${P%%,*}
if [ "$1" = get ]; then exec curl -sS -o "$2" "ftp://anonymous:$S@127.0.0.1:$P/$3"
else exec curl -sS -T "$2" "ftp://anonymous:$S@127.0.0.1:$P/$3"; fi
`,
  );
  const curlGet = async (local: string) => {
    const g = await grant();
    return ["curl", "-sS", "-o", local, `ftp://anonymous:${g.secret}@127.0.0.1:${g.port}/down.bin`];
  };
  const curlPut = async (remote: string) => {
    const g = await grant();
    return [
      "curl",
      "-sS",
      "-T",
      source,
      `ftp://anonymous:${g.secret}@127.0.0.1:${g.port}/${remote}`,
    ];
  };
  const tools: Record<string, Tool> = {
    ferry: {
      get: (local) => Promise.resolve(ferry(["get", "--ca", caFile, `${url}/down.bin`, local])),
      put: (remote) => Promise.resolve(ferry(["put", "--ca", caFile, source, `${url}/${remote}`])),
      writes: true,
    },
    "ferry-nohead": {
      get: (local) =>
        Promise.resolve(
          ferry(["get", "--connections", "1", "--ca", caFile, `${url}/down.bin`, local]),
        ),
      put: (remote) =>
        Promise.resolve(
          ferry(["put", "--connections", "1", "--ca", caFile, source, `${url}/${remote}`]),
        ),
      writes: true,
    },
    base: {
      get: (local) => Promise.resolve(base(["get", "--ca", caFile, `${url}/down.bin`, local])),
      put: (remote) => Promise.resolve(base(["put", "--ca", caFile, source, `${url}/${remote}`])),
      writes: true,
    },
    "ferry-ifnewer": {
      get: (local) =>
        Promise.resolve(ferry(["download-if-newer", "--ca", caFile, `${url}/down.bin`, local])),
      put: (remote) =>
        Promise.resolve(ferry(["upload-if-newer", "--ca", caFile, source, `${url}/${remote}`])),
      writes: true,
    },
    curl: { get: curlGet, put: curlPut, writes: true },
    floor: {
      get: (local) => Promise.resolve(floor(["get", ...floorArgs, "down.bin", local])),
      put: (remote) => Promise.resolve(floor(["put", ...floorArgs, remote, source])),
      writes: true,
    },
    "curl-auth": {
      get: (local) => Promise.resolve(["sh", curlAuth, "get", local, "down.bin"]),
      put: (remote) => Promise.resolve(["sh", curlAuth, "put", source, remote]),
      writes: true,
    },
    "curl-null": { get: () => curlGet("/dev/null"), put: curlPut, writes: false },
    cat: {
      get: () => Promise.resolve(["cat", join(served, "down.bin")]),
      put: () => Promise.resolve(["cat", source]),
      writes: false,
    },
  };
  for (const name of names) if (!tools[name]) throw new Error(`unknown tool ${name}`);

  type Sample = { rate: number; cpu: number };
  const samples: Record<string, { get: Sample[]; put: Sample[] }> = {};
  for (const name of names) samples[name] = { get: [], put: [] };
  const check = async (what: string, path: string) => {
    const info = await Deno.stat(path);
    if (info.size !== size) throw new Error(`${what}: ${info.size} bytes, expected ${size}`);
    const got = await sha256(path);
    if (got !== digest) throw new Error(`${what}: SHA-256 ${got}, expected ${digest}`);
  };

  // One untimed round first (module cache, page cache), then the tools take
  // turns, each round starting with the next one.
  for (let round = 0; round <= runs; round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const dir of ["get", "put"] as const) {
      for (const name of order) {
        const local = join(scratch, `${name}-down.bin`);
        const remote = `up-${name}.bin`;
        await Deno.remove(dir === "get" ? local : join(served, remote)).catch(() => {});
        const argv = dir === "get" ? await tools[name].get(local) : await tools[name].put(remote);
        const { seconds, cpu } = await timed(argv);
        if (tools[name].writes || dir === "put" && name === "curl-null") {
          await check(
            `${name} ${dir} (round ${round})`,
            dir === "get" ? local : join(served, remote),
          );
        }
        if (round > 0) samples[name][dir].push({ rate: sizeMiB / seconds, cpu });
      }
    }
  }

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result: Record<string, { get: number; put: number }> = {};
  for (const name of names) {
    const s = samples[name];
    result[name] = { get: med(s.get.map((x) => x.rate)), put: med(s.put.map((x) => x.rate)) };
    const all = (d: "get" | "put") => s[d].map((x) => x.rate.toFixed(0)).join(" ");
    const cpu = (d: "get" | "put") => med(s[d].map((x) => x.cpu)).toFixed(2);
    console.log(
      `${name.padEnd(6)} get ${result[name].get.toFixed(0).padStart(4)} MiB/s [${all("get")}] cpu ${
        cpu("get")
      } s   put ${result[name].put.toFixed(0).padStart(4)} MiB/s [${all("put")}] cpu ${
        cpu("put")
      } s`,
    );
  }
  for (const yard of ["curl", "curl-auth", "base"].filter((b) => result[b])) {
    for (const name of names.filter((n) => n !== yard)) {
      const r = (d: "get" | "put") => (result[name][d] / result[yard][d]).toFixed(2);
      // The same ratio round by round (the two ran minutes apart at most): steadier under load.
      const p = (d: "get" | "put") =>
        med(samples[name][d].map((x, i) => x.rate / samples[yard][d][i].rate)).toFixed(2);
      console.log(
        `${name}/${yard}: get ${r("get")} (pairs ${p("get")})  put ${r("put")} (pairs ${p("put")})`,
      );
    }
  }
  console.log(
    `load average at the start ${loadBefore}, at the end ${
      (await Deno.readTextFile("/proc/loadavg")).trim()
    }`,
  );
  console.log(
    `size ${sizeMiB} MiB, medians of ${runs} runs, whole processes, real UFTPD on 127.0.0.1, files in ${values.dir}, ${
      new Date().toISOString()
    }`,
  );
} finally {
  http.close();
  await site.stop();
  await Deno.remove(scratch, { recursive: true });
  await Deno.remove(root, { recursive: true });
}

/** Wall seconds of one process, and its user+sys CPU seconds (from /usr/bin/time). */
async function timed(argv: string[]): Promise<{ seconds: number; cpu: number }> {
  const times = await Deno.makeTempFile();
  try {
    const start = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%U %S", "-o", times, ...argv],
      stdout: "null",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - start) / 1000;
    if (!out.success) {
      throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    const [user, sys] = (await Deno.readTextFile(times)).trim().split("\n").pop()!.split(" ");
    return { seconds, cpu: Number(user) + Number(sys) };
  } finally {
    await Deno.remove(times);
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  const buffer = new Uint8Array(1 << 20);
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    hash.update(buffer.subarray(0, n));
  }
  file.close();
  return hash.digest("hex");
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await Deno.create(path);
  const chunk = new Uint8Array(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    for (let at = 0; at < chunk.length; at += 65536) {
      crypto.getRandomValues(chunk.subarray(at, at + 65536));
    }
    await file.write(chunk);
  }
  file.close();
}
