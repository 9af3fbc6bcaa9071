import assert from "node:assert/strict";
import {
  authFromOptions,
  endpointFromOptions,
  filtersFromOptions,
  jobCommonFromOptions,
} from "./options.ts";
import { mergeGlobals } from "./action.ts";
import { pluginArgs } from "./main.ts";
import { oneOffWorkflow, splitLocation } from "./oneoff.ts";

Deno.test("auth flags map to auth methods", () => {
  assert.deepEqual(authFromOptions({}), { method: "netrc", optional: true });
  assert.equal(authFromOptions({ netrc: false }), undefined);
  assert.deepEqual(authFromOptions({ user: "bob", passwordEnv: "PW" }), {
    method: "password",
    passwordEnv: "PW",
    user: "bob",
  });
  assert.deepEqual(authFromOptions({ passwordFile: "f" }), {
    method: "password",
    passwordFile: "f",
  });
  assert.deepEqual(authFromOptions({ user: "b", passwordCommand: "pass x" }), {
    method: "command",
    command: "pass x",
    user: "b",
  });
  assert.deepEqual(authFromOptions({ user: "b" }), { method: "prompt", user: "b" });
  assert.deepEqual(authFromOptions({ netrc: "/n" }), { method: "netrc", file: "/n" });
  assert.deepEqual(authFromOptions({ anonymous: true, user: "x" }), { method: "anonymous" });
});

Deno.test("endpoints: local paths take no auth; remote ones take auth and TLS flags", () => {
  assert.deepEqual(endpointFromOptions("./out", { user: "b" }), { url: "./out" });
  assert.deepEqual(
    endpointFromOptions("ftp://h/x", {
      ca: "ca.pem",
      tls: "require",
      timeShift: "3600",
      connections: 2,
      netTimeout: "5s",
      netrc: false,
    }),
    {
      url: "ftp://h/x",
      tls: { ca: "ca.pem", mode: "require" },
      timeShift: 3600,
      maxConnections: 2,
      timeout: "5s",
    },
  );
  assert.equal(endpointFromOptions("ftps://h/x", { tls: "off", netrc: false }).tls, undefined);
  // --no-mlsd: the workflow's `options: { useMlsd: false }`.
  assert.deepEqual(endpointFromOptions("ftp://h/x", { mlsd: false, netrc: false }), {
    url: "ftp://h/x",
    options: { useMlsd: false },
  });
  assert.equal(endpointFromOptions("ftp://h/x", { mlsd: true, netrc: false }).options, undefined);
});

Deno.test("job and filter flags", () => {
  assert.deepEqual(jobCommonFromOptions({ dryRun: true, parallel: 8, retries: 0 }), {
    dryRun: true,
    parallel: 8,
    retries: 0,
  });
  assert.deepEqual(filtersFromOptions({ exclude: ["*.tmp"], user: "x" }), { exclude: ["*.tmp"] });
});

Deno.test("splitLocation: the endpoint is the parent, the job's path the last name", () => {
  assert.deepEqual(splitLocation("ftp://h/pub/a.iso"), { root: "ftp://h/pub", path: "a.iso" });
  assert.deepEqual(splitLocation("ftp://h/pub/"), { root: "ftp://h/", path: "pub" });
  assert.deepEqual(splitLocation("ftp://h/"), { root: "ftp://h/", path: "" });
  assert.deepEqual(splitLocation("ftp://h/a%20b"), { root: "ftp://h/", path: "a b" });
  assert.deepEqual(splitLocation("/srv/out/"), { root: "/srv", path: "out" });
  assert.deepEqual(splitLocation("/"), { root: "/", path: "" });
});

Deno.test("a one-off command is a one-job workflow", () => {
  const wf = oneOffWorkflow({
    command: "mirror",
    kind: "mirror",
    locations: { from: "ftp://h/pub", to: "/srv/out" },
    targets: { from: "from", to: "to" },
    options: { delete: true },
    flags: { dryRun: true, netrc: false },
  });
  assert.deepEqual(wf, {
    version: 1,
    name: "mirror",
    endpoints: { from: { url: "ftp://h/" }, to: { url: "/srv" } },
    jobs: { mirror: { dryRun: true, mirror: { delete: true, from: "from:/pub", to: "to:/out" } } },
  });
});

Deno.test("a local path option (--backup-dir) is used as typed: the endpoint widens to hold it", () => {
  const spec = {
    command: "mirror",
    kind: "mirror",
    locations: { from: "ftp://h/pub", to: "/srv/data/out" },
    targets: { from: "from", to: "to" },
    localPaths: { backupDir: "to" },
    flags: { netrc: false },
  };
  const abs = oneOffWorkflow({ ...spec, options: { backupDir: "/var/backups/out" } });
  assert.deepEqual(abs.endpoints, { from: { url: "ftp://h/" }, to: { url: "/" } });
  assert.deepEqual((abs.jobs as Record<string, Record<string, unknown>>).mirror.mirror, {
    backupDir: "/var/backups/out",
    from: "from:/pub",
    to: "to:/srv/data/out",
  });
  const inside = oneOffWorkflow({ ...spec, options: { backupDir: "/srv/data/bk" } });
  assert.deepEqual(inside.endpoints, { from: { url: "ftp://h/" }, to: { url: "/srv/data" } });
  // A remote target keeps its option as a path on that endpoint.
  const remote = oneOffWorkflow({
    ...spec,
    locations: { from: "/srv/in", to: "ftp://h/out" },
    options: { backupDir: "/bk" },
  });
  assert.equal(
    (remote.jobs as Record<string, Record<string, Record<string, unknown>>>).mirror.mirror
      .backupDir,
    "/bk",
  );
});

Deno.test("global options merge; --plugin is found anywhere", () => {
  assert.deepEqual(
    mergeGlobals({ debug: true, plugin: ["a"] }, { json: true, plugin: ["b", "a"] }),
    {
      debug: true,
      json: true,
      plugin: ["a", "b"],
    },
  );
  assert.deepEqual(
    pluginArgs(["--plugin", "./p.ts", "x", "--plugin=./q.ts", "--", "--plugin", "z"]),
    [
      "./p.ts",
      "./q.ts",
    ],
  );
});
