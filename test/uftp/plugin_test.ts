/**
 * The plugin as ferry loads it: its scheme, the `unicore` auth method, a
 * workflow that mirrors from a uftp:// endpoint, and `ferry uftp-serve`.
 */
import assert from "node:assert/strict";
import { defaultRegistry, runWorkflow } from "../../mod.ts";
import {
  formatProblem,
  loadWorkflow,
  loadWorkflowObject,
  openUrl,
  Secrets,
  WorkflowInvalidError,
  workflowJsonSchema,
} from "../../workflow.ts";
import uftp, { UftpEndpoint, unicoreAuth } from "../../plugins/uftp/mod.ts";
import { testCertificates } from "../fixtures/certs.ts";
import { peerTest } from "../peers/skip.ts";
import { ferry } from "../cli/helpers.ts";
import { fixturePath, startTestSite, TOKEN } from "./_site.ts";

Deno.test("plugin: adds the uftp scheme, the unicore auth method and uftp-serve", () => {
  assert.equal(uftp.name, "uftp");
  assert.deepEqual(uftp.endpointSchemes?.map((s) => s.scheme), ["uftp"]);
  assert.deepEqual(uftp.authMethods?.map((m) => m.name), ["unicore"]);
  assert.deepEqual(uftp.commands?.map((c) => c.name), ["uftp-serve"]);
});

Deno.test("plugin: the unicore auth method resolves tokens, keys and passwords", async () => {
  const secrets = new Secrets();
  const ctx = {
    url: new URL("uftp://demouser@h:9000/rest/auth/TEST:/d"),
    env: (n: string) =>
      ({ TOK: "tok-123", PW: "pw-456", HOME: "/home/u" } as Record<string, string>)[n],
    interactive: false,
    secrets,
    baseDir: "/flows",
  };
  assert.deepEqual(await unicoreAuth.resolve({ token: "@@TOK" }, ctx), {
    user: "demouser",
    password: undefined,
    token: "tok-123",
    identity: undefined,
    passphrase: undefined,
  });
  const key = await unicoreAuth.resolve({ identity: "./keys/id", passphraseEnv: "PW" }, ctx);
  assert.equal(key.identity, "/flows/keys/id");
  assert.equal(key.passphrase, "pw-456");
  assert.equal(secrets.redact("tok-123 pw-456"), "*** ***");
  assert.deepEqual(await unicoreAuth.resolve({ anonymous: true }, ctx), { anonymous: true });
  await assert.rejects(unicoreAuth.resolve({ passwordEnv: "NOPE" }, ctx), /NOPE is not set/);
});

/** A workflow whose `unicore` auth block breaks the method's schema three ways. */
const BAD_UNICORE = `version: 1
endpoints:
  site:
    url: uftp://h:9000/rest/auth/TEST:/data
    auth: { method: unicore, usr: bob, anonymous: "yes", passphrase: 3 }
  here: { url: ./mirror }
jobs:
  pull: { mirror: { from: "site:/", to: "here:/" } }
`;

/** What validating {@link BAD_UNICORE} reports, as `ferry validate` and `ferry run` print it. */
const BAD_UNICORE_PROBLEMS = [
  'bad.yaml:5:30: unknown key "usr" in endpoints.site.auth (did you mean "user"?)',
  "bad.yaml:5:51: endpoints.site.auth.anonymous: Invalid input: expected boolean, received string",
  "bad.yaml:5:70: endpoints.site.auth.passphrase: Invalid input: expected string, received number",
];

Deno.test("plugin: a workflow's unicore auth block is checked against the method's schema", async () => {
  const error = await loadWorkflow("bad.yaml", {
    registry: await defaultRegistry(),
    source: BAD_UNICORE,
    env: () => undefined,
  }).catch((e) => e);
  assert.ok(error instanceof WorkflowInvalidError, String(error));
  assert.deepEqual(error.problems.map(formatProblem), BAD_UNICORE_PROBLEMS);
  const registry = await defaultRegistry();
  await registry.loadAll();
  // deno-lint-ignore no-explicit-any
  const json: any = workflowJsonSchema(await registry.schemaParts());
  const unicore = json.properties.endpoints.additionalProperties.properties.auth.oneOf
    // deno-lint-ignore no-explicit-any
    .find((v: any) => v.properties.method.const === "unicore");
  assert.deepEqual(Object.keys(unicore.properties).sort(), [
    "anonymous",
    "identity",
    "method",
    "passphrase",
    "passphraseEnv",
    "password",
    "passwordEnv",
    "token",
    "user",
  ]);
});

Deno.test("plugin: ferry run and validate report a bad unicore auth block and run nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.yaml`, BAD_UNICORE);
    for (const command of ["validate", "run"]) {
      const r = await ferry([command, "bad.yaml"], { cwd: dir });
      const printed = r.stdout + r.stderr; // validate prints to stdout, run to stderr
      assert.equal(r.code, 2, printed);
      for (const line of BAD_UNICORE_PROBLEMS) assert.ok(printed.includes(line), printed);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("plugin: openUrl knows uftp:// through the registry", ["openssl"], async () => {
  await using site = await startTestSite();
  const ep = await openUrl(await defaultRegistry(), `${site.uftpUrl}/data?token=${TOKEN}`, {
    tls: { ca: site.ca },
  });
  try {
    assert.ok(ep instanceof UftpEndpoint);
    assert.deepEqual(await ep.list(""), []);
  } finally {
    await ep.close();
  }
});

peerTest("plugin: a workflow mirrors a uftp:// endpoint with an SSH key", ["openssl"], async () => {
  await using site = await startTestSite();
  await Deno.mkdir(`${site.root}/data/sub`);
  await Deno.writeTextFile(`${site.root}/data/a.txt`, "A");
  await Deno.writeTextFile(`${site.root}/data/sub/b.txt`, "BB");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, site.ca);
    const wf = await loadWorkflowObject({
      version: 1,
      endpoints: {
        site: {
          url: `${site.uftpUrl}/data`,
          auth: {
            method: "unicore",
            user: "demouser",
            identity: fixturePath("id_ed25519"),
            passphraseEnv: "KEY_PW",
          },
          tls: { ca: "ca.pem" },
        },
        here: { url: "./mirror" },
      },
      jobs: { pull: { mirror: { from: "site:/", to: "here:/" } } },
    }, { registry: await defaultRegistry(), baseDir: dir });
    const report = await runWorkflow(wf, {
      env: (n) => n === "KEY_PW" ? "test123" : Deno.env.get(n),
      interactive: false,
    });
    assert.equal(report.jobs[0].status, "ok", JSON.stringify(report.jobs[0]));
    assert.equal(await Deno.readTextFile(`${dir}/mirror/a.txt`), "A");
    assert.equal(await Deno.readTextFile(`${dir}/mirror/sub/b.txt`), "BB");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("plugin: ferry uftp-serve serves a directory until interrupted", ["openssl"], async () => {
  const certs = await testCertificates();
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/pub`);
  await Deno.writeTextFile(`${dir}/pub/x.txt`, "served");
  const lines: string[] = [];
  const log = console.log;
  let printed!: () => void;
  const ready = new Promise<void>((resolve) => printed = resolve);
  console.log = (...args: unknown[]) => {
    lines.push(args.join(" "));
    if (lines.some((l) => l.includes("clients use"))) printed();
  };
  const stop = new AbortController();
  const exit = uftp.commands![0].run([
    "--cert",
    certs.good.certFile,
    "--key",
    certs.good.keyFile,
    "-u",
    "demo",
    "-P",
    "pw",
    "--auth-port",
    "0",
    "--ftp-port",
    "0",
    "--command-port",
    "0",
    dir,
  ], { signal: stop.signal, openEndpoint: () => Promise.reject(), secrets: new Secrets() });
  try {
    await ready;
  } finally {
    console.log = log;
  }
  const url = /clients use\s+(\S+)\/</.exec(lines.join("\n"))![1];
  const ep = await UftpEndpoint.open(`${url}/pub`, {
    credentials: { user: "demo", password: "pw" },
    tls: { ca: certs.caPem },
  });
  try {
    assert.deepEqual((await ep.list("")).map((s) => s.name), ["x.txt"]);
  } finally {
    await ep.close();
  }
  stop.abort();
  assert.equal(await exit, 0);
  await Deno.remove(dir, { recursive: true });
});
