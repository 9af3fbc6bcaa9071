/** The auth request/reply JSON, error mapping, info, command port lines, block headers. */
import assert from "node:assert/strict";
import {
  authErrorFor,
  authRequestBody,
  decodeBlockHeader,
  encodeBlockHeader,
  encodeTransferRequest,
  HEADER_BYTES,
  parseAuthReply,
  parseCommandReply,
  parseInfo,
  parseRequestLines,
  parseTransferRequest,
  pieceLayout,
  splitBlock,
  UftpAuthError,
  UftpProtocolError,
} from "../../plugins/uftp/mod.ts";

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

Deno.test("command port: the transfer request round-trips in the Java order", () => {
  const text = encodeTransferRequest({
    clientIps: ["127.0.0.1", "10.0.0.2"],
    user: "demouser",
    secret: "abc",
    persistent: true,
    file: "/data/",
    streams: 2,
    compress: false,
    group: "hpc1",
    access: "READ",
  });
  assert.equal(
    text,
    "request-type=uftp-transfer-request\nclient-ip=127.0.0.1,10.0.0.2\nuser=demouser\nsecret=abc\n" +
      "persistent=true\nfile=/data/\nappend=false\nstreams=2\ncompress=false\ngroup=hpc1\n" +
      "access-permissions=READ\nEND\n",
  );
  const fields = parseRequestLines(`${text}ignored=after END\n`);
  assert.equal(fields["ignored"], undefined);
  const r = parseTransferRequest(fields);
  assert.deepEqual(r.clientIps, ["127.0.0.1", "10.0.0.2"]);
  assert.equal(r.persistent, true);
  assert.equal(r.access, "READ");
  assert.throws(() => parseTransferRequest({ user: "u" }), /without secret/);
  assert.throws(() => encodeTransferRequest({ ...r, user: "a\nsecret=x" }), /line break/);
});

Deno.test("command port: OK::port and ERROR::message", () => {
  assert.deepEqual(parseCommandReply("OK::64434\n"), { ok: true, port: 64434 });
  assert.deepEqual(parseCommandReply("ERROR::Duplicate secret - this is not allowed."), {
    ok: false,
    message: "Duplicate secret - this is not allowed.",
  });
  assert.deepEqual(parseCommandReply("500::bad"), { ok: false, message: "bad" });
});

Deno.test("blocks: 16-byte >HHIII headers, layout and checks", () => {
  const header = encodeBlockHeader({ stream: 1, seq: 7, size: 10, length: 5 });
  assert.deepEqual(
    [...header],
    [0xce, 0xbf, 0, 1, 0, 0, 0, 7, 0, 0, 0, 10, 0, 0, 0, 5],
  );
  assert.deepEqual(decodeBlockHeader(header, { stream: 1, seq: 7, streams: 2 }), {
    stream: 1,
    seq: 7,
    size: 10,
    length: 5,
  });
  assert.throws(
    () => decodeBlockHeader(header, { stream: 0, seq: 7, streams: 2 }),
    UftpProtocolError,
  );
  assert.throws(() => decodeBlockHeader(header, { stream: 1, seq: 8, streams: 2 }), /sequence/);
  const bad = header.slice();
  bad[0] = 0;
  assert.throws(() => decodeBlockHeader(bad, { stream: 1, seq: 7, streams: 2 }), /magic/);
  assert.deepEqual(pieceLayout(10, 3, 0), { offset: 0, length: 3 });
  assert.deepEqual(pieceLayout(10, 3, 2), { offset: 6, length: 4 });
  const data = Uint8Array.from({ length: 10 }, (_, i) => i);
  const pieces = splitBlock(data, 3, 0);
  assert.deepEqual(pieces.map((p) => p.length - HEADER_BYTES), [3, 3, 4]);
  assert.deepEqual([...pieces[2].subarray(HEADER_BYTES)], [6, 7, 8, 9]);
});
