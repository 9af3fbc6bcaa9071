/**
 * A `uftp://` URL whose base directory does not exist fails with an error
 * that names that directory, for `ferry ls` and `ferry get`, against the REAL
 * UFTPD and ferry's own: both say 230 to the login and then close the
 * session (the real one logs "No such directory"), which the client saw as a
 * bare "connection reset".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { ferry } from "../cli/helpers.ts";
import { startTestSite } from "./_site.ts";

peerTest(
  "uftp: a base directory that does not exist on the real UFTPD is named in the error",
  ["uftpd", "openssl"],
  async () => {
    const site = await startRealUftpd();
    const tmp = await Deno.makeTempDir({ prefix: "ferry-uftp-base-" });
    try {
      const ca = join(tmp, "ca.pem");
      await Deno.writeTextFile(ca, site.ca);
      const base = `${site.root}/no-such-dir`;
      const url = site.uftpUrl.replace("uftp://", `uftp://${site.user}@`) + base;
      const env = { FERRY_TEST_PW: site.password };
      const ls = await ferry(["ls", "--ca", ca, "--password-env", "FERRY_TEST_PW", url], { env });
      assert.equal(ls.code, 1, ls.stdout + ls.stderr);
      assert.equal(ls.stdout, "");
      assert.ok(ls.stderr.includes(base), ls.stderr);
      assert.match(ls.stderr, /base directory/);
      assert.match(ls.stderr, /does not exist/);
      assert.doesNotMatch(ls.stderr, new RegExp(site.password));
      const get = await ferry(
        ["get", "--ca", ca, "--password-env", "FERRY_TEST_PW", `${url}/a.txt`, join(tmp, "a")],
        { env },
      );
      assert.equal(get.code, 1, get.stdout + get.stderr);
      assert.ok(get.stderr.includes(base), get.stderr);
      assert.match(get.stderr, /base directory/);
    } finally {
      await site.stop();
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

Deno.test({
  name: "uftp: a base directory that does not exist on ferry's own UFTPD is named in the error",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using site = await startTestSite();
    const tmp = await Deno.makeTempDir({ prefix: "ferry-uftp-base-" });
    try {
      const ca = join(tmp, "ca.pem");
      await Deno.writeTextFile(ca, site.ca);
      const url = site.uftpUrl.replace("uftp://", "uftp://demouser@") + "/data/no-such-dir";
      const ls = await ferry(["ls", "--ca", ca, "--password-env", "PW", url], {
        env: { PW: "test123" },
      });
      assert.equal(ls.code, 1, ls.stdout + ls.stderr);
      assert.match(ls.stderr, /base directory \/data\/no-such-dir does not exist/);
      assert.doesNotMatch(ls.stderr, /test123/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
