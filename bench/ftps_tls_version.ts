/**
 * Single-connection FTPS throughput against a real ProFTPD (default TLSOptions):
 * ferry's default (TLS 1.2 offered first, docs/TLS.md) beside TLS 1.3
 * (`minVersion: "TLSv1.3"`, the default before), interleaved, medians.
 *
 *   deno run -A bench/ftps_tls_version.ts [MiB=128] [runs=5]
 */
import { FtpClient } from "../ftp/client.ts";
import { startProftpd } from "../test/peers/proftpd.ts";

const mib = Number(Deno.args[0] ?? 128);
const runs = Number(Deno.args[1] ?? 5);
const bytes = new Uint8Array(mib * 1024 * 1024).map((_, i) => i & 255);
await using peer = await startProftpd({ tls: "explicit" });
const variants = { "TLS 1.2 first": {}, "TLS 1.3": { minVersion: "TLSv1.3" as const } };
const rates: Record<string, { stor: number[]; retr: number[]; protocol: string }> = {};
for (let r = 0; r < runs; r++) {
  for (const [name, tlsOptions] of Object.entries(variants)) {
    const c = await FtpClient.connect({
      host: "localhost",
      port: peer.port,
      tls: "explicit",
      tlsOptions: { ca: peer.caPem, ...tlsOptions },
    });
    await c.login(peer.user, peer.password);
    const slot = rates[name] ??= { stor: [], retr: [], protocol: "" };
    let t = performance.now();
    await ReadableStream.from([bytes]).pipeTo(await c.store("bench.bin"));
    slot.stor.push(mib / ((performance.now() - t) / 1000));
    t = performance.now();
    const reader = (await c.retrieve("bench.bin")).getReader();
    for (;;) if ((await reader.read()).done) break;
    slot.retr.push(mib / ((performance.now() - t) / 1000));
    await c.quit();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, { stor, retr }] of Object.entries(rates)) {
  console.log(
    `${name}: STOR ${median(stor).toFixed(0)} MiB/s, RETR ${median(retr).toFixed(0)} MiB/s ` +
      `(STOR ${stor.map((x) => x.toFixed(0)).join(" ")}; RETR ${
        retr.map((x) => x.toFixed(0)).join(" ")
      })`,
  );
}
