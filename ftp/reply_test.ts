import assert from "node:assert/strict";
import {
  formatFtpTime,
  parse257,
  parseEpsv,
  parseFtpTime,
  parsePasv,
  ReplyParser,
} from "./reply.ts";
import { FtpProtocolError } from "./errors.ts";

Deno.test("ReplyParser reads single-line replies ending in CRLF or bare LF", () => {
  const parser = new ReplyParser();
  const replies = parser.push("220 ready\r\n331 password please\n");
  assert.deepEqual(replies.map((r) => [r.code, r.text]), [[220, "ready"], [
    331,
    "password please",
  ]]);
  assert.equal(parser.partial, false);
});

Deno.test("ReplyParser joins multi-line replies and keeps inner lines", () => {
  const parser = new ReplyParser();
  const text = "211-Features:\r\n MDTM\r\n MLST type*;size*;modify*;\r\n211 End\r\n";
  const [reply] = parser.push(text);
  assert.equal(reply.code, 211);
  assert.equal(reply.lines.length, 4);
  assert.equal(reply.text, "Features:\n MDTM\n MLST type*;size*;modify*;\nEnd");
});

Deno.test("ReplyParser handles replies split across arbitrary chunks", () => {
  const parser = new ReplyParser();
  const text = "230-Welcome\r\n230-  second line\r\n230 logged in\r\n200 ok\r\n";
  const replies = [];
  for (const ch of text) replies.push(...parser.push(ch));
  assert.deepEqual(replies.map((r) => r.code), [230, 200]);
  assert.equal(replies[0].text, "Welcome\n  second line\nlogged in");
});

Deno.test("ReplyParser does not end a multi-line reply on another code or a code without space", () => {
  const parser = new ReplyParser();
  assert.deepEqual(parser.push("150-start\r\n226 not the end\r\n150-still\r\n"), []);
  const [reply] = parser.push("150 end\r\n");
  assert.equal(reply.lines.length, 4);
});

Deno.test("ReplyParser accepts a bare code line", () => {
  const [reply] = new ReplyParser().push("200\r\n");
  assert.equal(reply.code, 200);
  assert.equal(reply.text, "");
});

Deno.test("ReplyParser rejects garbage and over-long lines with a protocol error", () => {
  assert.throws(() => new ReplyParser().push("HTTP/1.1 400 Bad Request\r\n"), FtpProtocolError);
  assert.throws(() => new ReplyParser().push("22 short\r\n"), FtpProtocolError);
  const parser = new ReplyParser({ maxLineLength: 100 });
  assert.throws(() => parser.push("2".repeat(200)), /longer than 100/);
  const lines = new ReplyParser({ maxLines: 3 });
  assert.throws(() => lines.push("211-a\r\nb\r\nc\r\nd\r\n"), /longer than 3 lines/);
});

Deno.test("parse257 undoes doubled quotes", () => {
  assert.equal(parse257('"/a ""b"" c" created'), '/a "b" c');
  assert.equal(parse257('"/" is the current directory'), "/");
  assert.throws(() => parse257("no quotes"), FtpProtocolError);
  assert.throws(() => parse257('"/unterminated'), FtpProtocolError);
});

Deno.test("parsePasv and parseEpsv read addresses", () => {
  assert.deepEqual(parsePasv("Entering Passive Mode (127,0,0,1,195,80)."), {
    host: "127.0.0.1",
    port: 50000,
  });
  assert.deepEqual(parsePasv("Entering Passive Mode 10,1,2,3,4,1"), {
    host: "10.1.2.3",
    port: 1025,
  });
  assert.throws(() => parsePasv("Entering Passive Mode (300,0,0,1,1,1)"), FtpProtocolError);
  assert.equal(parseEpsv("Entering Extended Passive Mode (|||50000|)"), 50000);
  assert.equal(parseEpsv("EPSV ok (!!!2121!)"), 2121);
  assert.throws(() => parseEpsv("Entering Extended Passive Mode (|||99999|)"), FtpProtocolError);
  assert.throws(() => parseEpsv("nonsense"), FtpProtocolError);
});

Deno.test("parseFtpTime and formatFtpTime round-trip UTC times with fractions", () => {
  assert.equal(parseFtpTime("20240229120000").toISOString(), "2024-02-29T12:00:00.000Z");
  assert.equal(parseFtpTime("20240229120000.25").toISOString(), "2024-02-29T12:00:00.250Z");
  assert.throws(() => parseFtpTime("20230229120000"), FtpProtocolError);
  assert.throws(() => parseFtpTime("yesterday"), FtpProtocolError);
  // The exact shape: 14 ASCII digits, then at most a dot and 1-9 digits (whitespace around).
  assert.equal(
    parseFtpTime(" 20240229120000.123456789\r\n").toISOString(),
    "2024-02-29T12:00:00.123Z",
  );
  for (
    const bad of [
      "20240229120000.",
      "20240229120000.1234567890",
      "2024022912000",
      "202402291200001",
      "2024022912000\u0663",
      "20240229120000 x",
      "20241301000000",
    ]
  ) {
    assert.throws(() => parseFtpTime(bad), FtpProtocolError, bad);
  }
  assert.equal(formatFtpTime(new Date("2001-02-03T04:05:06.789Z")), "20010203040506");
});
