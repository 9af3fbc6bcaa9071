import assert from "node:assert/strict";
import { splitEndpointFlags } from "./plugin_flags.ts";

Deno.test("splitEndpointFlags: remote and logging flags out, the plugin's own flags kept in order", () => {
  const r = splitEndpointFlags([
    "ftp://bob@backup/",
    "--password-env",
    "PW",
    "-u",
    "alice",
    "-P",
    "x",
    "--ca=ca.pem",
    "--insecure",
    "-v",
    "--log-file",
    "l.json",
    "--netrc=/n",
    "-p",
    "0",
  ]);
  assert.deepEqual(r.flags, {
    passwordEnv: "PW",
    ca: "ca.pem",
    insecure: true,
    verbose: true,
    logFile: "l.json",
    netrc: "/n",
  });
  assert.deepEqual(r.rest, ["ftp://bob@backup/", "-u", "alice", "-P", "x", "-p", "0"]);
});

Deno.test("splitEndpointFlags: --no-netrc, --user, --connections; after -- nothing is taken", () => {
  const r = splitEndpointFlags([
    "--user",
    "bob",
    "--no-netrc",
    "--connections=3",
    "--",
    "--ca",
    "x",
  ]);
  assert.deepEqual(r.flags, { user: "bob", netrc: false, connections: 3 });
  assert.deepEqual(r.rest, ["--", "--ca", "x"]);
  assert.throws(() => splitEndpointFlags(["--password-env"]), /argument missing/);
});
