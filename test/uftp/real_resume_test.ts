/**
 * Resumes against the REAL UFTPD, which answers every SIZE with 500, truncates
 * on a STOR without RANG, and stores the torn last block of a cut multi-stream
 * upload. Each test failed before transfers were verified: a cut upload ended
 * `ok` with a file of the wrong size (single stream) or the right size and
 * wrong bytes (four streams), and a re-run emptied a complete partial.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { LocalEndpoint, mirror } from "../../mod.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { loadWorkflowObject } from "../../workflow/load.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { defaultRegistry } from "../../workflow/builtins.ts";
import { peerTest } from "../peers/skip.ts";
import { type RealUftpSite, startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { routeLogs } from "../../util/log.ts";

const MIB = 1024 * 1024;
const needs = ["uftpd", "openssl"] as const;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Random bytes (so a misplaced range can never look right). */
function randomFile(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

/** Names in the served data directory that are ferry partials. */
function partials(site: RealUftpSite): string[] {
  return [...Deno.readDirSync(`${site.root}/data`)].map((e) => e.name)
    .filter((n) => n.endsWith(".part"));
}

/** A workflow that mirrors `local` up to the site's data directory. */
async function mirrorUpWorkflow(site: RealUftpSite, local: string, streams: number) {
  await Deno.writeTextFile(`${local}/ca.pem`, site.ca);
  const wf = await loadWorkflowObject({
    version: 1,
    endpoints: {
      site: {
        url: site.dataUrl,
        auth: { method: "password", user: site.user, passwordEnv: "UFTP_PW" },
        tls: { ca: "ca.pem" },
        options: { streams },
      },
      here: { url: "./up" },
    },
    jobs: { push: { mirror: { from: "here:/", to: "site:/" } } },
  }, { registry: await defaultRegistry(), baseDir: local });
  return await runWorkflow(wf, {
    env: (n) => n === "UFTP_PW" ? site.password : Deno.env.get(n),
    interactive: false,
  });
}

async function cutUpload(streams: number, cutAfter: number): Promise<void> {
  await using site = await startRealUftpd({ proxy: { afterBytes: cutAfter } });
  const local = await Deno.makeTempDir({ prefix: "ferry-realresume-" });
  try {
    const content = randomFile(64 * MIB);
    await Deno.mkdir(`${local}/up`);
    await Deno.writeFile(`${local}/up/big.bin`, content);
    const report = await mirrorUpWorkflow(site, local, streams);
    const job = report.jobs[0];
    assert.equal(job.status, "ok", JSON.stringify(job));
    assert.ok(site.proxy!.cutDone(), "the data connection was cut");
    const served = await Deno.readFile(`${site.root}/data/big.bin`);
    assert.equal(served.length, content.length);
    assert.equal(sha256(served), sha256(content), "byte-identical on the server");
    assert.deepEqual(partials(site), []);
    assert.match(JSON.stringify(job.details), /"resumed":1/);
  } finally {
    await Deno.remove(local, { recursive: true });
  }
}

peerTest("real uftpd: a workflow upload cut once at 16 of 64 MiB resumes to the same bytes", [
  ...needs,
], () => cutUpload(1, 16 * MIB));

peerTest("real uftpd: a 4-stream upload cut once (one stream at 4 MiB) resumes to the same bytes", [
  ...needs,
], () => cutUpload(4, 4 * MIB));

/** Opens the site's data directory as an endpoint. */
async function open(site: RealUftpSite, streams = 1): Promise<UftpEndpoint> {
  return await UftpEndpoint.open(site.dataUrl, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
    timeout: 10,
    options: { streams },
  });
}

/** Puts a ferry partial into the served directory, newer than the source (so it is resumed). */
async function plantPartial(site: RealUftpSite, name: string, bytes: Uint8Array): Promise<void> {
  const path = `${site.root}/data/.${name}.ferry.part`;
  await Deno.writeFile(path, bytes);
  await chownForVsftpd(path);
}

peerTest("real uftpd: a complete partial left by a failed rename is finished, not emptied", [
  ...needs,
], async () => {
  await using site = await startRealUftpd();
  const local = await Deno.makeTempDir({ prefix: "ferry-realresume-" });
  const remote = await open(site);
  try {
    const content = randomFile(300_000);
    await Deno.writeFile(`${local}/f.bin`, content);
    await Deno.utime(
      `${local}/f.bin`,
      new Date(Date.now() - 3_600_000),
      new Date(Date.now() - 3_600_000),
    );
    await plantPartial(site, "f.bin", content);
    const r = await mirror(new LocalEndpoint(local), "", remote, "", {});
    assert.ok(r.ok, JSON.stringify(r.errors));
    assert.equal(r.resumed, 1);
    const served = await Deno.readFile(`${site.root}/data/f.bin`);
    assert.equal(served.length, content.length, "not emptied by a truncating STOR");
    assert.equal(sha256(served), sha256(content));
  } finally {
    await remote.close();
    await Deno.remove(local, { recursive: true });
  }
});

peerTest(
  "real uftpd: with checksum, a partial holding wrong bytes is caught by HASH and sent again",
  [
    ...needs,
  ],
  async () => {
    await using site = await startRealUftpd();
    const local = await Deno.makeTempDir({ prefix: "ferry-realresume-" });
    const remote = await open(site);
    try {
      const content = randomFile(300_000);
      await Deno.writeFile(`${local}/f.bin`, content);
      await Deno.utime(
        `${local}/f.bin`,
        new Date(Date.now() - 3_600_000),
        new Date(Date.now() - 3_600_000),
      );
      // The right size for a resume, the wrong bytes: only a hash can tell.
      await plantPartial(site, "f.bin", randomFile(100_000));
      const r = await mirror(new LocalEndpoint(local), "", remote, "", {
        compare: "checksum",
        retry: { baseDelayMs: 10 },
      });
      assert.ok(r.ok, JSON.stringify(r.errors));
      assert.equal(r.retries, 1, "the hash mismatch started it over once");
      const served = await Deno.readFile(`${site.root}/data/f.bin`);
      assert.equal(sha256(served), sha256(content));
      assert.deepEqual(partials(site), []);
    } finally {
      await remote.close();
      await Deno.remove(local, { recursive: true });
    }
  },
);

peerTest(
  "real uftpd: a spaced upload cut in one run is resumed by the next at the size the UFTPD reports, checked by its HASH, its mtime kept",
  [...needs],
  async () => {
    await using site = await startRealUftpd({ proxy: { afterBytes: 5 * MIB } });
    const local = await Deno.makeTempDir({ prefix: "ferry-realresume-" });
    const name = "big file.bin";
    const when = new Date("2024-02-03T04:05:06Z");
    const content = randomFile(16 * MIB);
    await Deno.writeFile(`${local}/${name}`, content);
    await Deno.utime(`${local}/${name}`, when, when);
    const partial = `${site.root}/data/.${name}.ferry.part`;
    {
      const remote = await open(site);
      try {
        const r = await mirror(new LocalEndpoint(local), "", remote, "", { retry: { retries: 0 } });
        assert.ok(!r.ok, "the cut run fails (no retries)");
        assert.ok(site.proxy!.cutDone(), "the data connection was cut");
      } finally {
        await remote.close();
      }
    }
    const kept = (await Deno.stat(partial)).size;
    assert.ok(kept > 0 && kept < content.length, `partial of ${kept} bytes`);
    assert.equal(sha256(await Deno.readFile(partial)), sha256(content.subarray(0, kept)));
    // The next run: its RANG starts where the UFTPD's MLST says the partial ends.
    const sent: string[] = [];
    routeLogs({
      enabled: (c, level) => level === "debug" && c.includes("control"),
      write: (r) => r.rawMessage === "> {line}" && sent.push(String(r.properties.line)),
    });
    const remote = await open(site);
    try {
      const r = await mirror(new LocalEndpoint(local), "", remote, "", {});
      assert.ok(r.ok, JSON.stringify(r.errors));
      assert.equal(r.resumed, 1);
      assert.equal(r.bytes.transferred, content.length - kept, "only the rest was sent");
    } finally {
      routeLogs(undefined);
      await remote.close();
    }
    const ranges = sent.filter((l) => /^RANG \d+ /.test(l)).map((l) => Number(l.split(" ")[1]));
    assert.deepEqual(ranges.filter((n) => n > 0), [kept], sent.join("\n"));
    assert.ok(sent.some((l) => /^HASH /.test(l)), "a resume is checked by the UFTPD's HASH");
    const served = await Deno.readFile(`${site.root}/data/${name}`);
    assert.equal(served.length, content.length);
    assert.equal(sha256(served), sha256(content));
    assert.equal(
      (await Deno.stat(`${site.root}/data/${name}`)).mtime?.toISOString(),
      when.toISOString(),
    );
    assert.deepEqual(partials(site), []);
    assert.deepEqual([...Deno.readDirSync(`${site.root}/data`)].map((e) => e.name), [name]);
  },
);
