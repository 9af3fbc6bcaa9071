import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { formatProblem, PluginLoadError, WorkflowInvalidError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { definePlugin, isPlugin } from "../../workflow/plugin.ts";
import { z } from "../../deps/zod.ts";
import { importPlugin, loadPlugin, pluginUrl } from "../../workflow/plugins_load.ts";
import { runWorkflow } from "../../workflow/run.ts";
import { defaultRegistry } from "../../workflow/builtins.ts";
import { coreRegistry, freshName, read } from "./helpers.ts";

const fixtures = dirname(fileURLToPath(new URL("./fixtures/x", import.meta.url)));

Deno.test("pluginUrl keeps URLs and resolves paths against the workflow's directory", () => {
  assert.equal(pluginUrl("https://e.org/p.ts", "/x"), "https://e.org/p.ts");
  assert.equal(pluginUrl("./p.ts", "/srv/flows"), "file:///srv/flows/p.ts");
  assert.equal(pluginUrl("/abs/p.ts", "/srv"), "file:///abs/p.ts");
});

Deno.test("a good plugin adds its auth method, job kind and command", async () => {
  const registry = coreRegistry();
  const plugin = await loadPlugin(registry, "./good_plugin.ts", fixtures);
  assert.ok(isPlugin(plugin));
  assert.ok(registry.authMethods.has("fixed-token"));
  assert.ok(registry.jobKinds.has("touch"));
  assert.ok(registry.commands.has("hello"));
});

Deno.test("broken plugins give errors naming them", async (t) => {
  // Written at run time: a file with a syntax error would break `deno check` of the repo.
  const tmp = await Deno.makeTempDir({ prefix: "ferry-plugin-" });
  await Deno.writeTextFile(`${tmp}/broken_syntax.ts`, 'export default definePlugin({ name: "x",\n');
  const syntax = `${tmp}/broken_syntax.ts`;
  const cases: [string, RegExp][] = [
    [syntax, /^plugin \/.*\/broken_syntax\.ts: cannot import it: /],
    [
      "./no_default.ts",
      /^plugin \.\/no_default\.ts: a plugin module must export default definePlugin/,
    ],
    ["./throws.ts", /^plugin \.\/throws\.ts: cannot import it: .*exploded/],
    ["./missing.ts", /^plugin \.\/missing\.ts: cannot import it: /],
    ["./clash.ts", /^plugin \.\/clash\.ts: job kind "mirror" is already defined by plugin ferry/],
  ];
  for (const [spec, re] of cases) {
    await t.step(spec, async () => {
      const err = await importPlugin(spec, fixtures).then(
        (p) => coreRegistry().add(p, spec),
      ).then(() => undefined, (e) => e);
      assert.ok(err instanceof PluginLoadError, String(err));
      assert.match(err.message, re);
      assert.equal(err.plugin, spec);
    });
  }
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("definePlugin checks names", () => {
  assert.throws(() => definePlugin({ name: "" }), TypeError);
  assert.throws(
    () =>
      definePlugin({
        name: "x",
        commands: [{
          name: "",
          description: "",
          run: () => Promise.resolve(0),
        }],
      }),
    TypeError,
  );
});

Deno.test("definePlugin refuses an auth method with both schema and loadSchema", () => {
  const schema = z.object({ token: z.string() });
  assert.throws(
    () =>
      definePlugin({
        name: "both",
        authMethods: [{
          name: "t",
          schema,
          loadSchema: () => Promise.resolve(schema),
          resolve: () => Promise.resolve({}),
        }],
      }),
    {
      name: "TypeError",
      message: 'definePlugin(both): auth method "t" gives both schema and loadSchema',
    },
  );
});

Deno.test("an auth method's loadSchema is imported once, and checks the workflow as a schema would", async () => {
  let loads = 0;
  const registry = coreRegistry().add(definePlugin({
    name: "lazy-auth",
    authMethods: [{
      name: "lazy-token",
      loadSchema: () => {
        loads++;
        return Promise.resolve(z.object({ token: z.string() }));
      },
      resolve: () => Promise.resolve({}),
    }],
  }));
  const source = (auth: string) =>
    `version: 1\nendpoints:\n  m: { url: "memory://x", auth: ${auth} }\njobs:\n  w: { walk: { at: "m:/" } }\n`;
  const bad = await loadWorkflow("w.yaml", {
    registry,
    source: source("{ method: lazy-token, token: 3, tokn: a }"),
  }).then(() => undefined, (e) => e);
  assert.ok(bad instanceof WorkflowInvalidError, String(bad));
  assert.deepEqual(bad.problems.map(formatProblem), [
    "w.yaml:3:62: endpoints.m.auth.token: Invalid input: expected string, received number",
    'w.yaml:3:65: unknown key "tokn" in endpoints.m.auth (did you mean "token"?)',
  ]);
  await loadWorkflow("w.yaml", { registry, source: source("{ method: lazy-token, token: a }") });
  const parts = await registry.schemaParts();
  assert.ok(parts.authMethods.find((m) => m.name === "lazy-token")?.schema);
  assert.equal(loads, 1);
});

Deno.test("an auth method whose loadSchema fails gives a PluginLoadError naming its plugin", async () => {
  const registry = coreRegistry().add(definePlugin({
    name: "broken-auth",
    authMethods: [{
      name: "broken",
      loadSchema: () => Promise.reject(new Error("module not found: ./gone.ts")),
      resolve: () => Promise.resolve({}),
    }],
  }));
  await assert.rejects(registry.schemaParts(), (e) => {
    assert.ok(e instanceof PluginLoadError);
    assert.equal(e.plugin, "broken-auth");
    assert.equal(
      e.message,
      'plugin broken-auth: the schema of auth method "broken" could not be loaded: module not found: ./gone.ts',
    );
    return true;
  });
});

Deno.test("a workflow's plugins extend the schema and run; broken ones are problems at their line", async () => {
  const store = freshName("plug");
  const wf = await loadWorkflow(`${fixtures}/flow.yaml`, {
    registry: coreRegistry(),
    source: `version: 1
plugins: [./good_plugin.ts]
endpoints:
  m: { url: "memory://${store}", auth: { method: fixed-token, token: abc } }
jobs:
  t: { touch: { at: "m:/", name: hello.txt } }
`,
  });
  const report = await runWorkflow(wf);
  assert.equal(report.status, "ok");
  assert.equal((await read(store))["hello.txt"], "touched");

  const bad = await loadWorkflow(`${fixtures}/flow.yaml`, {
    registry: coreRegistry(),
    source:
      "version: 1\nplugins:\n  - ./good_plugin.ts\n  - ./throws.ts\njobs:\n  t: { touch: { at: 'm:/' } }\n",
  }).then(() => undefined, (e) => e);
  assert.ok(bad instanceof WorkflowInvalidError);
  const lines = bad.problems.map(formatProblem);
  assert.ok(
    lines.some((l: string) => /flow\.yaml:4:5: plugin \.\/throws\.ts: cannot import it/.test(l)),
    lines.join("\n"),
  );
  assert.ok(lines.some((l: string) => /unknown endpoint "m"/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l: string) => /missing required key "name"/.test(l)), lines.join("\n"));
});

Deno.test("built-in plugin modules load through the same registry", async () => {
  const registry = await defaultRegistry();
  assert.ok(registry.plugins.some((p) => p.name === "ferry"));
  // plugins/server contributes `serve` once it is there; a missing module is only a warning.
  const failed = await defaultRegistry({
    modules: [new URL("./fixtures/throws.ts", import.meta.url).href],
  });
  assert.equal(failed.plugins.length, 1);
  assert.ok(registry.commands.has("serve"));
});
