/**
 * `ferry validate` reports an endpoint auth's `passwordEnv` (and the other
 * `...Env` keys of auth methods) that names an unset environment variable, at
 * the key's file:line:col, with the variable's name and never a value;
 * `--no-env` passes it over, as it does `${env:...}`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";

const WORKFLOW = `version: 1
name: envcheck
endpoints:
  origin:
    url: ftp://ftp.example.org/pub
    auth:
      method: password
      user: bob
      passwordEnv: FERRY_TEST_UNSET_PW
  other:
    url: ftp://ftp.example.org/other
    auth: { method: password, user: eve, passwordEnv: FERRY_TEST_SET_PW }
  here: { url: ./mirror }
jobs:
  pull: { mirror: { from: origin:/, to: here:/a } }
  pull2: { mirror: { from: other:/, to: here:/b } }
`;

Deno.test("validate: passwordEnv naming an unset variable is a problem at its key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-validate-env-" });
  try {
    const file = join(dir, "wf.yaml");
    await Deno.writeTextFile(file, WORKFLOW);
    const secret = "the-set-value-9876";
    const env = { FERRY_TEST_SET_PW: secret };
    const run = await ferry(["validate", file], { env });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const lines = (run.stdout + run.stderr).trim().split("\n");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], new RegExp(`^${file}:9:7: .*FERRY_TEST_UNSET_PW.* is not set`));
    assert.ok(!(run.stdout + run.stderr).includes(secret));
    const json = await ferry(["--json", "validate", file], { env });
    assert.equal(json.code, 2);
    assert.match(json.stdout, /FERRY_TEST_UNSET_PW/);
    assert.ok(!json.stdout.includes(secret));
    const noEnv = await ferry(["validate", "--no-env", file], { env });
    assert.equal(noEnv.code, 0, noEnv.stdout + noEnv.stderr);
    const all = await ferry(["validate", file], { env: { ...env, FERRY_TEST_UNSET_PW: "x" } });
    assert.equal(all.code, 0, all.stdout + all.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
