/**
 * A dry run writes nothing on a server: `timeShift: auto` with nothing
 * remembered is not measured there (its probe is a file) but planned with 0,
 * while a real run of the same workflow measures and remembers it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TimeShiftStore } from "../../endpoint/ftp/time_sync.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { coreRegistry } from "./helpers.ts";

const KOLKATA = 19_800;

peerTest("workflow: a dry run writes no time shift probe; a real run does", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata", mlsd: false });
  await Deno.writeTextFile(join(peer.root, "f.txt"), "remote");
  const dir = await Deno.makeTempDir({ prefix: "ferry-dry-probe-" });
  try {
    const source = `version: 1
state: ${join(dir, "state")}
endpoints:
  origin:
    url: ftp://${peer.host}:${peer.port}/
    auth: { method: password, user: ${peer.user}, passwordEnv: PW }
    timeShift: auto
  here: { url: ${join(dir, "out")} }
jobs:
  pull: { mirror: { from: origin:/, to: here:/ } }
`;
    const env = (name: string) => name === "PW" ? peer.password : undefined;
    const load = () =>
      loadWorkflow(join(dir, "flow.yaml"), { registry: coreRegistry(), env, source });
    const probes = () => (peer.log().match(/_ferry_sync_\w+/g) ?? []).length;
    const key = `ftp://${peer.user}@${peer.host}:${peer.port} LIST`;
    const store = TimeShiftStore.inStateDir(join(dir, "state"));

    const dry = await runWorkflow(await load(), { dryRun: true, interactive: false, env });
    assert.equal(dry.status, "ok", JSON.stringify(dry.jobs));
    assert.equal(probes(), 0, "the dry run wrote a probe");
    assert.equal(await store.get(key, Number.POSITIVE_INFINITY), undefined);
    await assert.rejects(Deno.stat(join(dir, "out", "f.txt")), Deno.errors.NotFound);

    const real = await runWorkflow(await load(), { interactive: false, env });
    assert.equal(real.status, "ok", JSON.stringify(real.jobs));
    assert.ok(probes() > 0, "the real run measured");
    assert.equal(await store.get(key, Number.POSITIVE_INFINITY), KOLKATA);
    assert.equal(await Deno.readTextFile(join(dir, "out", "f.txt")), "remote");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
