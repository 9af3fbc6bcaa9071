/**
 * Runs ferry's FTP server for the benchmark (bench/server_bench.ts starts it
 * as its own process so that its memory can be measured alone).
 *
 * Usage: deno run -A bench/server_run.ts PORT DIR [--scrypt] [--tls CERT KEY] [--chunk BYTES]
 *        [--options JSON]   (more FtpServerOptions, e.g. '{"authFailedDelayMs":1}')
 *        [--profile FILE]   (a V8 CPU profile from start to SIGTERM; self times on stderr)
 * One user `bench`/`pw` with every permission, no connection limits. Prints
 * `READY <port>` once listening; stops on SIGTERM.
 * @module
 */
import { LocalEndpoint } from "../mod.ts";
import { hashPassword, startFtpServer, VirtualAuthorizer } from "../server.ts";
import { reportMemoryOnSignal } from "./mem_report.ts";
import { startProfile } from "./cpu_profile.ts";

const [port, dir] = Deno.args;
const scrypt = Deno.args.includes("--scrypt");
const tlsAt = Deno.args.indexOf("--tls");
const chunkAt = Deno.args.indexOf("--chunk");
const optionsAt = Deno.args.indexOf("--options");
const profileAt = Deno.args.indexOf("--profile");
const stopProfile = profileAt > 0 ? await startProfile() : undefined;
const authorizer = new VirtualAuthorizer().addUser("bench", {
  ...(scrypt ? { passwordHash: await hashPassword("pw") } : { password: "pw" }),
  perm: "elradfmwMT",
});
const srv = await startFtpServer({
  endpoint: new LocalEndpoint(dir),
  authorizer,
  port: Number(port),
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  transferChunkSize: chunkAt > 0 ? Number(Deno.args[chunkAt + 1]) : undefined,
  tls: tlsAt > 0
    ? {
      cert: await Deno.readTextFile(Deno.args[tlsAt + 1]),
      key: await Deno.readTextFile(Deno.args[tlsAt + 2]),
    }
    : undefined,
  ...(optionsAt > 0 ? JSON.parse(Deno.args[optionsAt + 1]) : {}),
});
console.log(`READY ${srv.port}`);
// bench/server_memory.ts asks for the heap and external (ArrayBuffer) figures behind RSS.
reportMemoryOnSignal();
await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", () => resolve()));
await srv.close();
if (stopProfile) console.error(await stopProfile(Deno.args[profileAt + 1]));
Deno.exit(0);
