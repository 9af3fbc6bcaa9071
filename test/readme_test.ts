/**
 * The README's code runs as written on a fresh machine: its TypeScript
 * blocks run in a new, empty folder (importing the entry points by their file URLs, as a
 * program importing ferry by URL does), and its workflow validates.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./cli/helpers.ts";

const README = new URL("../README.md", import.meta.url);
const ROOT = new URL("../", import.meta.url).href;

function blocks(lang: string, text: string): string[] {
  return [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```\\n", "g"))].map((m) =>
    m[1]
  );
}

Deno.test("README: every TypeScript block runs in a fresh folder", async () => {
  const ts = blocks("ts", await Deno.readTextFile(README));
  assert.ok(ts.length >= 1);
  for (const code of ts) {
    const dir = await Deno.makeTempDir({ prefix: "ferry-readme-" });
    try {
      await Deno.writeTextFile(
        join(dir, "example.ts"),
        code.replaceAll(/"\.\/(\w+\.ts)"/g, `"${ROOT}$1"`),
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "example.ts"],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      assert.equal(new TextDecoder().decode(out.stdout), "1 10\nok\n");
      assert.equal(await Deno.readTextFile(join(dir, "mirror/releases/v1.txt")), "version 1\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("README: the workflow validates", async () => {
  const [yaml] = blocks("yaml", await Deno.readTextFile(README));
  const dir = await Deno.makeTempDir({ prefix: "ferry-readme-" });
  try {
    await Deno.writeTextFile(join(dir, "nightly.yaml"), yaml);
    const r = await ferry(["validate", "nightly.yaml"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
