import assert from "node:assert/strict";
import { expandAliases } from "./main.ts";

Deno.test("expandAliases: serve --uftp is uftp-serve, other arguments untouched", () => {
  assert.deepEqual(expandAliases(["serve", "--uftp", "./data", "-p", "2121"]), [
    "uftp-serve",
    "./data",
    "-p",
    "2121",
  ]);
  assert.deepEqual(expandAliases(["-v", "serve", "./d", "--uftp"]), ["-v", "uftp-serve", "./d"]);
  assert.deepEqual(expandAliases(["serve", "./d"]), ["serve", "./d"]);
  assert.deepEqual(expandAliases(["run", "x.yaml"]), ["run", "x.yaml"]);
  assert.deepEqual(expandAliases(["serve", "--", "--uftp"]), ["serve", "--", "--uftp"]);
});
