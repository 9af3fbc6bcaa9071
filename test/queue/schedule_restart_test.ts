/**
 * `ferry schedule --queue` and a Redis restarted empty (no persistence): the
 * schedulers went with Redis's data; the scheduling process puts its
 * workflows' schedules back and the ticks go on, instead of an alive
 * process that never runs the workflow again.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { peerTest } from "../peers/skip.ts";
import { Cluster, waitForText } from "./harness.ts";

const PLUGIN = new URL("./fixtures/tick_plugin.ts", import.meta.url).pathname;

const ends = (text: string) => text.split("\n").filter((l) => l.startsWith("end ")).length;

peerTest(
  "queue: schedule --queue puts its schedules back when Redis comes back empty; ticks go on",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const log = join(c.dir, "ticks.log");
    await Deno.writeTextFile(
      join(c.dir, "every.yaml"),
      `version: 1
name: every
schedule: "* * * * * *"
plugins: [${JSON.stringify(PLUGIN)}]
jobs:
  count: { tick: { file: ${JSON.stringify(log)}, ms: 10 } }
`,
    );
    const scheduler = c.ferry(["schedule", "--queue", c.redis.url, "every.yaml"], {}, "schedule");
    await waitForText(log, (t) => ends(t) >= 1);
    c.redis.proc.kill("SIGKILL");
    await c.redis.proc.exit();
    const before = ends(await Deno.readTextFile(log));
    await c.restartRedis();
    // Ticks again (a run caught by the restart may still end: two more ends are new ticks).
    await waitForText(log, (t) => ends(t) >= before + 2, 30_000);
    assert.match(
      scheduler.text,
      new RegExp(
        `the queue at redis://127\\.0\\.0\\.1:${c.redis.port}/0 came back without its schedules`,
      ),
    );
    assert(!scheduler.exited, scheduler.tail());
  },
);
