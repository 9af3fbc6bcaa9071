/**
 * `deno task bench [NAME...]`: runs the benchmarks (not tests) one after the
 * other, each in its own process so one's memory does not weigh on the next.
 * Without a name it runs them all. Figures go to docs/BENCHMARKS.md by hand,
 * with the date and machine.
 *
 *   deno task bench                 # all
 *   deno task bench ftp_transfer    # one; extra flags after `--` go to it
 * @module
 */
const benches: Record<string, { file: string; about: string }> = {
  ftp_transfer: {
    file: "bench/ftp_transfer.ts",
    about: "RETR/STOR of a large file: ferry vs curl vs ftplib (vsftpd)",
  },
  mirror: {
    file: "bench/mirror.ts",
    about: "mirror of 2,000 small files and the no-change re-run: ferry vs lftp vs rclone",
  },
  uftp_transfer: {
    file: "bench/uftp_transfer.ts",
    about:
      "one large file down and up over UFTP (real UFTPD): ferry's CLI vs curl vs a bare Deno floor",
  },
  server: {
    file: "bench/server_bench.ts",
    about: "ftpbench: ferry's server vs pyftpdlib vs vsftpd",
  },
  login_timing: {
    file: "bench/login_timing.ts",
    about: "failed logins, existing vs missing user name: ferry serve vs pyftpdlib",
  },
};

const dash = Deno.args.indexOf("--");
const names = dash < 0 ? Deno.args : Deno.args.slice(0, dash);
const extra = dash < 0 ? [] : Deno.args.slice(dash + 1);
const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`,
  );
  Deno.exit(2);
}
let failed = 0;
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  const { file, about } = benches[name];
  try {
    await Deno.stat(file);
  } catch {
    console.log(`== ${name}: ${file} is missing, skipped`);
    continue;
  }
  console.log(`== ${name}: ${about}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file, ...extra],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed++;
}
Deno.exit(failed > 0 ? 1 : 0);
