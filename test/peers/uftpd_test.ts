import assert from "node:assert/strict";
import { LocalEndpoint, mirror } from "../../mod.ts";
import { collect } from "../../plugin.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { peerTest } from "./skip.ts";
import { startRealUftpd } from "./uftpd.ts";

peerTest("real uftpd: ferry mirrors a small tree up and back down through uftp://", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd();
  const local = await Deno.makeTempDir({ prefix: "ferry-uftpd-test-" });
  try {
    await Deno.mkdir(`${local}/up/sub`, { recursive: true });
    const files: Record<string, string> = {
      "a.txt": "alpha",
      "sub/b.bin": "b".repeat(100_000),
      "sub/c.txt": "",
    };
    for (const [name, content] of Object.entries(files)) {
      await Deno.writeTextFile(`${local}/up/${name}`, content);
    }
    const remote = await UftpEndpoint.open(site.dataUrl, {
      tls: { ca: site.ca },
      credentials: { user: site.user, password: site.password },
      timeout: 10,
    });
    try {
      const up = await mirror(new LocalEndpoint(`${local}/up`), "", remote, "", {});
      assert.ok(up.ok, JSON.stringify(up.errors));
      for (const [name, content] of Object.entries(files)) {
        const served = `${site.root}/data/${name}`;
        assert.equal(await Deno.readTextFile(served), content, name);
        // Written by the session process as the Unix account, not by root.
        assert.notEqual((await Deno.stat(served)).uid, 0, name);
      }
      await Deno.mkdir(`${local}/down`);
      const down = await mirror(remote, "", new LocalEndpoint(`${local}/down`), "", {});
      assert.ok(down.ok, JSON.stringify(down.errors));
      for (const [name, content] of Object.entries(files)) {
        assert.equal(await Deno.readTextFile(`${local}/down/${name}`), content, name);
      }
    } finally {
      await remote.close();
    }
    assert.match(site.log(), /New transfer request for 'ferrytest'/);
  } finally {
    await Deno.remove(local, { recursive: true });
  }
});

peerTest("real uftpd: behind a cut proxy, a 4-stream download opens 4 data connections", [
  "uftpd",
  "openssl",
], async () => {
  await using site = await startRealUftpd({ proxy: true });
  const content = crypto.getRandomValues(new Uint8Array(60_000));
  await Deno.writeFile(`${site.root}/data/f.bin`, content);
  const remote = await UftpEndpoint.open(site.dataUrl, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
    options: { streams: 4 },
    timeout: 10,
  });
  try {
    assert.deepEqual(await collect(await remote.read("f.bin")), content);
  } finally {
    await remote.close();
  }
  assert.equal(site.proxy!.controlConnections() >= 1, true);
  assert.equal(site.proxy!.dataConnections(), 4);
});
