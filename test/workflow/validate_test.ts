import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { formatProblem, WorkflowInvalidError } from "../../workflow/errors.ts";
import { loadWorkflow, loadWorkflowObject } from "../../workflow/load.ts";
import { coreRegistry } from "./helpers.ts";

const fixture = fileURLToPath(new URL("./fixtures/bad.yaml", import.meta.url));

async function problems(file: string, source?: string): Promise<string[]> {
  try {
    await loadWorkflow(file, { registry: coreRegistry(), source, env: () => undefined });
  } catch (e) {
    if (e instanceof WorkflowInvalidError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

Deno.test("every problem of a bad workflow is reported, in file order, as file:line:col", async () => {
  const got = (await problems(fixture)).map((p) => p.replace(fixture, "bad.yaml"));
  const expected = [
    /^bad\.yaml:8:21: unknown auth method "passwrd" .*did you mean "password"/,
    /^bad\.yaml:9:16: endpoints\.origin\.timeShift: timeShift is "auto", seconds, or "\+HH:MM"/,
    /^bad\.yaml:10:12: tls\.mode applies to ftp:\/\/ URLs only/,
    /^bad\.yaml:11:5: unknown key "colour" in endpoints\.origin/,
    /^bad\.yaml:13:15: unknown URL scheme gopher:/,
    /^bad\.yaml:14:11: schedule: bad cron expression "61 \* \* \* \*"/,
    /^bad\.yaml:17:38: unknown endpoint "nowhere" \(known: origin, here, odd\)/,
    /^bad\.yaml:17:62: jobs\.pull\.mirror\.exclude\[0\]: bad glob/,
    /^bad\.yaml:18:15: jobs\.pull\.parallel: Too small/,
    /^bad\.yaml:20:12: cycle in needs: report -> back -> report/,
    /^bad\.yaml:20:19: needs unknown job "ghost"/,
    /^bad\.yaml:21:27: unknown key "formt" in jobs\.report\.walk \(did you mean "format"\?\)/,
    /^bad\.yaml:26:5: jobs\.both: a job has exactly one kind; found mirror, walk/,
    /^bad\.yaml:29:5: jobs\.typo: a job needs one kind key: .*\(unknown: mirrr \(did you mean "mirror"\?\)\)/,
    /^bad\.yaml:31:13: missing required key "to" in jobs\.missing\.mirror/,
    /^bad\.yaml:31:21: unknown var "nope"/,
    /^bad\.yaml:33:19: rmtree of an endpoint root needs force: true/,
  ];
  for (const re of expected) {
    assert.ok(got.some((p) => re.test(p)), `missing ${re}\n${got.join("\n")}`);
  }
  assert.equal(got.length, expected.length, got.join("\n"));
  const lines = got.map((p) => Number(p.split(":")[1]));
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

Deno.test("a schedule that can never fire is an error at its position", async () => {
  const got = await problems(
    "never.yaml",
    'version: 1\nschedule:\n  cron: ["15 3 * * *", "0 0 31 2 *"]\njobs:\n  w: { walk: { at: "h:/" } }\nendpoints: { h: { url: ./x } }\n',
  );
  assert.deepEqual(got, [
    'never.yaml:3:24: schedule.cron[1]: cron expression "0 0 31 2 *" never fires (no date matches it)',
  ]);
});

Deno.test("a workflow object's schedule is checked too: cron and time zone (croner loaded for it)", async () => {
  const error = await loadWorkflowObject({
    version: 1,
    schedule: { cron: ["61 * * * *", "15 3 * * *"], timezone: "Mars/Olympus" },
    endpoints: { h: { url: "./x" } },
    jobs: { w: { walk: { at: "h:/" } } },
  }, { registry: coreRegistry(), env: () => undefined }).then(() => undefined, (e) => e);
  assert.ok(error instanceof WorkflowInvalidError, String(error));
  const got = error.problems.map(formatProblem).join("\n");
  assert.match(got, /schedule\.cron\[0\]: bad cron expression "61 \* \* \* \*"/);
  assert.match(got, /schedule\.timezone: unknown time zone "Mars\/Olympus"/);
  assert.equal(error.problems.length, 2, got);
});

Deno.test("YAML syntax errors are reported with positions", async () => {
  const got = await problems("x.yaml", "version: 1\njobs:\n  a: [1, 2\n  b: 3\n");
  assert.ok(got.length >= 1);
  assert.match(got[0], /^x\.yaml:\d+:\d+: /);
  const dup = await problems("d.yaml", "version: 1\nversion: 1\njobs: {}\n");
  assert.match(dup[0], /^d\.yaml:2:1: Map keys must be unique/);
});

Deno.test("a file that is not a map, or missing, is one clear problem", async () => {
  assert.match((await problems("l.yaml", "- a\n- b\n"))[0], /a workflow is a map/);
  assert.match((await problems("/nonexistent/nope.yaml"))[0], /cannot read the workflow/);
});

Deno.test("missing version and jobs are reported", async () => {
  const got = await problems("m.yaml", "name: x\n");
  assert.ok(got.some((p) => /missing required key "version"/.test(p)), got.join("\n"));
  assert.ok(got.some((p) => /missing required key "jobs"/.test(p)), got.join("\n"));
});

Deno.test("env interpolation: missing variables are problems unless allowed", async () => {
  const src = "version: 1\nendpoints:\n  a: { url: 'memory://${env:FERRY_TEST_NOPE}' }\njobs: {}\n";
  assert.match(
    (await problems("e.yaml", src))[0],
    /^e\.yaml:3:13: environment variable FERRY_TEST_NOPE is not set/,
  );
  const wf = await loadWorkflow("e.yaml", {
    registry: coreRegistry(),
    source: src,
    env: () => undefined,
    allowMissingEnv: true,
  });
  assert.equal(wf.config.endpoints?.a.url, "memory://${env:FERRY_TEST_NOPE}");
});

Deno.test("a valid workflow loads with defaults, vars and the name from the file", async () => {
  const wf = await loadWorkflow("/tmp/flows/nightly.yaml", {
    registry: coreRegistry(),
    env: (n) => (n === "PW" ? "hunter2" : undefined),
    source: `version: 1
vars: { n: 3, base: releases }
endpoints:
  origin: { url: ftp://h/, auth: { method: password, user: bob, password: "\${env:PW}" } }
  here: { url: ./m }
jobs:
  pull: { mirror: { from: "origin:/\${vars.base}", to: "here:/" }, parallel: "\${vars.n}" }
  list: { needs: pull, walk: { at: "here:/" } }
`,
  });
  assert.equal(wf.name, "nightly");
  assert.equal(wf.baseDir, "/tmp/flows");
  assert.deepEqual(wf.jobs.map((j) => [j.name, j.kind, j.needs]), [["pull", "mirror", []], [
    "list",
    "walk",
    ["pull"],
  ]]);
  assert.equal(wf.config.jobs.pull.parallel, 3);
  assert.equal((wf.jobs[0].options as { from: string }).from, "origin:/releases");
  assert.equal(wf.secrets.redact("pw hunter2"), "pw ***");
});

Deno.test("a time shift the run would refuse is refused by validate, at its position", async () => {
  // Found from the outside (session 18): `ferry validate` said ok to "+25:00" and to 420 s,
  // and the run then failed with "time shift +25:00 is more than 24 hours".
  const src = (shift: string) =>
    `version: 1\nendpoints:\n  s:\n    url: ftp://h/\n    timeShift: ${shift}\njobs: {}\n`;
  assert.match(
    (await problems("t.yaml", src('"+25:00"')))[0] ?? "(none)",
    /^t\.yaml:5:16: endpoints\.s\.timeShift: time shift \+25:00 is more than 24 hours/,
  );
  assert.match(
    (await problems("t.yaml", src("420")))[0] ?? "(none)",
    /^t\.yaml:5:16: endpoints\.s\.timeShift: time shift 420 s is 420 s away from a 15-minute step/,
  );
  assert.deepEqual(await problems("t.yaml", src('"+05:30"')), []);
  assert.deepEqual(await problems("t.yaml", src('"-09:00"')), []);
  assert.deepEqual(await problems("t.yaml", src("-3600")), []);
  assert.deepEqual(await problems("t.yaml", src("auto")), []);
});
