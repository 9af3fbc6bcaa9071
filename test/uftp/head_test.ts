/**
 * A UFTP session started ahead (plugins/uftp/head.ts) against the REAL UFTPD:
 * the endpoint that would make exactly that session takes it (one auth
 * request, one UFTPD session), any other makes its own and the head is closed
 * unused; and the CLI's get/put plan (cli/head_start.ts) for uftp:// URLs.
 */
import assert from "node:assert/strict";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { startUftpHead } from "../../plugins/uftp/head.ts";
import { uftpHeadPlan } from "../../cli/head_start.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { startTestSite } from "./_site.ts";

const needs = ["uftpd", "openssl"] as const;

/** The data URL with the site's user and password in it. */
function urlOf(site: { dataUrl: string; user: string; password: string }): string {
  return site.dataUrl.replace("uftp://", `uftp://${site.user}:${site.password}@`);
}

Deno.test("uftpHeadPlan: get/put of a uftp:// URL with harmless flags and --ca only", () => {
  const url = "uftp://u:pw@h:9000/rest/auth/T:/d/a.bin";
  assert.deepEqual(uftpHeadPlan(["get", url]), { url, put: false, caFile: undefined });
  assert.deepEqual(uftpHeadPlan(["-q", "get", "--ca", "ca.pem", url, "out"]), {
    url,
    put: false,
    caFile: "ca.pem",
  });
  assert.deepEqual(uftpHeadPlan(["put", "a.bin", url]), { url, put: true, caFile: undefined });
  assert.equal(uftpHeadPlan(["get", url, "--connections", "4"]), undefined);
  assert.equal(uftpHeadPlan(["get", url, "-v"]), undefined, "logging must be set up first");
  assert.equal(uftpHeadPlan(["get", "ftp://u:pw@h/a"]), undefined, "ftp has its own");
  assert.equal(uftpHeadPlan(["ls", url]), undefined);
  assert.equal(uftpHeadPlan(["put", url]), undefined, "one positional");
});

/** How many sessions the auth service asked the UFTPD for, and how many it created. */
function sessions(log: string): { asked: number; created: number } {
  return {
    asked: log.split("uftp-transfer-request").length - 1,
    created: log.split("Created new UFTP session").length - 1,
  };
}

peerTest(
  "real uftpd: the endpoint takes the session started ahead for it",
  [...needs],
  async () => {
    await using site = await startRealUftpd();
    const data = `${site.root}/data`;
    await Deno.writeTextFile(`${data}/a.txt`, "ahead\n");
    await chownForVsftpd(`${data}/a.txt`);
    const head = startUftpHead(urlOf(site), { ca: site.ca });
    const ep = await UftpEndpoint.open(site.dataUrl, {
      credentials: { user: site.user, password: site.password },
      tls: { ca: site.ca },
      oneFile: true,
    });
    try {
      assert.equal(await new Response(await ep.read("a.txt")).text(), "ahead\n");
    } finally {
      await ep.close();
      await head.dispose();
    }
    // One auth request, one UFTPD session: the head's, for the listing and the transfer.
    assert.deepEqual(sessions(site.log()), { asked: 1, created: 1 });
  },
);

peerTest(
  "real uftpd: a head for another session is not taken, and closed unused",
  [...needs],
  async () => {
    await using site = await startRealUftpd();
    const data = `${site.root}/data`;
    await Deno.mkdir(`${data}/sub`);
    await chownForVsftpd(`${data}/sub`);
    // Another base directory: another session to the auth server.
    const head = startUftpHead(`${urlOf(site)}/sub`, { ca: site.ca });
    await head.started;
    const ep = await UftpEndpoint.open(site.dataUrl, {
      credentials: { user: site.user, password: site.password },
      tls: { ca: site.ca },
      oneFile: true,
    });
    try {
      assert.deepEqual((await ep.list("")).map((e) => e.name), ["sub"]);
    } finally {
      await ep.close();
      await head.dispose();
    }
  },
);

Deno.test("startUftpHead: while tlsReady is pending, the preload steps run in order before the auth request; once settled, only after it has left", async () => {
  let grants = 0;
  const secondGrant = Promise.withResolvers<void>();
  await using site = await startTestSite({
    makeSecret: () => {
      if (++grants === 2) secondGrant.resolve();
      return `s${grants}-${crypto.randomUUID()}`;
    },
  });
  const url = site.uftpUrl.replace("uftp://", "uftp://demouser:test123@") + "/data";
  const ran: string[] = [];
  const step = (name: string) => () => {
    ran.push(`${name} after ${grants} grants`);
    return Promise.resolve();
  };
  const pending = new Promise<void>(() => {}); // the crypto library still initialising
  const head = startUftpHead(url, {
    ca: site.ca,
    tlsReady: pending,
    preload: [step("a"), step("b")],
  });
  await head.started;
  await head.dispose();
  assert.deepEqual(ran, ["a after 0 grants", "b after 0 grants"]);
  assert.equal(grants, 1);

  // TLS ready: a step runs (if the answer is not in yet) only once the request has left;
  // this one waits for the auth service's grant, which a step before the request would
  // never see.
  ran.length = 0;
  const ready = Promise.resolve();
  await ready;
  const waiting = async () => {
    await secondGrant.promise;
    ran.push(`c after ${grants} grants`);
  };
  const again = startUftpHead(url, { ca: site.ca, tlsReady: ready, preload: [waiting] });
  await again.started;
  await again.dispose();
  assert.ok(ran.length === 0 || ran[0] === "c after 2 grants", ran.join());
  assert.equal(grants, 2);
});
