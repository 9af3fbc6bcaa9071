/**
 * `mirror` with a plain ftp:// side logs in while the CLI loads, as `sync`
 * does (cli/head_start.ts `startFtpSideHead`, taken by
 * endpoint/ftp/session.ts): the session made ahead is the endpoint's first
 * (one connection with `--connections 1`); of a far server (bench/wan_proxy.ts
 * in front of it) the pool opens the others as before, never more than
 * `--connections`; the result is the usual one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { countingServer } from "./counting_server.ts";
import { ftpSideHeadPlan } from "../../cli/head_start.ts";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startVsftpd } from "../peers/vsftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { startWanProxy } from "../../bench/wan_proxy.ts";

const env = (name: string) => (name === "PW" ? "pw" : undefined);

Deno.test("ftpSideHeadPlan: mirror with harmless flags, one plain ftp:// side, known credentials", () => {
  const url = "ftp://h:2121/pub";
  assert.deepEqual(
    ftpSideHeadPlan(
      [
        "mirror",
        "-q",
        "-P",
        "8",
        "--connections",
        "8",
        "-u",
        "bob",
        "--password-env",
        "PW",
        url,
        "./m",
      ],
      env,
    ),
    { url, user: "bob", password: "pw" },
  );
  // The other direction, the URL's credentials.
  assert.deepEqual(
    ftpSideHeadPlan(
      ["mirror", "--delete", "-x", "*.tmp", "--dry-run", "./m", "ftp://bob:pw@h/pub"],
      env,
    ),
    { url: "ftp://bob:pw@h/pub", user: "bob", password: "pw" },
  );
  const usual = [
    ["mirror", "-u", "bob", url, "./m"], // no password
    ["mirror", "--netrc", url, "./m"],
    ["mirror", "--tls", "require", "ftp://bob:pw@h/pub", "./m"],
    ["mirror", "--net-timeout", "5s", "ftp://bob:pw@h/pub", "./m"],
    ["mirror", "--queue", "redis://h", "ftp://bob:pw@h/pub", "./m"],
    ["mirror", "--connections=8", "ftp://bob:pw@h/pub", "./m"],
    ["mirror", "ftp://bob:pw@h/a", "ftp://bob:pw@h/b"], // two servers' worth
    ["mirror", "ftpes://bob:pw@h/pub", "./m"],
    ["mirror", "sftp://h/pub", "ftp://bob:pw@h/b"],
    ["mirror", "ftp://bob:pw@h/pub"],
    ["sync", "--delete", "./a", "ftp://bob:pw@h/b"], // a mirror flag, not sync's
    ["get", "ftp://bob:pw@h/a", "./a"],
  ];
  for (const args of usual) assert.equal(ftpSideHeadPlan(args, env), undefined, args.join(" "));
});

Deno.test("mirror from a far ftp:// server with a head start: the files, at most --connections sessions, every one used", async () => {
  const { srv, ep, counts, base } = await countingServer();
  const [hostname, port] = [base.split(":")[0], Number(base.split(":")[1])];
  const wan = startWanProxy({ target: { hostname, port }, delayMs: 50 });
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-mirrorhead-" });
  try {
    for (const name of ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]) {
      await ep.mkdir(join("pub", name, ".."), { parents: true });
      const w = await ep.write(`pub/${name}`);
      await ReadableStream.from([new TextEncoder().encode(`${name}\n`)]).pipeTo(w);
    }
    const url = `ftp://${wan.hostname}:${wan.port}/pub`;
    const args = ["mirror", "-v", "--connections", "3", "-u", "bob", "--password-env", "PW"];
    const run = await ferry([...args, url, join(dir, "m")], { env: { PW: "pw-5ecret" } });
    assert.equal(run.code, 0, run.stderr);
    for (const name of ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]) {
      assert.equal(await Deno.readTextFile(join(dir, "m", name)), `${name}\n`);
    }
    assert.ok(
      wan.stats.controlMaxOpen <= 3,
      // The server's counts tell a fourth connection made from one the proxy
      // still held open a round trip after the client had closed it.
      `${wan.stats.controlMaxOpen} sessions at once (server: ${counts.connects} connections, ` +
        `${counts.logins} logins)\n${run.stderr}`,
    );
    assert.ok(counts.connects <= 3, `${counts.connects} connections`);
    assert.equal(counts.logins, counts.connects, "every connection made was used");
  } finally {
    await wan.close();
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mirror from a near ftp:// server with a head start: one connection with --connections 1", async () => {
  const { srv, ep, counts, base } = await countingServer();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-mirrorhead-" });
  try {
    const w = await ep.write("pub/x.txt");
    await ReadableStream.from([new TextEncoder().encode("ahead\n")]).pipeTo(w);
    const run = await ferry(
      ["mirror", "-q", "--connections", "1", `ftp://bob:pw-5ecret@${base}/pub`, join(dir, "m")],
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(counts, { connects: 1, logins: 1 });
    assert.equal(await Deno.readTextFile(join(dir, "m", "x.txt")), "ahead\n");
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest(
  "vsftpd: mirror with the login written ahead (TYPE A + EPSV too), then the no-change run",
  ["vsftpd"],
  async () => {
    await using peer = await startVsftpd();
    const dir = await Deno.makeTempDir({ prefix: "ferry-cli-mirrorhead-vsftpd-" });
    try {
      await Deno.mkdir(join(peer.root, "b", "sub"), { recursive: true });
      await Deno.writeTextFile(join(peer.root, "b", "down.txt"), "from the server\n");
      await Deno.writeTextFile(join(peer.root, "b", "sub", "deep.txt"), "deeper\n");
      await chownForVsftpd(join(peer.root, "b"));
      const args = [
        "mirror",
        "--json",
        "--connections",
        "2",
        "-u",
        peer.user,
        "--password-env",
        "FERRY_TEST_PW",
        `ftp://${peer.host}:${peer.port}/b`,
        join(dir, "m"),
      ];
      const opts = { env: { FERRY_TEST_PW: peer.password } };
      const first = await ferry(args, opts);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await Deno.readTextFile(join(dir, "m", "down.txt")), "from the server\n");
      assert.equal(await Deno.readTextFile(join(dir, "m", "sub", "deep.txt")), "deeper\n");
      const again = await ferry(args, opts);
      assert.equal(again.code, 0, again.stderr);
      const report = JSON.parse(again.stdout);
      assert.equal(report.totals.filesTransferred, 0, again.stdout);
      assert.equal(report.totals.filesSkipped, 2, again.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
