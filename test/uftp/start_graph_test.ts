/**
 * What a `uftp://` get/put loads at start-up, from the module graph Deno
 * reads (`deno info --json`: static imports and literal `import()`s, without
 * type-only ones): no zod (the `unicore` auth method's schema comes with
 * validation only), no SSH-key code (only key files load it), and a head
 * start whose auth request leaves before the FTP stack loads.
 * @module
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** One module of `deno info --json`, as far as this test reads it. */
interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string } }[];
}

/**
 * The modules Deno loads to run `entry` (relative to the project root; project
 * files relative too, others as Deno names them), type-only imports left out.
 */
async function codeGraph(entry: string): Promise<Set<string>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: InfoModule[] };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code?.specifier) visit(dep.code.specifier);
    }
  };
  visit(new URL(entry, root).href);
  return new Set([...seen].map((s) => s.startsWith(root.href) ? s.slice(root.href.length) : s));
}

Deno.test("uftp start-up graph: the plugin a uftp:// URL loads brings no zod", async () => {
  const graph = await codeGraph("plugins/uftp/plugin.ts");
  assert.ok(graph.has("plugins/uftp/auth_method.ts"));
  assert.ok(!graph.has("deps/zod.ts"), "deps/zod.ts is in the graph");
  assert.ok(!graph.has("plugins/uftp/auth_schema.ts"));
});

Deno.test("uftp start-up graph: SSH-key code (jwt, keys, openssh, bcrypt-pbkdf) loads only for key files", async () => {
  const graph = await codeGraph("plugins/uftp/plugin.ts");
  for (const module of ["jwt.ts", "keys.ts", "openssh.ts", "ssh_wire.ts"]) {
    assert.ok(!graph.has(`plugins/uftp/${module}`), `plugins/uftp/${module} is in the graph`);
  }
  assert.ok(!graph.has("deps/bcrypt_pbkdf.ts"));
});

Deno.test("uftp start-up graph: the head start needs only the auth client and ./errors", async () => {
  const graph = await codeGraph("plugins/uftp/head.ts");
  assert.ok(graph.has("plugins/uftp/auth_client.ts") && graph.has("plugins/uftp/https.ts"));
  const outside = [...graph].filter((m) =>
    !m.startsWith("plugins/uftp/") && m !== "errors.ts" && m !== "util/errors.ts"
  );
  assert.deepEqual(outside, [], "the head loads these before its auth request");
  for (const module of ["session.ts", "credentials.ts", "jwt.ts", "dialect.ts"]) {
    assert.ok(!graph.has(`plugins/uftp/${module}`), `plugins/uftp/${module} is in the graph`);
  }
});

Deno.test("start-up graph: logging loads no logtape (an npm package: Deno's Node layer) unless JSON lines or a log file are asked for", async () => {
  for (const entry of ["util/log.ts", "cli/logging.ts"]) {
    const graph = await codeGraph(entry);
    const npm = [...graph].filter((m) => m.startsWith("npm:") || m === "deps/logtape.ts");
    assert.deepEqual(npm, [], `${entry} loads these`);
  }
});
