import assert from "node:assert/strict";
import { MASK, Secrets } from "./secrets.ts";

Deno.test("redact masks every registered value, longest first, and URL-encoded forms", () => {
  const s = new Secrets().add("p@ss word").add("pass");
  assert.equal(s.redact("a p@ss word b pass c"), `a ${MASK} b ${MASK} c`);
  assert.equal(s.redact("ftp://bob:p%40ss%20word@h/"), `ftp://bob:${MASK}@h/`);
});

Deno.test("short and empty values are not registered", () => {
  const s = new Secrets().add("ab").add("").add(undefined);
  assert.equal(s.size, 0);
  assert.equal(s.redact("ab"), "ab");
});

Deno.test("regex metacharacters in secrets are literal", () => {
  const s = new Secrets().add("a.b*c(d)");
  assert.equal(s.redact("xa.b*c(d)y axbbc"), `x${MASK}y axbbc`);
});

Deno.test("redactDeep copies objects, arrays and errors", () => {
  const s = new Secrets().add("hunter2");
  const input = { a: ["hunter2", 1], e: new Error("bad hunter2"), d: new Date(0) };
  const out = s.redactDeep(input);
  assert.deepEqual(out.a, [MASK, 1]);
  assert.equal(out.e.message, `bad ${MASK}`);
  assert.equal(out.d, input.d);
  assert.equal(input.a[0], "hunter2");
});
