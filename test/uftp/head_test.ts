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
import { NotFoundError } from "../../endpoint/errors.ts";
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
  assert.deepEqual(uftpHeadPlan(["put", "a.bin", url]), {
    url,
    put: true,
    caFile: undefined,
    local: "a.bin",
  });
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
  "real uftpd: a get's file stated in the head's login: the endpoint's stat and read of it, and a missing file's error",
  [...needs],
  async () => {
    await using site = await startRealUftpd();
    const data = `${site.root}/data`;
    await Deno.writeTextFile(`${data}/a b.txt`, "ahead\n");
    await chownForVsftpd(`${data}/a b.txt`);
    const open = () =>
      UftpEndpoint.open(site.dataUrl, {
        credentials: { user: site.user, password: site.password },
        tls: { ca: site.ca },
        oneFile: true,
      });
    let head = startUftpHead(urlOf(site), { ca: site.ca, statAhead: "a b.txt" });
    let ep = await open();
    try {
      assert.equal((await ep.stat("a b.txt")).size, 6);
      assert.equal(await new Response(await ep.read("a b.txt")).text(), "ahead\n");
    } finally {
      await ep.close();
      await head.dispose();
    }
    head = startUftpHead(urlOf(site), { ca: site.ca, statAhead: "gone.txt" });
    ep = await open();
    try {
      await assert.rejects(() => ep.stat("gone.txt"), NotFoundError);
    } finally {
      await ep.close();
      await head.dispose();
    }
    assert.deepEqual(sessions(site.log()), { asked: 2, created: 2 });
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

Deno.test("startUftpHead: the preload steps run in order once the auth request has left, while its answer is not in", async () => {
  let grants = 0;
  const granted = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  await using site = await startTestSite({
    makeSecret: () => {
      granted[grants++]?.resolve();
      return `s${grants}-${crypto.randomUUID()}`;
    },
  });
  const url = site.uftpUrl.replace("uftp://", "uftp://demouser:test123@") + "/data";
  // Each round's first step waits for the auth service's grant, which a step run before
  // the request left would never see (the head would hang); the steps left once the
  // answer is in are not run.
  for (const [round, tlsReady] of [new Promise<void>(() => {}), undefined].entries()) {
    const ran: string[] = [];
    const head = startUftpHead(url, {
      ca: site.ca,
      tlsReady,
      preload: [
        async () => {
          await granted[round].promise;
          ran.push(`a after ${grants} grants`);
        },
        () => Promise.resolve(ran.push("b")),
      ],
    });
    await head.started;
    await head.dispose();
    assert.equal(grants, round + 1);
    assert.ok(
      [0, 1, 2].some((n) => ran.join() === [`a after ${round + 1} grants`, "b"].slice(0, n).join()),
      ran.join(),
    );
  }
});
