import assert from "node:assert/strict";
import { parseUrl, urlProblem } from "./url_problem.ts";

Deno.test("urlProblem names why a URL does not parse", () => {
  assert.equal(urlProblem("ftp://127.0.0.1:70000/x"), "port 70000 is out of range (0-65535)");
  assert.equal(urlProblem("ftp://h:abc/x"), 'port "abc" is not a number');
  assert.equal(urlProblem("ftp://::1/x"), "an IPv6 address goes in brackets: ftp://[::1]/x");
  assert.equal(
    urlProblem("ftp://bob:secret@fe80::1:21/x"),
    "an IPv6 address goes in brackets: ftp://bob:****@[fe80::1:21]/x",
  );
  assert.equal(urlProblem("ftp://"), "no host");
  assert.equal(urlProblem("nonsense"), "not a URL");
  assert.equal(parseUrl("ftp://[::1]:21/x").hostname, "[::1]");
  assert.throws(() => parseUrl("ftp://u:pw@h:99999/"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "EINVAL");
    assert.doesNotMatch(e.message, /pw@/);
    return /invalid URL .*port 99999 is out of range/.test(e.message);
  });
});

Deno.test("a password holding '/' or '#' is never part of the reason or the URL shown", () => {
  const secret = "worker-only-pw-0xbad/#x";
  const text = `ftp://ferry:${secret}@127.0.0.1:36505/pub`;
  const reason = urlProblem(text);
  assert.ok(!reason.includes("worker-only"), reason);
  assert.match(reason, /%2F, %3F, %23/);
  let message = "";
  try {
    parseUrl(text);
  } catch (error) {
    message = (error as Error).message;
  }
  assert.ok(message !== "" && !message.includes("worker-only"), message);
  assert.ok(message.includes("ftp://ferry:****@127.0.0.1:36505/pub"), message);
  // A port that is wrong on its own is still named.
  assert.equal(urlProblem("ftp://h:abc/x"), 'port "abc" is not a number');
});
