import assert from "node:assert/strict";
import {
  encodeTransferRequest,
  parseCommandReply,
  parseRequestLines,
  parseTransferRequest,
} from "./command_port.ts";

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
