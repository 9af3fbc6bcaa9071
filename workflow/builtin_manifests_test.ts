import assert from "node:assert/strict";
import { BUILTIN_PLUGINS, CORE_JOBS } from "./builtin_manifests.ts";
import { importPlugin } from "./plugins_load.ts";
import { Registry } from "./registry.ts";

Deno.test("built-in manifests say exactly what their modules add", async () => {
  for (const { module, manifest } of [CORE_JOBS, ...BUILTIN_PLUGINS]) {
    const plugin = await importPlugin(module, ".");
    assert.equal(plugin.name, manifest.name);
    assert.deepEqual(
      (plugin.commands ?? []).map(({ run: _, ...c }) => c),
      manifest.commands ?? [],
      `${manifest.name}: commands`,
    );
    assert.deepEqual(
      // A manifest names a scheme and says what it is; its options come with the module.
      (plugin.endpointSchemes ?? []).map(({ open: _, options: __, ...s }) => s),
      manifest.endpointSchemes ?? [],
      `${manifest.name}: endpoint schemes`,
    );
    assert.deepEqual((plugin.authMethods ?? []).map((m) => m.name), manifest.authMethods ?? []);
    assert.deepEqual((plugin.jobKinds ?? []).map((k) => k.name), manifest.jobKinds ?? []);
    assert.deepEqual((plugin.authorizers ?? []).map((a) => a.name), manifest.authorizers ?? []);
  }
});

Deno.test("a lazy plugin is imported on first use, once, and then replaces its stand-ins", async () => {
  let loads = 0;
  const { definePlugin } = await import("./plugin.ts");
  const real = definePlugin({
    name: "late",
    authMethods: [{ name: "late-auth", resolve: () => Promise.resolve({ user: "u" }) }],
    commands: [{ name: "late-cmd", description: "d", run: () => Promise.resolve(7) }],
  });
  const registry = new Registry().addLazy(
    {
      name: "late",
      authMethods: ["late-auth"],
      commands: [{ name: "late-cmd", description: "d" }],
    },
    () => {
      loads++;
      return Promise.resolve(real);
    },
  );
  assert.equal(loads, 0);
  assert.ok(registry.commands.has("late-cmd"));
  assert.equal(registry.authMethods.has("late-auth"), false);
  const copy = registry.clone();
  assert.equal(await registry.commands.get("late-cmd")!.item.run([]), 7);
  assert.equal(loads, 1);
  assert.ok(registry.authMethods.has("late-auth"));
  await registry.ensure("authMethod", "late-auth");
  await registry.loadAll();
  assert.equal(loads, 1);
  assert.equal(registry.commands.get("late-cmd")!.item, real.commands![0]);
  await copy.ensure("authMethod", "late-auth");
  assert.ok(copy.authMethods.has("late-auth"));
});
