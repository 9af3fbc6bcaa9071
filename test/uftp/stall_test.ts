/**
 * A UFTPD that stops sending or reading mid-file, with one and with several
 * data streams: the transfer ends at the endpoint's timeout (the multi-stream
 * sockets have their own idle deadline) and the mirror's retry finishes the
 * file.
 */
import assert from "node:assert/strict";
import { LocalEndpoint, MemoryEndpoint, mirror } from "../../mod.ts";
import { collect, writeAll } from "../../plugin.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { peerTest } from "../peers/skip.ts";
import { StallingEndpoint } from "../peers/stalling.ts";
import { startTestSite } from "./_site.ts";

const SIZE = 3 << 20;

function pattern(seed: number): Uint8Array {
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) bytes[i] = (i * 13 + seed + (i >> 10)) & 255;
  return bytes;
}

for (const streams of [1, 2]) {
  peerTest(
    `uftp, ${streams} stream(s): a server that stops sending or reading mid-file is cut at the timeout and retried`,
    ["openssl"],
    async () => {
      const root = await Deno.makeTempDir({ prefix: "ferry-uftp-stall-" });
      try {
        await Deno.mkdir(`${root}/data/pub`, { recursive: true });
        await Deno.mkdir(`${root}/data/back`);
        const down = pattern(1);
        await Deno.writeFile(`${root}/data/pub/big.bin`, down);
        const stalling = new StallingEndpoint(new LocalEndpoint(root), {
          read: { name: "big.bin", after: 256 << 10 },
          write: { name: "big.bin", after: 256 << 10 },
        });
        await using site = await startTestSite({ endpoint: stalling, maxStreams: 4 });
        const ep = await UftpEndpoint.open(`${site.uftpUrl}/data`, {
          tls: { ca: site.ca },
          timeout: 1,
          credentials: { user: "demouser", password: "test123" },
          options: { streams },
        });
        try {
          const local = new MemoryEndpoint();
          const retry = { retries: 3, baseDelayMs: 10 };
          const pulled = await mirror(ep, "pub", local, "", { retry });
          assert.deepEqual(pulled.errors, []);
          assert.deepEqual(await collect(await local.read("big.bin")), down);

          const up = pattern(2);
          await writeAll(await local.write("big.bin"), up);
          const pushed = await mirror(local, "", ep, "back", { retry });
          assert.deepEqual(pushed.errors, []);
          assert.deepEqual(await Deno.readFile(`${root}/data/back/big.bin`), up);
          const stalls = stalling.opened.filter((o) => o.path.endsWith("big.bin"));
          assert.ok(stalls.length >= 2, JSON.stringify(stalling.opened));
        } finally {
          stalling.release();
          await ep.close();
        }
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    },
  );
}
