/**
 * A dry run of the README's workflow: a `walk` of the folder its `mirror`
 * would create plans nothing and says why (the folder does not exist yet), and
 * runs as usual once a real run made it; a walk of a folder no earlier job
 * writes still fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadWorkflow } from "../../workflow/load.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { coreRegistry } from "./helpers.ts";

async function tree(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "src", "releases"), { recursive: true });
  await Deno.writeTextFile(join(dir, "src", "releases", "a.txt"), "alpha");
}

Deno.test("workflow: a dry run's walk of what its mirror would create plans nothing and says why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-dry-targets-" });
  try {
    await tree(dir);
    const source = `version: 1
name: nightly
state: ${join(dir, "state")}
endpoints:
  origin: { url: ${join(dir, "src")} }
  here: { url: ${join(dir, "mirror")} }
jobs:
  pull: { mirror: { from: origin:/releases, to: here:/releases, delete: true } }
  report: { needs: [pull], walk: { at: here:/releases, output: listing.json, totals: true } }
  typo: { needs: [pull], walk: { at: here:/relaeses } }
`;
    const load = () =>
      loadWorkflow(join(dir, "nightly.yaml"), { registry: coreRegistry(), source });
    const dry = await runWorkflow(await load(), {
      dryRun: true,
      interactive: false,
      jobs: ["report"],
    });
    assert.equal(dry.status, "ok", JSON.stringify(dry.jobs));
    const report = dry.jobs.find((j) => j.job === "report")!;
    assert.equal(report.reason, "here:/releases does not exist yet: pull would create it");
    assert.equal(report.counts.filesTransferred, 0);
    await assert.rejects(Deno.stat(join(dir, "mirror")), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(join(dir, "listing.json")), Deno.errors.NotFound);

    // A path no earlier job writes is a mistake, dry run or not.
    const typo = await runWorkflow(await load(), {
      dryRun: true,
      interactive: false,
      jobs: ["typo"],
    });
    assert.equal(typo.status, "failed");
    assert.match(typo.jobs.find((j) => j.job === "typo")!.errors.join("\n"), /does not exist/);

    const real = await runWorkflow(await load(), { interactive: false, jobs: ["report"] });
    assert.equal(real.status, "ok", JSON.stringify(real.jobs));
    const again = await runWorkflow(await load(), {
      dryRun: true,
      interactive: false,
      jobs: ["report"],
    });
    const walked = again.jobs.find((j) => j.job === "report")!;
    assert.equal(walked.reason, undefined);
    assert.deepEqual((walked.details as { totals: { files: number } }).totals.files, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("workflow: vsftpd: a dry run's walk of a server folder its mirror would create", [
  "vsftpd",
], async () => {
  await using peer = await startVsftpd();
  const dir = await Deno.makeTempDir({ prefix: "ferry-dry-targets-" });
  try {
    await tree(dir);
    const source = `version: 1
state: ${join(dir, "state")}
endpoints:
  here: { url: ${join(dir, "src")} }
  server:
    url: ftp://${peer.host}:${peer.port}/
    auth: { method: password, user: ${peer.user}, passwordEnv: PW }
jobs:
  push: { mirror: { from: here:/releases, to: server:/up/releases } }
  check: { needs: [push], walk: { at: server:/up/releases/ } }
`;
    const env = (name: string) => name === "PW" ? peer.password : undefined;
    const load = () =>
      loadWorkflow(join(dir, "flow.yaml"), { registry: coreRegistry(), env, source });
    const dry = await runWorkflow(await load(), { dryRun: true, interactive: false, env });
    assert.equal(dry.status, "ok", JSON.stringify(dry.jobs));
    assert.equal(
      dry.jobs.find((j) => j.job === "check")!.reason,
      "server:/up/releases/ does not exist yet: push would create it",
    );
    await assert.rejects(Deno.stat(join(peer.root, "up")), Deno.errors.NotFound);

    const real = await runWorkflow(await load(), { interactive: false, env });
    assert.equal(real.status, "ok", JSON.stringify(real.jobs));
    const check = real.jobs.find((j) => j.job === "check")!;
    assert.equal(check.reason, undefined);
    assert.equal((check.details as { totals: { files: number } }).totals.files, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
