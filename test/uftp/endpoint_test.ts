/** End to end over loopback: uftp:// endpoints against the self-hosted stack. */
import assert from "node:assert/strict";
import { collect, writeAll } from "../../mod.ts";
import { UftpAuthError, UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { peerTest } from "../peers/skip.ts";
import { fixturePath, startTestSite, TOKEN } from "./_site.ts";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

peerTest(
  "uftp e2e: password login, write, list, read, read from an offset",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const ep = await UftpEndpoint.open(`${site.uftpUrl}/data`, {
      credentials: { user: "demouser", password: "test123" },
      tls: { ca: site.ca },
      timeout: 10,
    });
    try {
      await writeAll(await ep.write("hello.txt"), text("hello world"));
      assert.equal(await Deno.readTextFile(`${site.root}/data/hello.txt`), "hello world");
      const list = await ep.list("");
      assert.deepEqual(list.map((s) => s.name), ["hello.txt"]);
      assert.equal(list[0].size, 11);
      assert.equal(str(await collect(await ep.read("hello.txt"))), "hello world");
      assert.equal(str(await collect(await ep.read("hello.txt", { offset: 6 }))), "world");
      assert.equal(str(await collect(await ep.readRange("hello.txt", 2, 3))), "llo");
    } finally {
      await ep.close();
    }
  },
);
