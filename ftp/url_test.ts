import assert from "node:assert/strict";
import { FtpUrlError, parseFtpUrl, redactUrl } from "./url.ts";

Deno.test("parseFtpUrl reads schemes, default ports and TLS modes", () => {
  assert.deepEqual(parseFtpUrl("ftp://example.org/pub"), {
    scheme: "ftp",
    host: "example.org",
    port: 21,
    tls: "none",
    user: undefined,
    password: undefined,
    path: "pub",
  });
  assert.equal(parseFtpUrl("ftps://h/").port, 990);
  assert.equal(parseFtpUrl("ftps://h/").tls, "implicit");
  assert.equal(parseFtpUrl("ftpes://h:2121/").tls, "explicit");
  assert.equal(parseFtpUrl("ftpes://h:2121/").port, 2121);
});

Deno.test("parseFtpUrl handles IPv6 literals, users, encoded and absolute paths", () => {
  const url = parseFtpUrl("ftp://b%40b:p%3Ass@[::1]:2121/a%20b/c");
  assert.equal(url.host, "::1");
  assert.equal(url.user, "b@b");
  assert.equal(url.password, "p:ss");
  assert.equal(url.path, "a b/c");
  assert.equal(parseFtpUrl("ftp://h/%2Fetc/x").path, "/etc/x");
});

Deno.test("parseFtpUrl rejects other schemes, injection and garbage", () => {
  assert.throws(() => parseFtpUrl("http://h/"), FtpUrlError);
  assert.throws(() => parseFtpUrl("not a url"), FtpUrlError);
  assert.throws(() => parseFtpUrl("ftp://h/a%0D%0ADELE%20x"), /CR, LF or NUL/);
});

Deno.test("redactUrl hides passwords, also inside error messages", () => {
  assert.equal(redactUrl("ftp://bob:secret@host/x"), "ftp://bob:****@host/x");
  assert.equal(redactUrl("ftp://host/x"), "ftp://host/x");
  const error = (() => {
    try {
      parseFtpUrl("gopher://bob:secret@host/");
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(error && !error.message.includes("secret"));
});

Deno.test("parseFtpUrl: a bare '#' or '?' is refused (the URL would end the path there)", () => {
  for (const url of ["ftp://h/dir#2", "ftp://h/a?b.txt", "ftpes://u:s3cret@h/x#"]) {
    assert.throws(() => parseFtpUrl(url), (e: Error) => {
      assert.ok(e instanceof FtpUrlError, `${url}: ${e}`);
      assert.match(e.message, /%23/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  }
  assert.equal(parseFtpUrl("ftp://h/dir%232").path, "dir#2");
});
