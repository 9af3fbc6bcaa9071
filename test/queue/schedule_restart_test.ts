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

peerTest(
  "queue: a scheduled run caught by Redis restarting empty keeps its lock: the next ticks skip, no overlap",
  ["redis-server"],
  async () => {
    await using c = await Cluster.start();
    const log = join(c.dir, "ticks.log");
    await Deno.writeTextFile(
      join(c.dir, "slow.yaml"),
      `version: 1
name: slow
schedule: "* * * * * *"
plugins: [${JSON.stringify(PLUGIN)}]
jobs:
  count: { tick: { file: ${JSON.stringify(log)}, ms: 6000 } }
`,
    );
    const scheduler = c.ferry(["schedule", "--queue", c.redis.url, "slow.yaml"], {}, "schedule");
    await waitForText(log, (t) => t.includes("start "));
    c.redis.proc.kill("SIGKILL");
    await c.redis.proc.exit();
    await c.restartRedis();
    await scheduler.waitFor(/came back without its schedules/);
    // The run caught by the restart ends; ticks after the restore must have skipped.
    await waitForText(log, (t) => ends(t) >= 1, 60_000);
    await scheduler.waitFor(/slow: previous run still going; the tick at \S+ is skipped/);
    const lines = (await Deno.readTextFile(log)).split("\n").filter(Boolean);
    assert.equal(lines[0].split(" ")[0], "start");
    assert.equal(lines[1].split(" ")[0], "end", `two runs at once:\n${lines.join("\n")}`);
  },
);
