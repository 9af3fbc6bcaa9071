import assert from "node:assert/strict";
import { fromNetworkAscii, toNetworkAscii } from "./ascii.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("ASCII mode: LF -> CRLF out, CRLF -> LF in, across chunk boundaries", () => {
  const out = toNetworkAscii();
  assert.equal(
    dec.decode(out(enc.encode("a\nb\r"))) + dec.decode(out(enc.encode("\nc\n"))),
    "a\r\nb\r\nc\r\n",
  );
  const inp = fromNetworkAscii();
  const parts = [
    inp(enc.encode("a\r\nb\r")),
    inp(enc.encode("\nc\rd\r")),
    inp(new Uint8Array(0), true),
  ];
  assert.equal(parts.map((p) => dec.decode(p)).join(""), "a\nb\nc\rd\r");
});
