/**
 * `get`/`put` of a plain ftp:// URL log in while the CLI loads (cli/head_start.ts):
 * the session made ahead is the one used (one connection, one login), and what
 * a user sees is what the usual path shows, failures included.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { countingServer } from "./counting_server.ts";
import { headStartUrl, startHead } from "../../cli/head_start.ts";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";

Deno.test("headStartUrl: only get/put with harmless flags and a plain ftp:// URL", () => {
  const url = "ftp://u:pw@h/a.bin";
  assert.equal(headStartUrl(["get", url]), url);
  assert.equal(headStartUrl(["get", "-q", url, "out.bin", "-c"]), url);
  assert.equal(headStartUrl(["put", "a.bin", url, "--quiet", "--no-atomic"]), url);
  assert.equal(headStartUrl(["put", "--no-netrc", "a.bin", url]), url);
  assert.equal(headStartUrl(["put", "a.bin"]), undefined, "one positional");
  assert.equal(headStartUrl(["get", url, "a", "b"]), undefined, "three positionals");
  assert.equal(headStartUrl(["put", "-c", "a.bin", url]), undefined, "-c is get's");
  assert.equal(headStartUrl(["get", url, "--password-env", "PW"]), undefined);
  assert.equal(headStartUrl(["get", url, "--tls", "require"]), undefined);
  assert.equal(headStartUrl(["get", url, "-v"]), undefined, "logging must be set up first");
  assert.equal(headStartUrl(["get", "ftpes://u:pw@h/a"]), undefined, "TLS");
  assert.equal(headStartUrl(["get", "memory://x/a"]), undefined);
  assert.equal(headStartUrl(["-q", "get", url]), url, "a -q before the command changes nothing");
  assert.equal(headStartUrl(["-v", "get", url]), undefined);
  assert.equal(headStartUrl(["ls", url]), undefined);
});

Deno.test("get/put with the password in the URL: one connection, one login, the right bytes", async () => {
  const { srv, ep, counts, base } = await countingServer();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-head-" });
  try {
    await Deno.writeTextFile(join(dir, "up.txt"), "head start\n");
    const url = `ftp://bob:pw-5ecret@${base}/pub/up.txt`;
    const put = await ferry(["put", "-q", join(dir, "up.txt"), url]);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stderr, "");
    assert.deepEqual(counts, { connects: 1, logins: 1 });
    assert.equal((await ep.stat("pub/up.txt")).size, 11);

    const get = await ferry(["get", url, join(dir, "back.txt")]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stderr, /^get pub\/up\.txt: 11 B in /);
    assert.deepEqual(counts, { connects: 2, logins: 2 });
    assert.equal(await Deno.readTextFile(join(dir, "back.txt")), "head start\n");
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a head start fails as the usual path does: wrong password, missing local file", async () => {
  const { srv, counts, base } = await countingServer();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-head-" });
  try {
    // --net-timeout (any value) keeps the usual path: both must print the same.
    const usual = ["--net-timeout", "30s"];
    const bad = `ftp://bob:wrong@${base}/pub/x.txt`;
    const ahead = await ferry(["get", bad, join(dir, "x.txt")]);
    const after = await ferry(["get", bad, join(dir, "x.txt"), ...usual]);
    assert.equal(ahead.code, 1);
    assert.equal(after.code, 1);
    assert.equal(ahead.stderr, after.stderr);
    assert.doesNotMatch(ahead.stderr, /wrong/, "the password is masked");

    const good = `ftp://bob:pw-5ecret@${base}/pub/`;
    const missing = join(dir, "missing.txt");
    const put = await ferry(["put", missing, good]);
    const putUsual = await ferry(["put", missing, good, ...usual]);
    assert.equal(put.code, putUsual.code);
    assert.notEqual(put.code, 0);
    assert.equal(put.stderr, putUsual.stderr);
    assert.match(put.stderr, /missing\.txt: no such file/);
    assert.equal(counts.connects, 4);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startHead: taken once for its URL; one not taken is closed", async () => {
  const { srv, counts, base } = await countingServer();
  try {
    const url = `ftp://bob:pw-5ecret@${base}/pub/a.txt`;
    const head = startHead(url);
    await head.started;
    assert.equal(head.take(`ftp://bob:pw-5ecret@${base}/pub/b.txt`), undefined);
    const session = (await head.take(url))!;
    assert.equal(head.take(url), undefined);
    // ferry's own server is not one that takes a pipelined login: connected only.
    assert.equal(session.user, undefined);
    await session.client.login("bob", "pw-5ecret");
    assert.equal(await session.client.pwd(), "/");
    await session.client.quit();
    await head.dispose(); // taken: nothing to do

    const unused = startHead(url);
    await unused.dispose();
    assert.equal(unused.take(url), undefined);
    // The second connected (its welcome was read) and was closed unused.
    assert.deepEqual(counts, { connects: 2, logins: 1 });
  } finally {
    await srv.close();
  }
});

peerTest(
  "vsftpd: the login written ahead (USER+PASS+FEAT), get/put as the usual path; a wrong password alike",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-head-vsftpd-" });
    try {
      const base = `ftp://${peer.user}:${peer.password}@${peer.host}:${peer.port}`;
      await Deno.writeTextFile(join(dir, "up.txt"), "written ahead\n");
      const put = await ferry(["put", join(dir, "up.txt"), `${base}/up.txt`]);
      assert.equal(put.code, 0, put.stderr);
      assert.equal(await Deno.readTextFile(join(peer.root, "up.txt")), "written ahead\n");
      const get = await ferry(["get", "-q", `${base}/up.txt`, join(dir, "back.txt")]);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(await Deno.readTextFile(join(dir, "back.txt")), "written ahead\n");

      const bad = `ftp://${peer.user}:wrong@${peer.host}:${peer.port}/up.txt`;
      const ahead = await ferry(["get", bad, join(dir, "x.txt")]);
      const usual = await ferry(["get", bad, join(dir, "x.txt"), "--net-timeout", "30s"]);
      assert.equal(ahead.code, 1);
      assert.equal(ahead.stderr, usual.stderr);
      assert.match(ahead.stderr, /530/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("a head start to a closed port leaves the message to the usual path", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-head-" });
  try {
    const url = `ftp://u:pw@127.0.0.1:${port}/a.txt`;
    const ahead = await ferry(["get", url, join(dir, "a.txt")]);
    const usual = await ferry(["get", url, join(dir, "a.txt"), "--net-timeout", "30s"]);
    assert.equal(ahead.code, 1);
    assert.equal(ahead.stderr, usual.stderr);
    assert.match(ahead.stderr, /cannot connect to 127\.0\.0\.1:\d+/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
