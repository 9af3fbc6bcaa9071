import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ferry, spawnFerry } from "./helpers.ts";

const badFixture = fileURLToPath(new URL("../workflow/fixtures/bad.yaml", import.meta.url));
const probe = fileURLToPath(new URL("./fixtures/probe_plugin.ts", import.meta.url));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const flow = (dir: string) =>
  `version: 1
endpoints:
  src: { url: ${join(dir, "src")} }
  out: { url: ${join(dir, "out")} }
jobs:
  copy: { mirror: { from: "src:/", to: "out:/" } }
  list: { needs: copy, walk: { at: "out:/" } }
`;

Deno.test("validate: every problem as file:line:col, exit 2; a good file exits 0", async () => {
  const bad = await ferry(["validate", badFixture]);
  assert.equal(bad.code, 2, bad.stderr);
  const lines = bad.stdout.trim().split("\n");
  assert.equal(lines.length, 17, bad.stdout);
  assert.ok(lines.every((l) => l.startsWith(`${badFixture}:`)), bad.stdout);
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "ok.yaml"), flow(dir));
    const ok = await ferry(["validate", join(dir, "ok.yaml")]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok \(ok: 2 job\(s\)\)/);
    const json = await ferry(["validate", "--json", join(dir, "ok.yaml"), badFixture]);
    assert.equal(json.code, 2);
    const parsed = JSON.parse(json.stdout);
    assert.deepEqual(parsed.map((r: { ok: boolean }) => r.ok), [true, false]);
  });
});

Deno.test("run of an invalid workflow executes nothing and exits 2", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src", "a.txt"), "a");
    await Deno.writeTextFile(
      join(dir, "f.yaml"),
      flow(dir) + "  broken: { mirror: { from: 'nope:/' } }\n",
    );
    const r = await ferry(["run", join(dir, "f.yaml")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /f\.yaml:8:\d+: /);
    assert.match(r.stderr, /nothing was run/);
    await assert.rejects(Deno.stat(join(dir, "out")));
  });
});

Deno.test("run: exit 0 with a JSON report; a failing job exits 1", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src", "a.txt"), "alpha");
    await Deno.writeTextFile(join(dir, "f.yaml"), flow(dir));
    const r = await ferry(["run", join(dir, "f.yaml"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, "ok");
    assert.equal(report.jobs[0].counts.filesTransferred, 1);
    assert.equal(await Deno.readTextFile(join(dir, "out", "a.txt")), "alpha");

    const human = await ferry(["run", join(dir, "f.yaml"), "--dry-run"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /workflow f: ok .*\(dry run: nothing was changed\)/);

    await Deno.remove(join(dir, "src"), { recursive: true });
    const failed = await ferry(["run", join(dir, "f.yaml"), "--json", "-j", "copy"]);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.equal(JSON.parse(failed.stdout).jobs[0].status, "failed");

    const unknown = await ferry(["run", join(dir, "f.yaml"), "-j", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown job "nope"/);
  });
});

Deno.test("usage errors exit 2; help and version exit 0", async () => {
  assert.equal((await ferry(["frobnicate"])).code, 2);
  assert.equal((await ferry(["run"])).code, 2);
  assert.equal((await ferry(["mirror", "a", "b", "--parallel", "zero"])).code, 2);
  // Credentials that cannot be had are bad input too, named in the message.
  const unset = await ferry(
    ["ls", "-u", "x", "--password-env", "FERRY_TEST_UNSET_PW", "ftp://127.0.0.1:9/"],
  );
  assert.equal(unset.code, 2, unset.stderr);
  assert.match(unset.stderr, /FERRY_TEST_UNSET_PW is not set/);
  const help = await ferry(["--help"]);
  assert.equal(help.code, 0);
  for (
    const cmd of [
      "run",
      "validate",
      "schema",
      "schedule",
      "ls",
      "get",
      "put",
      "mirror",
      "sync",
      "walk",
      "rmtree",
      "upload-if-newer",
      "download-if-newer",
      "time-shift",
      "demo",
    ]
  ) {
    assert.match(help.stdout, new RegExp(`^  ${cmd} `, "m"), cmd);
  }
  assert.equal((await ferry(["--version"])).code, 0);
});

Deno.test("schema prints the JSON Schema", async () => {
  const r = await ferry(["schema"]);
  assert.equal(r.code, 0, r.stderr);
  const js = JSON.parse(r.stdout);
  assert.equal(js.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.ok(js.properties.jobs);
  const withPlugin = JSON.parse((await ferry(["schema", "--plugin", probe])).stdout);
  const kinds = withPlugin.properties.jobs.additionalProperties.oneOf.map((
    v: { required: string[] },
  ) => v.required[0]);
  assert.ok(kinds.includes("wait"));
});

Deno.test("plugin commands run with their raw arguments and exit codes; a broken plugin exits 2", async () => {
  const r = await ferry(["--plugin", probe, "hello", "a", "--b"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "hello a --b");
  assert.equal((await ferry(["--plugin", probe, "hello", "--fail"])).code, 3);
  const broken = await ferry(["--plugin", "./does-not-exist.ts", "--help"]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /plugin \.\/does-not-exist\.ts: cannot import it/);
});

Deno.test("secrets are masked in logs, JSON logs, log files, reports and errors", async () => {
  await withDir(async (dir) => {
    const secret = "tok-8f3a9c2b1d";
    await Deno.writeTextFile(
      join(dir, "leak.yaml"),
      `version: 1\nplugins: [${probe}]\njobs:\n  l: { leak: { secret: "\${env:FERRY_TEST_TOKEN}" }, retries: 0 }\n`,
    );
    const env = { FERRY_TEST_TOKEN: secret };
    for (
      const extra of [[], ["--debug"], ["--log-format", "json", "--json"], [
        "--log-file",
        join(dir, "log.ndjson"),
      ]]
    ) {
      const r = await ferry(["run", join(dir, "leak.yaml"), ...extra], { env });
      assert.equal(r.code, 1, r.stderr);
      const all = r.stdout + r.stderr;
      assert.ok(!all.includes(secret), `${extra.join(" ")}: ${all}`);
      assert.match(all, /\*\*\*/);
    }
    const log = await Deno.readTextFile(join(dir, "log.ndjson"));
    assert.ok(!log.includes(secret));
    const lines = log.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.category === "ferry.job.l"));
  });
});

Deno.test("--log-format json writes NDJSON events", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "src"));
    await Deno.writeTextFile(join(dir, "src", "a.txt"), "alpha");
    await Deno.writeTextFile(join(dir, "f.yaml"), flow(dir));
    const r = await ferry(["run", join(dir, "f.yaml"), "--log-format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stderr.trim().split("\n").map((l) => JSON.parse(l));
    const types = events.filter((e) => e.category === "ferry.events").map((e) => e.type);
    for (const t of ["run-start", "job-start", "plan", "file-end", "job-end"]) {
      assert.ok(types.includes(t), t);
    }
  });
});

Deno.test("Ctrl-C stops a run cleanly with exit 130", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "wait.yaml"),
      `version: 1\nplugins: [${probe}]\njobs:\n  w: { wait: {} }\n  after: { needs: w, wait: {} }\n`,
    );
    const child = spawnFerry(["run", join(dir, "wait.yaml"), "--json"]);
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("PROBE-WAITING")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    child.kill("SIGINT");
    const rest = (async () => {
      for (;;) if ((await reader.read()).done) return;
    })();
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      rest,
    ]);
    assert.equal(status.code, 130, seen);
    const report = JSON.parse(stdout);
    assert.equal(report.status, "interrupted");
    assert.deepEqual(report.jobs.map((j: { status: string }) => j.status), [
      "interrupted",
      "skipped",
    ]);
  });
});

Deno.test("one-off commands: mirror, walk, rmtree, upload-if-newer, sync on local paths", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "src/d"), { recursive: true });
    await Deno.writeTextFile(join(dir, "src/a.txt"), "alpha");
    await Deno.writeTextFile(join(dir, "src/d/b.tmp"), "tmp");
    const m = await ferry(["mirror", join(dir, "src"), join(dir, "out"), "-x", "*.tmp", "--json"]);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(JSON.parse(m.stdout).jobs[0].counts.filesTransferred, 1);
    const w = await ferry(["walk", join(dir, "out"), "--format", "csv", "--totals"]);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /^path,type,size,mtime,precision\na\.txt,file,5,/);
    const u = await ferry(["upload-if-newer", join(dir, "src/a.txt"), join(dir, "copy/a.txt")]);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "copy/a.txt")), "alpha");
    const s = await ferry([
      "sync",
      join(dir, "src"),
      join(dir, "peer"),
      "--state-dir",
      join(dir, "state"),
    ], {
      cwd: dir,
    });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "peer/d/b.tmp")), "tmp");
    const root = await ferry(["rmtree", "/"]);
    assert.equal(root.code, 2, root.stderr);
    assert.match(root.stderr, /force/);
    const rm = await ferry(["rmtree", join(dir, "out")]);
    assert.equal(rm.code, 0, rm.stderr);
    await assert.rejects(Deno.stat(join(dir, "out")));
  });
});
