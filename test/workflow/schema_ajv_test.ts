/**
 * One truth for the format: the JSON Schema `ferry schema` prints (checked
 * with ajv, as editors do) and the validator agree on every example workflow
 * in the repository and its docs, on the bad fixture, and on numbers and
 * booleans that come from `${env:...}` and `${vars...}`.
 * @module
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "../../deps/ajv.ts";
import { yaml } from "../../deps/yaml.ts";
import { defaultRegistry } from "../../workflow/builtins.ts";
import { WorkflowInvalidError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { workflowJsonSchema } from "../../workflow/schema.ts";

const root = new URL("../../", import.meta.url);
const registry = await defaultRegistry();
const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaOk = ajv.compile(workflowJsonSchema(await registry.schemaParts()));

async function validatorOk(source: string, env: Record<string, string> = {}): Promise<boolean> {
  try {
    await loadWorkflow("w.yaml", { registry, source, env: (n) => env[n] });
    return true;
  } catch (e) {
    if (e instanceof WorkflowInvalidError) return false;
    throw e;
  }
}

/** Every workflow the repository shows: workflows/*.yaml and `version: 1` YAML blocks in docs. */
async function examples(): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of Deno.readDir(new URL("workflows/", root))) {
    if (e.name.endsWith(".yaml")) {
      out.push([
        `workflows/${e.name}`,
        await Deno.readTextFile(new URL(`workflows/${e.name}`, root)),
      ]);
    }
  }
  const docs = [
    "README.md",
    ...[...Deno.readDirSync(new URL("docs/", root))].map((e) => `docs/${e.name}`),
  ];
  for (const doc of docs.filter((d) => d.endsWith(".md"))) {
    const text = await Deno.readTextFile(new URL(doc, root));
    for (const m of text.matchAll(/```yaml\n([\s\S]*?)```\n/g)) {
      if (/^version: 1$/m.test(m[1]) && /^jobs:/m.test(m[1])) out.push([doc, m[1]]);
    }
  }
  return out;
}

Deno.test("schema and validator agree on every example workflow", async () => {
  const all = await examples();
  assert.ok(all.length >= 3, `${all.length} examples`);
  for (const [where, source] of all) {
    const raw = yaml.parse(source);
    assert.equal(schemaOk(raw), true, `${where}: ${JSON.stringify(schemaOk.errors)}`);
    // Unset environment variables in examples take a placeholder, as a user's would be set.
    const env = new Proxy({}, { get: () => "x" }) as Record<string, string>;
    // A plugin an example names is not in the repository: checked without it.
    const withoutPlugins = source.replace(/^plugins:.*\n/m, "");
    assert.equal(await validatorOk(withoutPlugins, env), true, where);
  }
});

Deno.test("schema and validator both reject the bad fixture", async () => {
  const source = await Deno.readTextFile(new URL("test/workflow/fixtures/bad.yaml", root));
  assert.equal(schemaOk(yaml.parse(source)), false);
  assert.equal(await validatorOk(source), false);
});

Deno.test("numbers, booleans and durations may come from ${env:...} and ${vars...}", async () => {
  const source = `version: 1
vars: { n: 3, slow: "45s" }
endpoints:
  here: { url: ./x, maxConnections: "\${vars.n}", timeout: "\${vars.slow}" }
defaults: { retries: "\${env:R:-2}", dryRun: "\${env:DRY:-false}" }
jobs:
  pull:
    parallel: "\${vars.n}"
    timeout: "\${env:T:-30}"
    mirror: { from: "here:/a", to: "here:/b", delete: "\${env:DEL:-true}", maxDelete: "\${env:MD:-5}" }
`;
  assert.equal(schemaOk(yaml.parse(source)), true, JSON.stringify(schemaOk.errors));
  const wf = await loadWorkflow("w.yaml", { registry, source, env: () => undefined });
  const job = wf.jobs.find((j) => j.name === "pull")!;
  assert.deepEqual([job.config.parallel, job.config.timeout], [3, 30]);
  assert.deepEqual(job.options, { from: "here:/a", to: "here:/b", delete: true, maxDelete: 5 });
  assert.deepEqual(wf.config.defaults, { retries: 2, dryRun: false });
  assert.deepEqual(wf.config.endpoints!.here, { url: "./x", maxConnections: 3, timeout: "45s" });
  // Text that is not a number is still refused, at its position.
  assert.equal(await validatorOk(source, { R: "many" }), false);
  assert.equal(
    schemaOk({ version: 1, jobs: { j: { parallel: "many", walk: { at: "h:/" } } } }),
    false,
  );
});
