/**
 * Every entry point stays documented: `deno doc --lint` reports nothing on any
 * of them (each checked alone: a type one entry point mentions must be exported
 * by that entry point), and every exported function and public method carries an
 * `@example`.
 * @module
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** The entry points, from deno.json's `exports` map. */
async function entryPoints(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  return Object.values(config.exports as Record<string, string>);
}

async function deno(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout), err: text.decode(stderr) };
}

/** `error[kind]: message` and the `--> file:line:col` under it, one line per problem. */
function problems(output: string): string[] {
  const found: string[] = [];
  const lines = output.split("\n");
  lines.forEach((line, i) => {
    if (!line.startsWith("error[")) return;
    const where = lines.slice(i + 1, i + 3).find((l) => l.trim().startsWith("-->"));
    found.push(`${line} ${where?.trim().replace(/^--> /, "") ?? ""}`);
  });
  return found;
}

Deno.test("house: deno doc --lint reports nothing on any entry point", async () => {
  const failures: string[] = [];
  for (const entry of await entryPoints()) {
    const { code, out, err } = await deno("doc", "--lint", entry);
    const found = problems(out + err);
    if (code !== 0 || found.length > 0) {
      failures.push(`${entry}: ${found.length} problems\n  ${found.join("\n  ")}`);
    }
  }
  assert.deepEqual(failures, [], failures.join("\n"));
});

interface JsDoc {
  tags?: { kind: string }[];
}

interface Method {
  name: string;
  kind: string;
  accessibility?: string;
  jsDoc?: JsDoc;
  location: { line: number };
  functionDef?: { hasBody?: boolean };
}

interface DocNode {
  name: string;
  declarations: {
    kind: string;
    location: { filename: string; line: number };
    jsDoc?: JsDoc;
    def?: { methods?: Method[] };
  }[];
}

const hasExample = (doc?: JsDoc) => doc?.tags?.some((t) => t.kind === "example") ?? false;

Deno.test("house: every function and public method an entry point exports has an @example", async () => {
  const { code, out, err } = await deno("doc", "--json", ...await entryPoints());
  assert.equal(code, 0, err);
  const doc = JSON.parse(out) as { nodes: Record<string, { symbols: DocNode[] }> };
  const missing = new Set<string>();
  for (const { symbols } of Object.values(doc.nodes)) {
    for (const symbol of symbols) {
      for (const d of symbol.declarations) {
        const file = d.location.filename.replace(root.href, "");
        if (d.kind === "function" && !hasExample(d.jsDoc)) {
          missing.add(`${symbol.name} (${file}:${d.location.line})`);
        }
        if (d.kind !== "class") continue;
        for (const m of d.def?.methods ?? []) {
          if (m.kind !== "method" || m.accessibility === "private" || hasExample(m.jsDoc)) continue;
          // An overloaded method's implementation signature is not part of the API.
          if (!m.jsDoc && m.functionDef?.hasBody) continue;
          missing.add(`${symbol.name}.${m.name} (${file}:${m.location.line + 1})`);
        }
      }
    }
  }
  assert.deepEqual([...missing], [], `no @example:\n${[...missing].join("\n")}`);
});

Deno.test("house: the problem reader finds each problem and where it is", () => {
  const sample = [
    "error[missing-jsdoc]: exported symbol is missing JSDoc documentation",
    "  --> /x/sync/walk.ts:41:3",
    "   |",
    "error[private-type-ref]: public type 'A' references private type 'B'",
    "   --> /x/a.ts:2:1",
  ].join("\n");
  assert.deepEqual(problems(sample), [
    "error[missing-jsdoc]: exported symbol is missing JSDoc documentation /x/sync/walk.ts:41:3",
    "error[private-type-ref]: public type 'A' references private type 'B' /x/a.ts:2:1",
  ]);
  assert.deepEqual(problems("Checked 1 file"), []);
});
