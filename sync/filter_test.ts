import assert from "node:assert/strict";
import { GlobError, globProblem, makeFilter } from "./filter.ts";
// As the library's entry points do: the glob engine at once (sync/filter.ts).
import "./globs.ts";

Deno.test("filter: a pattern without / matches the base name at any depth", () => {
  const f = makeFilter({ exclude: ["*.tmp", ".git"] });
  assert.equal(f.takesFile("x.tmp", 1), false);
  assert.equal(f.takesFile("a/b/x.tmp", 1), false);
  assert.equal(f.takesFile("a/b/x.txt", 1), true);
  assert.equal(f.excludesDir("src/.git"), true);
  assert.equal(f.excludesDir("src/git"), false);
});

Deno.test("filter: a pattern with / is anchored at the root, leading / optional", () => {
  const f = makeFilter({ exclude: ["/docs/*.md", "build/**"] });
  assert.equal(f.takesFile("docs/a.md", 1), false);
  assert.equal(f.takesFile("x/docs/a.md", 1), true);
  assert.equal(f.takesFile("docs/sub/a.md", 1), true, "* does not cross /");
  assert.equal(f.excludesDir("build"), true, "dir/** prunes the directory itself");
  assert.equal(f.excludesDir("x/build"), false);
});

Deno.test("filter: a trailing / names directories only", () => {
  const f = makeFilter({ exclude: ["cache/"] });
  assert.equal(f.excludesDir("a/cache"), true);
  assert.equal(f.takesFile("a/cache", 1), true);
});

Deno.test("filter: * matches dotfiles; excludes win over includes", () => {
  const f = makeFilter({ include: ["*.txt"], exclude: ["secret*"] });
  assert.equal(f.takesFile(".hidden.txt", 1), true);
  assert.equal(f.takesFile("a/b.txt", 1), true);
  assert.equal(f.takesFile("a/b.bin", 1), false);
  assert.equal(f.takesFile("secret.txt", 1), false);
  assert.equal(f.excludesDir("anything"), false, "includes never prune directories");
});

Deno.test("filter: size limits apply to files", () => {
  const f = makeFilter({ minSize: 10, maxSize: 20 });
  assert.deepEqual([5, 10, 20, 21].map((n) => f.takesFile("f", n)), [false, true, true, false]);
});

Deno.test("filter: bad globs are refused with their reason", () => {
  assert.equal(globProblem("*.txt"), undefined);
  assert.match(globProblem("a[")!, /\]/);
  assert.equal(globProblem(""), "empty pattern");
  assert.throws(() => makeFilter({ exclude: ["{a,b"] }), GlobError);
});
