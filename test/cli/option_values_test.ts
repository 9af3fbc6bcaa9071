/**
 * `--net-timeout` and `--time-shift` values are checked when the command line
 * is read, by every command that takes them, whatever its endpoints: exit 2
 * naming the option and the value. Before: `ls/get/put/time-shift
 * --net-timeout abc` said `ferry: not a duration: "abc"` (exit 1, no option
 * named); `--net-timeout 0` was taken (every connection then timed out at
 * once, and a mirror retried that); `mirror --time-shift abc` or `+25:00`
 * between local paths was taken silently (exit 0), and over FTP `+25:00`
 * failed the run (exit 1). --retry-delay, --timeout, --min-size, --max-size and
 * --max-delete are checked the same way (they were told as the generated
 * workflow's keys: `ferry mirror:1:1: jobs.mirror.timeout: ...`; `--timeout 0` taken).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

Deno.test("bad --net-timeout and --time-shift values: exit 2 naming the option", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-option-values-" });
  try {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src", "a.txt"), "a");
    const closed = "ftp://127.0.0.1:1/x";
    const cases: [string[], RegExp][] = [
      [["ls", closed, "--net-timeout", "abc"], /--net-timeout.*'abc'.*expected a duration/],
      [["get", `${closed}/a`, join(dir, "g"), "--net-timeout", "x"], /--net-timeout/],
      [["time-shift", closed, "--net-timeout", "abc"], /--net-timeout/],
      [["mirror", "src", "dst", "--net-timeout", "0"], /--net-timeout.*'0'.*above 0/],
      [["ls", closed, "--net-timeout", "0s"], /--net-timeout.*above 0/],
      [["mirror", "src", "dst", "--time-shift", "abc"], /--time-shift.*invalid time shift "abc"/],
      [["mirror", "src", "dst", "--time-shift", "+25:00"], /--time-shift.*more than 24 hours/],
      [["mirror", "src", closed, "--time-shift", "+25:00"], /--time-shift.*more than 24 hours/],
      [["walk", "src", "--time-shift", "x"], /--time-shift/],
      // Told as the generated workflow's keys before ("ferry mirror:1:1: jobs.mirror.timeout").
      [["mirror", "src", "dst", "--retry-delay", "xyz"], /--retry-delay.*'xyz'.*duration/],
      [["mirror", "src", "dst", "--timeout", "-5s"], /--timeout.*'-5s'/],
      [["sync", "src", "dst", "--timeout", "abc"], /--timeout.*'abc'/],
      [["mirror", "src", "dst", "--min-size", "abc"], /--min-size.*'abc'.*expected a size/],
      [["walk", "src", "--max-size", "-1"], /--max-size.*'-1'/],
      [["mirror", "src", "dst", "--max-delete", "abc"], /--max-delete.*'abc'/],
      // Taken before: a limit above all the target's files is no limit.
      [["mirror", "src", "dst", "--max-delete", "150%"], /--max-delete.*'150%'.*at most 100%/],
      [["sync", "src", "dst", "--max-delete", "100.5%"], /--max-delete.*'100.5%'/],
      [["mirror", "src", "dst", "--max-delete", "-5%"], /--max-delete.*'-5%'/],
      [["mirror", "src", "dst", "--max-delete", "-1"], /--max-delete.*'-1'/],
    ];
    for (const [args, why] of cases) {
      const run = await ferry(args, { cwd: dir });
      const what = `ferry ${args.join(" ")}:\n${run.stdout}${run.stderr}`;
      assert.equal(run.code, 2, what);
      assert.match(run.stderr, why, what);
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["src"], "nothing copied");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workflow validate: maxDelete over 100% is refused at file:line:col", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-option-values-" });
  try {
    const file = join(dir, "w.yaml");
    for (const bad of ["150%", "-5%", "lots", "-1"]) {
      await Deno.writeTextFile(
        file,
        `version: 1
endpoints:
  here: { url: ./ }
jobs:
  m: { mirror: { from: here:/src, to: here:/dst, delete: true, maxDelete: ${bad} } }
`,
      );
      const run = await ferry(["validate", file], { cwd: dir });
      const what = `maxDelete ${bad}:\n${run.stdout}${run.stderr}`;
      assert.equal(run.code, 2, what);
      assert.match(run.stdout + run.stderr, /w\.yaml:5:75: jobs\.m\.mirror\.maxDelete: /, what);
    }
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("-1", "100%"));
    const ok = await ferry(["validate", file], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
