/**
 * A `uftp://` URL whose base directory does not exist on the REAL UFTPD fails
 * with an error that names that directory (the UFTPD itself only answers the
 * first command in it with a bare 500/550), for `ferry ls` and `ferry get`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { ferry } from "../cli/helpers.ts";

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
