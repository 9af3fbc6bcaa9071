import assert from "node:assert/strict";
import { interpolateString, interpolateTree, isSecretUse } from "./interpolate.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("env and vars are substituted; a lone var keeps its type", () => {
  const ctx = { env: env({ HOME: "/root" }), vars: { n: 4, root: "/srv" } };
  assert.equal(interpolateString("${env:HOME}/x", ctx, []).value, "/root/x");
  assert.equal(interpolateString("${vars.n}", ctx, []).value, 4);
  assert.equal(interpolateString("${vars.root}/${vars.n}", ctx, []).value, "/srv/4");
  assert.equal(interpolateString("$${env:HOME}", ctx, []).value, "${env:HOME}");
});

Deno.test("defaults, missing env, unknown vars and bad references are problems at the path", () => {
  const ctx = { env: env({}), vars: {} };
  assert.equal(interpolateString("${env:X:-dflt}", ctx, []).value, "dflt");
  const r = interpolateTree({ a: ["${env:NOPE}", "${vars.nope}", "${what}"] }, ctx);
  assert.deepEqual(r.problems.map((p) => [p.path, p.message.split(" ")[0]]), [
    [["a", 0], "environment"],
    [["a", 1], "unknown"],
    [["a", 2], "cannot"],
  ]);
});

Deno.test("allowMissingEnv leaves the reference as written", () => {
  const r = interpolateString("${env:NOPE}", { env: env({}), allowMissingEnv: true }, []);
  assert.equal(r.value, "${env:NOPE}");
  assert.equal(r.problems.length, 0);
});

Deno.test("vars cannot refer to vars", () => {
  const r = interpolateString("${vars.a}", { env: env({}), vars: { a: 1 }, varsAllowed: false }, [
    "vars",
    "b",
  ]);
  assert.match(r.problems[0].message, /cannot refer/);
});

Deno.test("env values used in auth or with secret-looking names are secrets", () => {
  assert.equal(isSecretUse("ORIGIN_PW", ["endpoints", "o", "url"]), true);
  assert.equal(isSecretUse("USER", ["endpoints", "o", "auth", "user"]), true);
  assert.equal(isSecretUse("HOME", ["vars", "root"]), false);
  const r = interpolateTree(
    { e: { auth: { password: "${env:PW}" } }, v: "${env:HOME}" },
    { env: env({ PW: "hunter2", HOME: "/root" }) },
  );
  assert.deepEqual(r.secrets, ["hunter2"]);
});
