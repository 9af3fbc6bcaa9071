import assert from "node:assert/strict";
import { hasPeer, missingReason } from "./skip.ts";

const fixture = new URL("./testdata/skip_fixture.ts", import.meta.url).pathname;

/** Runs the fixture as its own test process with curl hidden (empty PATH). */
async function runFixture(env: Record<string, string>): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", fixture],
    env: { PATH: "", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return text.decode(out.stdout) + text.decode(out.stderr);
}

Deno.test("peerTest: a missing peer registers an ignored test named with the reason", async () => {
  const out = await runFixture({ FERRY_REQUIRE_PEERS: "0" });
  assert.match(out, /needs curl \(skipped: curl not installed\) \.\.\. ignored/);
  if (missingReason("python3") === null) assert.match(out, /needs python3 \.\.\. ok/);
  assert.match(out, /0 failed/);
});

Deno.test("peerTest: FERRY_REQUIRE_PEERS=1 turns a missing peer into a failure", async () => {
  const out = await runFixture({ FERRY_REQUIRE_PEERS: "1" });
  assert.match(out, /needs curl \.\.\. FAILED/);
  assert.match(out, /required peer missing: curl/);
});

Deno.test("hasPeer agrees with missingReason", async () => {
  for (
    const peer of [
      "curl",
      "lftp",
      "vsftpd",
      "proftpd",
      "pureftpd",
      "uftpd",
      "pyftpdlib",
      "ftputil",
      "python3",
    ] as const
  ) {
    assert.equal(await hasPeer(peer), missingReason(peer) === null, peer);
  }
});
