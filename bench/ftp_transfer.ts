/**
 * Benchmark (not a test): RETR and STOR of a large file with vsftpd on loopback,
 * ferry's wire client vs curl vs Python's ftplib, in one run, the tools taking
 * turns in each round. Prints MB/s per tool (median of RUNS runs, and each run)
 * and the ratio ferry/curl.
 *
 *   deno run -A bench/ftp_transfer.ts [--size-mib 512] [--runs 3]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { FtpClient } from "../ftp/client.ts";
import { fileReadable, fileWritable } from "../util/files.ts";
import { startVsftpd } from "../test/peers/vsftpd.ts";
import { writeRandomFile } from "./process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "size-mib": { type: "string", default: "512" },
    runs: { type: "string", default: "3" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const runs = Number(values.runs);
const size = sizeMiB * 1024 * 1024;

const peer = await startVsftpd({ lockUploadFiles: false });
const scratch = await Deno.makeTempDir({ prefix: "ferry-bench-" });
try {
  const source = join(scratch, "source.bin");
  await writeRandomFile(source, size);
  await Deno.copyFile(source, join(peer.root, "down.bin"));
  await Deno.chmod(join(peer.root, "down.bin"), 0o644);
  const url = `ftp://${peer.user}:${peer.password}@${peer.host}:${peer.port}`;
  const connect = async (): Promise<FtpClient> => {
    const ftp = await FtpClient.connect({ host: peer.host, port: peer.port, timeoutMs: 60_000 });
    await ftp.login(peer.user, peer.password);
    return ftp;
  };
  const python = async (body: string): Promise<void> => {
    const script = [
      "import ftplib",
      `ftp = ftplib.FTP()`,
      `ftp.connect(${JSON.stringify(peer.host)}, ${peer.port})`,
      `ftp.login(${JSON.stringify(peer.user)}, ${JSON.stringify(peer.password)})`,
      body,
      "ftp.quit()",
    ].join("\n");
    await run("/usr/bin/python3", ["-c", script]);
  };
  /** MB/s of one call. */
  const rate = async (fn: () => Promise<void>): Promise<number> => {
    const start = performance.now();
    await fn();
    return size / 1e6 / ((performance.now() - start) / 1000);
  };
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  const tools: Record<string, { retr: () => Promise<void>; stor: () => Promise<void> }> = {
    // The file side is util/files.ts, what `ferry get`/`put` use: blocking I/O in
    // 256 KiB blocks, as curl's and ftplib's are (ftplib's below is given 256 KiB
    // blocks too). Deno's FsFile.readable/writable made one thread-pool call per
    // 64 KiB chunk, which cost more than the copy itself here.
    ferry: {
      retr: async () => {
        const ftp = await connect();
        const file = Deno.openSync(join(scratch, "ferry-down.bin"), {
          write: true,
          create: true,
          truncate: true,
        });
        await (await ftp.retrieve("down.bin")).pipeTo(fileWritable(file));
        await ftp.quit();
      },
      stor: async () => {
        const ftp = await connect();
        await fileReadable(Deno.openSync(source)).pipeTo(await ftp.store("up-ferry.bin"));
        await ftp.quit();
      },
    },
    curl: {
      retr: () => run("curl", ["-sS", "-o", join(scratch, "curl-down.bin"), `${url}/down.bin`]),
      stor: () => run("curl", ["-sS", "-T", source, `${url}/up-curl.bin`]),
    },
    ftplib: {
      retr: () =>
        python(
          `with open(${
            JSON.stringify(join(scratch, "py-down.bin"))
          }, "wb") as f: ftp.retrbinary("RETR down.bin", f.write, 262144)`,
        ),
      stor: () =>
        python(
          `with open(${
            JSON.stringify(source)
          }, "rb") as f: ftp.storbinary("STOR up-py.bin", f, 262144)`,
        ),
    },
  };

  // The tools take turns in every round, each round starting with the next
  // one, so that a slow moment of the machine (other work, the downloads'
  // dirty pages being written back while the first upload runs) does not fall
  // on one tool.
  const rates: Record<string, { retr: number[]; stor: number[] }> = {};
  for (const name of Object.keys(tools)) rates[name] = { retr: [], stor: [] };
  for (let i = 0; i < runs; i++) {
    const names = Object.keys(tools);
    const order = [...names.slice(i % names.length), ...names.slice(0, i % names.length)];
    for (const name of order) rates[name].retr.push(await rate(tools[name].retr));
    for (const name of order) rates[name].stor.push(await rate(tools[name].stor));
  }
  const results: Record<string, { retr: number; stor: number }> = {};
  for (const [name, r] of Object.entries(rates)) {
    results[name] = { retr: median(r.retr), stor: median(r.stor) };
    const all = (k: "retr" | "stor") => r[k].map((x) => x.toFixed(0)).join(" ");
    console.log(
      `${name.padEnd(7)} RETR ${fmt(results[name].retr)} MB/s [${all("retr")}]   STOR ${
        fmt(results[name].stor)
      } MB/s [${all("stor")}]`,
    );
  }
  const ratio = (k: "retr" | "stor") => (results.ferry[k] / results.curl[k]).toFixed(2);
  console.log(`ratio ferry/curl: RETR ${ratio("retr")}  STOR ${ratio("stor")}  (target >= 0.90)`);
  console.log(
    `size ${sizeMiB} MiB, median of ${runs} runs, vsftpd on 127.0.0.1, ${new Date().toISOString()}`,
  );
} finally {
  await peer.stop();
  await Deno.remove(scratch, { recursive: true });
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

function fmt(n: number): string {
  return n.toFixed(0).padStart(5);
}
