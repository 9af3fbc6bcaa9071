import assert from "node:assert/strict";
import { firstMissing, type TargetKeys, upstreamTargets } from "./dry_run.ts";
import { NotFoundError } from "../endpoint/errors.ts";

const KEYS: Record<string, TargetKeys> = {
  mirror: { targets: ["from", "to"], writes: ["to"] },
  walk: { targets: ["at"] },
  sync: { targets: ["a", "b"], writes: ["a", "b"] },
};
const job = (
  name: string,
  kind: string,
  options: Record<string, string>,
  needs: string[] = [],
) => ({
  name,
  kind,
  needs,
  options,
});

Deno.test("dry_run: a read under a needed job's write target is named, with its writer", () => {
  const jobs = new Map([
    ["pull", job("pull", "mirror", { from: "o:/r", to: "h:/releases" })],
    ["more", job("more", "mirror", { from: "o:/x", to: "h:/other" }, ["pull"])],
    ["report", job("report", "walk", { at: "h:/releases/2026/" }, ["more"])],
  ]);
  assert.deepEqual(
    upstreamTargets(jobs.get("report")!, jobs, (k) => KEYS[k], () => true),
    [{ ref: "h:/releases/2026/", endpoint: "h", path: "releases/2026", writer: "pull" }],
  );
});

Deno.test("dry_run: nothing is named for a wet writer, a job not needed, another path or endpoint", () => {
  const jobs = new Map([
    ["pull", job("pull", "mirror", { from: "o:/r", to: "h:/releases" })],
    ["side", job("side", "mirror", { from: "o:/r", to: "h:/" })],
    ["a", job("a", "walk", { at: "h:/releases" }, ["pull"])],
    ["b", job("b", "walk", { at: "h:/releases-old" }, ["pull"])],
    ["c", job("c", "walk", { at: "o:/releases" }, ["pull"])],
    ["d", job("d", "walk", { at: "h:/anything" }, [])],
  ]);
  const keys = (k: string) => KEYS[k];
  assert.deepEqual(upstreamTargets(jobs.get("a")!, jobs, keys, (n) => n !== "pull"), []);
  for (const name of ["b", "c", "d"]) {
    assert.deepEqual(upstreamTargets(jobs.get(name)!, jobs, keys, () => true), [], name);
  }
});

Deno.test("dry_run: the endpoint root written upstream covers every path; a mirror's own target is not a read", () => {
  const jobs = new Map([
    ["up", job("up", "sync", { a: "h:", b: "o:/" })],
    ["pull", job("pull", "mirror", { from: "h:/deep/x", to: "h:/new" }, ["up"])],
  ]);
  assert.deepEqual(
    upstreamTargets(jobs.get("pull")!, jobs, (k) => KEYS[k], () => true),
    [{ ref: "h:/deep/x", endpoint: "h", path: "deep/x", writer: "up" }],
  );
});

Deno.test("dry_run: firstMissing takes the endpoint's not-found, throws any other error", async () => {
  const targets = [
    { ref: "h:/a", endpoint: "h", path: "a", writer: "w" },
    { ref: "h:/b", endpoint: "h", path: "b", writer: "w" },
  ];
  const stat = (missing: string, failing?: string) => () =>
    Promise.resolve({
      stat: (path: string) => {
        if (path === failing) return Promise.reject(new Error("530 not logged in"));
        if (path === missing) return Promise.reject(new NotFoundError(path));
        return Promise.resolve({} as never);
      },
    });
  assert.equal((await firstMissing(targets, stat("b")))?.ref, "h:/b");
  assert.equal(await firstMissing(targets, stat("zzz")), undefined);
  await assert.rejects(firstMissing(targets, stat("b", "a")), /530 not logged in/);
});
