import assert from "node:assert/strict";
import { z } from "../../deps/zod.ts";
import { definePlugin } from "../../workflow/plugin.ts";
import { workflowJsonSchema } from "../../workflow/schema.ts";
import { coreRegistry } from "./helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("the JSON Schema describes the format from the same definitions", async () => {
  const js: Json = workflowJsonSchema(await coreRegistry().schemaParts());
  assert.equal(js.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(js.additionalProperties, false);
  assert.deepEqual(js.required.sort(), ["jobs", "version"]);
  for (
    const key of ["version", "name", "vars", "plugins", "endpoints", "defaults", "jobs", "schedule"]
  ) {
    assert.ok(key in js.properties, key);
  }
  const job = js.properties.jobs.additionalProperties;
  const kinds = job.oneOf.map((v: Json) => v.required[0]);
  assert.deepEqual(kinds, [
    "mirror",
    "sync",
    "walk",
    "rmtree",
    "upload-if-newer",
    "download-if-newer",
  ]);
  const mirror = job.oneOf[0];
  assert.equal(mirror.additionalProperties, false);
  assert.ok("needs" in mirror.properties && "retries" in mirror.properties);
  assert.deepEqual(mirror.properties.mirror.required, ["from", "to"]);
  const endpoint = js.properties.endpoints.additionalProperties;
  const methods = endpoint.properties.auth.oneOf.map((v: Json) => v.properties.method.const);
  assert.deepEqual(methods, ["anonymous", "password", "netrc", "command", "prompt"]);
  assert.deepEqual(endpoint.properties.tls.properties.mode.enum, ["require", "try", "off"]);
});

Deno.test("plugin job kinds and auth methods appear in the schema", async () => {
  const registry = coreRegistry().add(definePlugin({
    name: "p",
    jobKinds: [{
      name: "stage",
      schema: z.strictObject({ at: z.string() }),
      run: () => Promise.resolve({}),
    }],
    authMethods: [{
      name: "token",
      schema: z.object({ token: z.string() }),
      resolve: () => Promise.resolve({}),
    }],
  }));
  const js: Json = workflowJsonSchema(await registry.schemaParts());
  const kinds = js.properties.jobs.additionalProperties.oneOf.map((v: Json) => v.required[0]);
  assert.ok(kinds.includes("stage"));
  const methods = js.properties.endpoints.additionalProperties.properties.auth.oneOf.map((
    v: Json,
  ) => v.properties.method.const);
  assert.ok(methods.includes("token"));
});
