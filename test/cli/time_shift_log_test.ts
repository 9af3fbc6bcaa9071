/**
 * `timeShift: auto` / `--time-shift auto` as a user reads it: a probe the
 * server refuses is reported with the server's reply (warning of `ls`, error
 * of `ferry time-shift`), and the shifts are logged as `LIST +05:30, MLSD
 * +05:30`, not as JSON seconds.
 */
import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { ferry } from "./helpers.ts";

const env = { PW: "pw" };

Deno.test("a refused time-shift probe is reported with the server's reply", async () => {
  const authorizer = new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elr" });
  const ep = new MemoryEndpoint();
  await ep.mkdir("pub");
  const srv = await startFtpServer({ endpoint: ep, authorizer, port: 0 });
  try {
    const url = `ftp://bob@127.0.0.1:${srv.port}/pub`;
    const ls = await ferry(["ls", url, "--password-env", "PW", "--time-shift", "auto"], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, /cannot measure the time shift of ftp:\/\/bob@127\.0\.0\.1:\d+/);
    assert.match(
      ls.stderr,
      /_ferry_sync_\w+ \(is the directory writable\?\): server replied 550 Not enough privileges/,
    );
    assert.match(ls.stderr, /using LIST \+00:00/);
    assert.doesNotMatch(ls.stderr, /using \{/);
    const measure = await ferry(["time-shift", url, "--password-env", "PW"], { env });
    assert.equal(measure.code, 1, measure.stderr);
    assert.match(
      measure.stderr,
      /_ferry_sync_\w+ \(is the directory writable\?\): server replied 550 Not enough privileges/,
    );
  } finally {
    await srv.close();
  }
});

peerTest("measured time shifts are logged as LIST +05:30, MLSD +05:30", ["pyftpdlib"], async () => {
  // pyftpdlib without GMT times lists MLSD in local time too (against RFC 3659).
  await using peer = await startPyftpdlib({ useGmtTimes: false, tz: "Asia/Kolkata" });
  const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
  const dir = await Deno.makeTempDir({ prefix: "ferry-shift-" });
  try {
    const ls = await ferry(["ls", "-v", url, "--password-env", "PW", "--time-shift", "auto"], {
      env: { PW: peer.password },
      cwd: dir,
    });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, /time shift of ftp:\S+ measured: LIST \+05:30, MLSD \+05:30/);
    assert.match(ls.stderr, /MLSD times of ftp:\S+ are local time \(MLSD \+05:30\)/);
    assert.doesNotMatch(ls.stderr, /19800|"list"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
