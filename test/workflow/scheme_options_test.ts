import assert from "node:assert/strict";
import { formatProblem, WorkflowInvalidError } from "../../workflow/errors.ts";
import { loadWorkflow } from "../../workflow/load.ts";
import { lazyRegistry } from "../../workflow/lazy_registry.ts";
import type { Registry } from "../../workflow/registry.ts";
import { optionProblems } from "../../workflow/validate.ts";
import { FTP_OPTIONS } from "../../endpoint/ftp/endpoint_options.ts";
import { coreRegistry } from "./helpers.ts";

async function problems(source: string, registry: Registry = coreRegistry()): Promise<string[]> {
  try {
    await loadWorkflow("/flows/opt.yaml", { registry, source, env: () => undefined });
  } catch (e) {
    if (e instanceof WorkflowInvalidError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

const workflow = (endpoints: string) =>
  `version: 1
endpoints:
${endpoints}
  disk:
    url: ./mirror
jobs:
  m:
    mirror: { from: "origin:/", to: "disk:/" }
`;

Deno.test("options: a misspelt FTP option is an error at the key, with the known keys and a guess", async () => {
  const got = await problems(workflow(`  origin:
    url: ftp://h/pub
    options:
      useMlsd: false
      pasive: true`));
  assert.equal(got.length, 1, got.join("\n"));
  assert.match(
    got[0],
    /^\/flows\/opt\.yaml:7:7: unknown option "pasive" in endpoints\.origin\.options \(did you mean "passive"\?\); ftp:\/\/ takes: account, activeAddress, .*epsvAhead, .*passive, .*useMlsd, writeAhead$/,
  );
});

Deno.test("options: a value of the wrong type or outside the allowed ones is an error at the value", async () => {
  const got = await problems(workflow(`  origin:
    url: ftpes://h/pub
    options: { useMlsd: sometimes, maxChildren: 2.5, statCache: { size: 10 }, passive: false }`));
  assert.deepEqual(got, [
    '/flows/opt.yaml:5:25: options.useMlsd: expected true or false or "auto", got "sometimes"',
    "/flows/opt.yaml:5:49: options.maxChildren: expected an integer, got 2.5",
  ]);
});

Deno.test("options: local and memory endpoints take none; plain paths count as file://", async () => {
  const got = await problems(`version: 1
endpoints:
  origin: { url: memory://src, options: { precision: 1000 } }
  disk: { url: ./mirror, options: { fsync: always } }
jobs:
  m:
    mirror: { from: "origin:/", to: "disk:/" }
`);
  assert.deepEqual(got, [
    '/flows/opt.yaml:3:43: unknown option "precision" in endpoints.origin.options; memory:// takes no options',
    '/flows/opt.yaml:4:37: unknown option "fsync" in endpoints.disk.options; file:// takes no options',
  ]);
});

Deno.test("options: a plugin scheme's own keys, known once the CLI's lazy registry loads it (uftp)", async () => {
  const ok = await problems(
    workflow(`  origin:
    url: uftp://u@h:9000/rest/auth/TEST:/d
    options: { streams: 2, persistent: true }`),
    lazyRegistry(),
  );
  assert.deepEqual(ok, []);
  const got = await problems(
    workflow(`  origin:
    url: uftp://u@h:9000/rest/auth/TEST:/d
    options: { stream: 2 }`),
    lazyRegistry(),
  );
  assert.equal(got.length, 1, got.join("\n"));
  assert.match(
    got[0],
    /:5:16: unknown option "stream" .*\(did you mean "streams"\?\); uftp:\/\/ takes: /,
  );
});

Deno.test("optionProblems: pure; a scheme without a declaration is not asked", () => {
  assert.deepEqual(
    optionProblems(["o"], "ftp", { passive: true, keepAliveMs: 5000 }, FTP_OPTIONS),
    [],
  );
  assert.deepEqual(optionProblems(["o"], "x", { anything: 1 }, {}), [{
    path: ["o"],
    key: "anything",
    message: 'unknown option "anything" in o; x:// takes no options',
  }]);
  assert.deepEqual(
    optionProblems(["o"], "x", { n: "3", m: [1] }, {
      n: { type: "number" },
      m: { type: "object" },
    }).map((p) => p.message),
    ['options.n: expected a number, got "3"', "options.m: expected an object, got a list"],
  );
});
