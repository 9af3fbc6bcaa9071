import assert from "node:assert/strict";
import { relaunchPlan, SERVE_V8_FLAGS } from "./relaunch.ts";

const here = { os: "linux", ffi: true, cli: true };

Deno.test("relaunchPlan: adds the serving flags once, keeps the user's, skips where it cannot", () => {
  assert.deepEqual(relaunchPlan({ PATH: "/bin" }, here), {
    env: { PATH: "/bin", DENO_V8_FLAGS: SERVE_V8_FLAGS.join(",") },
  });
  // The user's other flags stay, ours are appended.
  assert.deepEqual(relaunchPlan({ DENO_V8_FLAGS: "--expose-gc" }, here), {
    env: { DENO_V8_FLAGS: "--expose-gc,--max-semi-space-size=2" },
  });
  // The restarted process (and a user who set the flag to anything) does not restart.
  assert.ok("skip" in relaunchPlan({ DENO_V8_FLAGS: "--max-semi-space-size=2" }, here));
  assert.ok("skip" in relaunchPlan({ DENO_V8_FLAGS: "--foo --max-semi-space-size=8" }, here));
  // FERRY_SERVE_V8_FLAGS replaces the flags; empty turns the restart off.
  assert.ok("skip" in relaunchPlan({ FERRY_SERVE_V8_FLAGS: "" }, here));
  assert.deepEqual(relaunchPlan({ FERRY_SERVE_V8_FLAGS: "--max-semi-space-size=2, --x" }, here), {
    env: {
      FERRY_SERVE_V8_FLAGS: "--max-semi-space-size=2, --x",
      DENO_V8_FLAGS: "--max-semi-space-size=2,--x",
    },
  });
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
  name: "ferry serve (CLI child) restarts itself with DENO_V8_FLAGS, not when told not to",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const flags = `DENO_V8_FLAGS=${SERVE_V8_FLAGS.join(",")}`;
    assert.ok((await servedEnv({})).includes(flags));
    assert.ok(!(await servedEnv({ FERRY_SERVE_V8_FLAGS: "" })).some((e) => e.startsWith(flags)));
  },
});
