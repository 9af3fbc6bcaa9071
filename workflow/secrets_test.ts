import assert from "node:assert/strict";
import { MASK, Secrets } from "./secrets.ts";

Deno.test("redact masks every registered value, longest first, and URL-encoded forms", () => {
  const s = new Secrets().add("p@ss word").add("pass");
  assert.equal(s.redact("a p@ss word b pass c"), `a ${MASK} b ${MASK} c`);
  assert.equal(s.redact("ftp://bob:p%40ss%20word@h/"), `ftp://bob:${MASK}@h/`);
});

Deno.test("empty values are not registered; short ones are masked where they stand alone", () => {
  assert.equal(new Secrets().add("").add(undefined).size, 0);
  const s = new Secrets().add("ab").add("7");
  assert.equal(s.redact("ab"), MASK);
  assert.equal(s.redact("password=ab, pin 7."), `password=${MASK}, pin ${MASK}.`);
  assert.equal(s.redact("ftp://bob:ab@h/"), `ftp://bob:${MASK}@h/`);
  // Inside longer words and numbers they are left alone: the output stays readable.
  assert.equal(s.redact("about 17 tabs, 2007, äab"), "about 17 tabs, 2007, äab");
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
