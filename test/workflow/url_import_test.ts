/**
 * mod.ts (and every other entry point) imported by URL from a project without our deno.json: the repo is
 * served over local HTTP and a script in an empty directory runs a workflow
 * through it (external packages resolve from deps/'s full npm: specifiers).
 */
import assert from "node:assert/strict";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("mod.ts works when imported by URL, with no deno.json of ours", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = normalize(decodeURIComponent(new URL(req.url).pathname));
    if (path.includes("..")) return new Response("no", { status: 403 });
    try {
      const body = await Deno.readFile(join(repo, path));
      // python's http.server would say video/mp2t for .ts: Deno needs the right type.
      const type = extname(path) === ".ts" ? "application/typescript" : "text/plain";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const dir = await Deno.makeTempDir({ prefix: "ferry-url-" });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    await Deno.writeTextFile(
      join(dir, "main.ts"),
      `import { defaultRegistry, loadWorkflowObject, MemoryEndpoint, runWorkflow } from "${base}/mod.ts";
const src = new MemoryEndpoint({ name: "src" });
const w = await src.write("a.txt");
await ReadableStream.from([new TextEncoder().encode("over http")]).pipeTo(w);
const registry = await defaultRegistry();
const wf = await loadWorkflowObject({
  version: 1,
  endpoints: { s: { url: "memory://src" }, d: { url: "memory://dst" } },
  jobs: { copy: { mirror: { from: "s:/", to: "d:/" } } },
}, { registry });
const report = await runWorkflow(wf);
for (const entry of ["ftp", "host", "sync", "workflow", "plugin", "server", "uftp"]) {
  await import(\`${base}/\${entry}.ts\`);
}
console.log(JSON.stringify({ status: report.status, files: report.totals.filesTransferred, serve: registry.commands.has("serve") }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", "--quiet", "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
    assert.deepEqual(result, { status: "ok", files: 1, serve: true });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
