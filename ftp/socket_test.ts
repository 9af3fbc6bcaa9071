import assert from "node:assert/strict";
import { encodeText, formatHostPort, textDecoder } from "./socket.ts";

Deno.test("encodeText/textDecoder: UTF-8 by default, true latin-1 as an option", () => {
  assert.deepEqual([...encodeText("é", "utf-8")], [0xc3, 0xa9]);
  assert.deepEqual([...encodeText("é€", "utf-8")], [0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  assert.deepEqual([...encodeText("é", "latin1")], [0xe9]);
  // WHATWG's "latin1" is windows-1252: 0x80 would become "€". FTP means ISO-8859-1.
  assert.equal(textDecoder("latin1").decode(new Uint8Array([0x80, 0xe9])), "\u0080é");
  assert.throws(() => encodeText("€", "latin1"), RangeError);
  const utf8 = textDecoder("utf-8");
  // A character split across chunks is kept whole.
  assert.equal(utf8.decode(new Uint8Array([0xc3])) + utf8.decode(new Uint8Array([0xa9])), "é");
});

Deno.test("formatHostPort brackets IPv6 literals", () => {
  assert.equal(formatHostPort("::1", 21), "[::1]:21");
  assert.equal(formatHostPort("127.0.0.1", 21), "127.0.0.1:21");
});
