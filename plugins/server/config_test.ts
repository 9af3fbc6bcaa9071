import assert from "node:assert/strict";
import { parseServeArgs } from "./cli.ts";
import { parseRange, validateConfig } from "./config.ts";

Deno.test("serve arguments and config validation", () => {
  const a = parseServeArgs(["-p", "0", "-w", "-r", "60000-60010", "--max-cons", "5", "/srv"]);
  assert.deepEqual(a.config, {
    root: "/srv",
    port: 0,
    passivePorts: [60000, 60010],
    maxConnections: 5,
  });
  assert.equal(a.write, true);
  assert.throws(() => parseServeArgs(["-u", "bob"]), /-P\/--password or FERRY_SERVE_PASSWORD/);
  assert.throws(() => parseServeArgs(["-P", "pw"]), /needs -u/);
  assert.equal(parseServeArgs(["-u", "bob"], { password: "env-pw" }).password, "env-pw");
  assert.equal(parseServeArgs(["-u", "bob", "-P", "flag"], { password: "env" }).password, "flag");
  assert.equal(parseServeArgs(["-P", "x", "-u", "b"], { password: "" }).password, "x");
  assert.throws(() => parseServeArgs(["--implicit-tls"]), /need --tls-cert/);
  assert.throws(() => parseServeArgs(["--bogus"]), /Unknown option/);
  assert.deepEqual(parseRange([1, 2]), [1, 2]);
  assert.throws(() => parseRange("9-1"), /FROM-TO/);
  assert.deepEqual(validateConfig({ port: 21, anonymous: { perm: "elr" } }, "s.yaml"), {
    port: 21,
    anonymous: { perm: "elr" },
  });
  assert.throws(() => validateConfig({ prot: 21 }, "s.yaml"), /s.yaml: unknown key "prot"/);
  assert.throws(
    () => validateConfig({ users: [{ name: "x" }] }, "s.yaml"),
    /users\[0\]: passwordHash is required/,
  );
  assert.throws(() => validateConfig({ tls: { cert: "c" } }, "s.yaml"), /tls: expected/);
});
