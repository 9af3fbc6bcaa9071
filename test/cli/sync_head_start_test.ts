/**
 * `sync` with a plain ftp:// side logs in while the CLI loads
 * (cli/head_start.ts `startFtpSideHead`, taken by endpoint/ftp/session.ts): the
 * connection made ahead is the endpoint's first session (one connection with
 * `--connections 1`), the result is the usual one; a head start for other
 * credentials is closed unused (ftp/head_sessions.ts), never a session more.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { countingServer } from "./counting_server.ts";
import { startFtpSideHead, syncHeadPlan } from "../../cli/head_start.ts";
import { takeAhead } from "../../ftp/head_sessions.ts";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";

Deno.test("syncHeadPlan: sync with harmless flags, one plain ftp:// side and known credentials", () => {
  const env = (name: string) => (name === "PW" ? "pw" : undefined);
  const url = "ftp://h:2121/b";
  const plan = { url, user: "bob", password: "pw" };
  assert.deepEqual(
    syncHeadPlan(["sync", "-u", "bob", "--password-env", "PW", "./a", url], env),
    plan,
  );
  assert.deepEqual(
    syncHeadPlan(
      [
        "sync",
        "-q",
        "--parallel",
        "8",
        "--connections",
        "8",
        "--state-dir",
        "s",
        "./a",
        url,
        "-u",
        "bob",
        "--password-env",
        "PW",
      ],
      env,
    ),
    plan,
  );
  assert.deepEqual(syncHeadPlan(["sync", "./a", "ftp://bob:pw@h:2121/b"], env), {
    url: "ftp://bob:pw@h:2121/b",
    user: "bob",
    password: "pw",
  });
  assert.equal(syncHeadPlan(["sync", "./a", url], env), undefined, "no credentials");
  assert.equal(
    syncHeadPlan(["sync", "-u", "bob", "--password-env", "NONE", "./a", url], env),
    undefined,
  );
  assert.equal(
    syncHeadPlan(["sync", "-u", "bob", "--password-file", "f", "./a", url], env),
    undefined,
  );
  assert.equal(syncHeadPlan(["sync", "./a", "ftpes://bob:pw@h/b"], env), undefined, "TLS");
  assert.equal(syncHeadPlan(["sync", "ftp://bob:pw@h/a", "ftp://bob:pw@h/b"], env), undefined);
  assert.equal(syncHeadPlan(["sync", "sftp://h/a", "ftp://bob:pw@h/b"], env), undefined);
  assert.equal(
    syncHeadPlan(["sync", "--tls", "require", "./a", "ftp://bob:pw@h/b"], env),
    undefined,
  );
  assert.equal(syncHeadPlan(["mirror", "./a", "ftp://bob:pw@h/b"], env), undefined);
});

Deno.test("sync to ftp:// with a head start: one connection with --connections 1, the files carried", async () => {
  const { srv, ep, counts, base } = await countingServer();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-synchead-" });
  try {
    await Deno.mkdir(join(dir, "a"));
    await Deno.writeTextFile(join(dir, "a", "x.txt"), "ahead\n");
    const args = ["sync", "-q", "--connections", "1", "--state-dir", join(dir, "state")];
    const run = await ferry([...args, join(dir, "a"), `ftp://bob:pw-5ecret@${base}/pub`]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(counts, { connects: 1, logins: 1 });
    assert.equal((await ep.stat("pub/x.txt")).size, 6);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("takeAhead: another user's or password's connection is closed, not handed on", async () => {
  const { srv, counts, base } = await countingServer();
  try {
    const plan = syncHeadPlan(["sync", "./a", `ftp://bob:pw-5ecret@${base}/pub`])!;
    const head = startFtpSideHead(plan);
    const [host, port] = [base.split(":")[0], Number(base.split(":")[1])];
    assert.equal(await takeAhead({ host, port, user: "bob", password: "other" }), undefined);
    assert.equal(await takeAhead({ host, port, user: "bob", password: "pw-5ecret" }), undefined);
    await head.dispose(); // taken (and closed) already: nothing to do
    assert.deepEqual(counts, { connects: 1, logins: 0 });
  } finally {
    await srv.close();
  }
});

peerTest(
  "vsftpd: sync with the login written ahead (TYPE A + EPSV too), both ways",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd({ lockUploadFiles: false });
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-synchead-vsftpd-" });
    try {
      await Deno.mkdir(join(peer.root, "b"));
      await Deno.writeTextFile(join(peer.root, "b", "down.txt"), "from the server\n");
      await chownForVsftpd(join(peer.root, "b"));
      await Deno.mkdir(join(dir, "a"));
      await Deno.writeTextFile(join(dir, "a", "up.txt"), "from here\n");
      const run = await ferry(
        [
          "sync",
          "-q",
          "--connections",
          "2",
          "--state-dir",
          join(dir, "state"),
          "-u",
          peer.user,
          "--password-env",
          "FERRY_TEST_PW",
          join(dir, "a"),
          `ftp://${peer.host}:${peer.port}/b`,
        ],
        { env: { FERRY_TEST_PW: peer.password } },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await Deno.readTextFile(join(peer.root, "b", "up.txt")), "from here\n");
      assert.equal(await Deno.readTextFile(join(dir, "a", "down.txt")), "from the server\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
