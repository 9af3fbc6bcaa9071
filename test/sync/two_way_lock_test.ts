/**
 * Two syncs of one pair at once (found from the outside, session 18: two
 * `ferry sync ./local ftp://...` started a second apart both planned from the
 * same state, wrote the same partial files and failed with "cannot resume
 * .f5...ferry.part at offset ...: the partial data has ... bytes" and "no such
 * file or directory: local/.f7....ferry.part"): the second is refused while
 * the first runs, with a typed error that names the pair and the holder, and
 * runs once the first is done. A state file that is not a database says which
 * file it is.
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { executePlan, type PlanExecutor } from "../../sync/execute.ts";
import { StateError, StateStore, SyncLockedError } from "../../sync/state.ts";
import { sync } from "../../sync/two_way.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { tempLocal } from "./helpers.ts";

const fast = { retry: { baseDelayMs: 0 } };

peerTest(
  "sync/ftp vsftpd: a second sync of the same pair is refused while the first runs",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    await using local = await tempLocal();
    const dir = await Deno.makeTempDir({ prefix: "ferry-lock-" });
    const ftp = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
      credentials: { user: peer.user, password: peer.password },
    });
    try {
      await Deno.writeTextFile(`${local.root}/a.txt`, "from a");
      const statePath = `${dir}/state.db`;
      // The first run holds inside its transfers until released.
      let entered!: () => void;
      const inside = new Promise<void>((r) => entered = r);
      let release!: () => void;
      const held = new Promise<void>((r) => release = r);
      const holding: PlanExecutor = async (...args) => {
        entered();
        await held;
        return await executePlan(...args);
      };
      const first = sync(local, "", ftp, "", { ...fast, statePath, executor: holding });
      await inside;
      // A second process would open the same state file on its own.
      const second = await sync(local, "", ftp, "", { ...fast, statePath }).then(
        (report) => ({ report, error: undefined }),
        (error: unknown) => ({ report: undefined, error }),
      );
      release();
      const done = await first;
      assert.equal(done.ok, true, JSON.stringify(done.errors));
      assert.ok(
        second.error instanceof SyncLockedError,
        `the second sync ran: ${JSON.stringify(second.report?.files ?? second.error)}`,
      );
      assert.equal(second.error.code, "ELOCKED");
      assert.match(second.error.message, /already running/);
      assert.match(second.error.message, new RegExp(`pid ${Deno.pid}`));
      assert.match(second.error.message, /127\.0\.0\.1/);
      // Once the first is done the pair is free again.
      const after = await sync(local, "", ftp, "", { ...fast, statePath });
      assert.equal(after.ok, true, JSON.stringify(after.errors));
      assert.equal(after.files.transferred, 0);
    } finally {
      await ftp.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("StateStore: a state file that is not a database names itself", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-state-" });
  try {
    const path = `${dir}/state.db`;
    await Deno.writeTextFile(path, "garbage garbage garbage");
    assert.throws(() => StateStore.open(path), (e: unknown) => {
      assert.ok(e instanceof StateError, String(e));
      assert.equal(e.code, "ESTATE");
      assert.ok(e.message.includes(path), e.message);
      assert.match(e.message, /file is not a database/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
