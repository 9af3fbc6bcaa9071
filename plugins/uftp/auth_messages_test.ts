import assert from "node:assert/strict";
import { authErrorFor, authRequestBody, parseAuthReply, parseInfo } from "./auth_messages.ts";
import { UftpAuthError } from "./errors.ts";

const ctx = { url: "https://h:9000/rest/auth/TEST", serverName: "TEST" };

Deno.test("auth: the request body carries only what is asked", () => {
  assert.deepEqual(authRequestBody({ baseDir: "/data" }), {
    serverPath: "/data/",
    persistent: false,
  });
  assert.deepEqual(
    authRequestBody({
      baseDir: "",
      persistent: true,
      streamCount: 2,
      group: "hpc",
      client: "1.2.3.4",
    }),
    { serverPath: "", persistent: true, streamCount: 2, group: "hpc", client: "1.2.3.4" },
  );
});

Deno.test("auth: a 200 reply gives host, port and secret", () => {
  const body =
    '{"success":true,"reason":"","serverHost":"localhost","serverPort":64434,"secret":"qwhzkdmeptnrvxyaclfu"}';
  assert.deepEqual(parseAuthReply(200, body, ctx), {
    serverHost: "localhost",
    serverPort: 64434,
    secret: "qwhzkdmeptnrvxyaclfu",
  });
  assert.throws(() => parseAuthReply(200, "<html>", ctx), /not JSON/);
  assert.throws(() => parseAuthReply(200, '{"success":true}', ctx), /without serverHost/);
  assert.throws(
    () => parseAuthReply(200, '{"success":false,"reason":"quota"}', ctx),
    (e: UftpAuthError) => e.serverMessage === "quota",
  );
});

Deno.test("auth: error statuses become errors that say what to check", () => {
  const cases: [number, string, string, RegExp][] = [
    [401, '{"errorMessage":"Authentication failure","status":401}', "unauthorized", /password/],
    [
      404,
      `{"errorMessage":"No such server: 'TEST', please check your URL"}`,
      "unknown-server",
      /TEST/,
    ],
    [500, '{"errorMessage":"Cannot connect to UFTPD server"}', "uftpd-unreachable", /reach/],
    [500, '{"errorMessage":"TEST: ERROR::Too many active sessions"}', "uftpd-refused", /Too many/],
    [503, "down for maintenance", "unavailable", /maintenance/],
    [502, "", "server-error", /502/],
  ];
  for (const [status, body, failure, message] of cases) {
    const e = authErrorFor(status, body, ctx);
    assert.ok(e instanceof UftpAuthError);
    assert.equal(e.status, status);
    assert.equal(e.failure, failure);
    assert.match(e.message, message);
    assert.match(e.message, /https:\/\/h:9000/);
  }
  assert.throws(() => parseAuthReply(401, "{}", ctx), UftpAuthError);
});

Deno.test("auth: the info document lists every key but client and server", () => {
  const info = parseInfo(
    '{"TEST":{"href":"https://h/rest/auth/TEST","status":"OK"},"client":{"dn":"CN=x"},"server":{"version":"1"}}',
  );
  assert.deepEqual(info.servers.map((s) => s.name), ["TEST"]);
  assert.equal(info.client?.dn, "CN=x");
});
