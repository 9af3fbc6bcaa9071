import assert from "node:assert/strict";
import { relaunchPlan, SERVE_V8_FLAGS } from "./relaunch.ts";

const here = { os: "linux", ffi: true, cli: true };

Deno.test("relaunchPlan: adds the serving settings once, keeps the user's, skips where it cannot", () => {
  const ours = { DENO_V8_FLAGS: SERVE_V8_FLAGS.join(","), MALLOC_MMAP_THRESHOLD_: "65536" };
  assert.deepEqual(relaunchPlan({ PATH: "/bin" }, here), { env: { PATH: "/bin", ...ours } });
  // The user's other flags stay, ours are appended (those the user named are not).
  assert.deepEqual(relaunchPlan({ DENO_V8_FLAGS: "--expose-gc" }, here), {
    env: { ...ours, DENO_V8_FLAGS: "--expose-gc,--max-semi-space-size=2" },
  });
  // The restarted process does not restart; a user's own value of either wins.
  assert.ok("skip" in relaunchPlan(ours, here));
  assert.ok(
    "skip" in
      relaunchPlan(
        { DENO_V8_FLAGS: "--foo --max-semi-space-size=8 --expose-gc", MALLOC_MMAP_THRESHOLD_: "1" },
        here,
      ),
  );
  assert.deepEqual(
    relaunchPlan({ DENO_V8_FLAGS: "--max-semi-space-size=8", MALLOC_MMAP_THRESHOLD_: "1" }, here),
    { env: { DENO_V8_FLAGS: "--max-semi-space-size=8,--expose-gc", MALLOC_MMAP_THRESHOLD_: "1" } },
  );
  assert.deepEqual(relaunchPlan({ MALLOC_MMAP_THRESHOLD_: "131072" }, here), {
    env: { ...ours, MALLOC_MMAP_THRESHOLD_: "131072" },
  });
  // FERRY_SERVE_V8_FLAGS replaces the flags (empty: none); FERRY_SERVE_RESTART=0: no restart.
  assert.deepEqual(relaunchPlan({ FERRY_SERVE_V8_FLAGS: "" }, here), {
    env: { FERRY_SERVE_V8_FLAGS: "", MALLOC_MMAP_THRESHOLD_: "65536" },
  });
  assert.deepEqual(relaunchPlan({ FERRY_SERVE_V8_FLAGS: "--max-semi-space-size=4, --x" }, here), {
    env: {
      ...ours,
      FERRY_SERVE_V8_FLAGS: "--max-semi-space-size=4, --x",
      DENO_V8_FLAGS: "--max-semi-space-size=4,--x",
    },
  });
  assert.ok("skip" in relaunchPlan({ FERRY_SERVE_RESTART: "0" }, here));
  assert.ok("skip" in relaunchPlan({}, { ...here, cli: false }), "library users, tests");
  assert.ok("skip" in relaunchPlan({}, { ...here, os: "darwin" }));
  assert.ok("skip" in relaunchPlan({}, { ...here, ffi: false }));
});

/** `ferry serve` as a child; the environment its process ends up with once it listens. */
async function servedEnv(env: Record<string, string>): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", "--no-check", new URL("../../cli/main.ts", import.meta.url).pathname],
      ...["serve", "-i", "127.0.0.1", "-p", "0", dir],
    ],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("ferry serve: ftp://")) {
      const { done, value } = await out.read();
      if (done) throw new Error(`ferry serve ended before listening:\n${text}`);
      text += value;
    }
    // Same pid after the restart: the environment is the restarted process's.
    const environ = (await Deno.readTextFile(`/proc/${child.pid}/environ`)).split("\0");
    child.kill("SIGTERM");
    await out.cancel();
    return environ;
  } finally {
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "ferry serve (CLI child) restarts itself with its settings, not when told not to",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const flags = `DENO_V8_FLAGS=${SERVE_V8_FLAGS.join(",")}`;
    const env = await servedEnv({});
    assert.ok(env.includes(flags), env.join(" "));
    assert.ok(env.includes("MALLOC_MMAP_THRESHOLD_=65536"));
    const off = await servedEnv({ FERRY_SERVE_RESTART: "0" });
    assert.ok(!off.some((e) => e.startsWith("DENO_V8_FLAGS=") || e.startsWith("MALLOC_MMAP")));
  },
});
