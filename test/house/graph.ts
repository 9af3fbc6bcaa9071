/**
 * The house rules as code: the project's module graph (every source module,
 * tests and benchmarks left out, as `deno info` resolves it, type-only and
 * literal dynamic imports included) and the checks `deno task test` runs on it:
 * no import circle, and each layer importing only the layers below it.
 *
 * Run `deno run -A test/house/graph.ts` (or `tools/check-layers`) to print the
 * problems without the test runner.
 * @module
 */

/** One import: `from` imports `to` (paths relative to the project root, or an external specifier). */
export interface Edge {
  from: string;
  to: string;
  /** Only types are imported (`import type`, or the type side of a specifier). */
  typeOnly: boolean;
}

/** The project's modules and the imports between them. */
export interface ModuleGraph {
  /** Every project module in the graph, sorted. */
  modules: string[];
  edges: Edge[];
}

/** The entry points of deno.json's exports map: the only project files a plugin may import. */
export const ENTRY_POINTS: readonly string[] = [
  "mod.ts",
  "ftp.ts",
  "host.ts",
  "sync.ts",
  "workflow.ts",
  "plugin.ts",
  "plugin_base.ts",
  "server.ts",
  "uftp.ts",
  "errors.ts",
];

/** The layers, bottom first: each may import only its own and lower ranks. */
const RANK: Record<string, number> = { util: 0, ftp: 1, endpoint: 2, sync: 3, workflow: 4, cli: 5 };

const SKIP_DIRS = new Set(["test", "tests", "bench", "node_modules", ".ferry", ".git"]);

/**
 * The source modules under `root` (tests, test helpers and benchmarks left out).
 *
 * @example
 * ```ts
 * const files = await sourceFiles(new URL("../../", import.meta.url));
 * files.includes("mod.ts"); // true
 * ```
 */
export async function sourceFiles(root: URL): Promise<string[]> {
  const out: string[] = [];
  async function visit(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(new URL(dir, root))) {
      const path = dir + entry.name;
      if (entry.isDirectory) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) await visit(path + "/");
      } else if (/\.tsx?$/.test(entry.name) && !/(_test|\.test)\.tsx?$/.test(entry.name)) {
        out.push(path);
      }
    }
  }
  await visit("");
  return out.sort();
}

interface InfoDependency {
  specifier: string;
  code?: { specifier: string };
  type?: { specifier: string };
}

interface InfoJson {
  modules: { specifier: string; dependencies?: InfoDependency[] }[];
}

/**
 * The graph of `files` (paths under `root`), resolved by `deno info --json`
 * through a throwaway module that imports them all (one `deno info` call).
 *
 * @example
 * ```ts
 * const root = new URL("../../", import.meta.url);
 * const graph = await moduleGraph(root, await sourceFiles(root));
 * ```
 */
export async function moduleGraph(root: URL, files: readonly string[]): Promise<ModuleGraph> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-graph-" });
  try {
    const all = `${dir}/all.ts`;
    const lines = files.map((f) => `import ${JSON.stringify(new URL(f, root).href)};`);
    await Deno.writeTextFile(all, lines.join("\n") + "\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-config", all],
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return graphFromInfo(JSON.parse(new TextDecoder().decode(out.stdout)), root.href);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Turns `deno info --json` output into project-relative edges. A specifier that
 * resolves outside `rootHref` (npm:, node:, https:) is kept as written.
 *
 * @example
 * ```ts
 * graphFromInfo({ modules: [] }, "file:///repo/"); // { modules: [], edges: [] }
 * ```
 */
export function graphFromInfo(info: InfoJson, rootHref: string): ModuleGraph {
  const local = (s: string) => s.startsWith(rootHref) ? s.slice(rootHref.length) : undefined;
  const modules: string[] = [];
  const edges: Edge[] = [];
  for (const m of info.modules) {
    const from = local(m.specifier);
    if (from === undefined) continue;
    modules.push(from);
    for (const dep of m.dependencies ?? []) {
      const code = dep.code?.specifier;
      const target = code ?? dep.type?.specifier;
      const to = target === undefined ? dep.specifier : local(target) ?? dep.specifier;
      edges.push({ from, to, typeOnly: code === undefined });
    }
  }
  return { modules: modules.sort(), edges };
}

/**
 * Every import circle, each as the path that closes it (`a.ts -> b.ts -> a.ts`),
 * one per strongly connected group of modules, sorted by their first module.
 *
 * @example
 * ```ts
 * findCycles([{ from: "a.ts", to: "b.ts", typeOnly: false }, { from: "b.ts", to: "a.ts", typeOnly: true }]);
 * // [["a.ts", "b.ts", "a.ts"]]
 * ```
 */
export function findCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from)!.push(e.to);
  }
  for (const list of next.values()) list.sort();
  // Tarjan's strongly connected components, iterative so deep graphs do not overflow.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let counter = 0;
  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const out = next.get(top.node) ?? [];
      if (top.i < out.length) {
        const w = out[top.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const group: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          group.push(w);
        } while (w !== top.node);
        const selfLoop = (next.get(top.node) ?? []).includes(top.node);
        if (group.length > 1 || selfLoop) groups.push(group.sort());
      }
    }
  }
  return groups.map((g) => cycleThrough(g, next)).sort((a, b) => a[0] < b[0] ? -1 : 1);
}

/** A shortest circle from the group's first module back to itself, inside the group. */
function cycleThrough(group: string[], next: Map<string, string[]>): string[] {
  const members = new Set(group);
  const start = group[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const w of next.get(node) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (
          let n: string | undefined = node;
          n !== start && n !== undefined;
          n = cameFrom.get(n)
        ) {
          path.splice(1, 0, n);
        }
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, node);
        queue.push(w);
      }
    }
  }
  return [...group, start];
}

function top(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * Imports that break the layering (docs/ARCHITECTURE.md): a layer importing a
 * higher one, an entry point or a plugin; a plugin reaching past the entry
 * points into the layers or into another plugin; an external package (npm:,
 * jsr:, https:) named outside deps/; an endpoint other than FTP's importing
 * ftp/; a job importing the FTP endpoint's files.
 *
 * @example
 * ```ts
 * layerProblems([{ from: "ftp/client.ts", to: "sync/walk.ts", typeOnly: false }]);
 * // ["ftp/client.ts imports upward into sync/walk.ts"]
 * ```
 */
export function layerProblems(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    if (/^(npm|jsr|https?):/.test(to)) {
      if (top(from) !== "deps") problems.push(`${from} names external package ${to} outside deps/`);
      continue;
    }
    if (/^(node|data|blob):/.test(to) || to.includes(":")) continue;
    const fromTop = top(from);
    const toTop = top(to);
    const entry = ENTRY_POINTS.includes(to);
    if (fromTop === "deps" && toTop !== "deps") {
      problems.push(`${from} (deps/) imports project module ${to}`);
    } else if (fromTop === "plugins") {
      const own = from.split("/")[1];
      const ok = entry || toTop === "deps" || (toTop === "plugins" && to.split("/")[1] === own);
      if (!ok) problems.push(`${from} reaches into ${to} (plugins import entry points only)`);
    } else if (fromTop in RANK) {
      const rank = RANK[fromTop];
      if (toTop === "plugins" || (entry && fromTop !== "cli")) {
        problems.push(`${from} imports ${to} (layers import neither plugins nor entry points)`);
      } else if (toTop in RANK && RANK[toTop] > rank) {
        problems.push(`${from} imports upward into ${to}`);
      } else if (fromTop === "endpoint" && !from.startsWith("endpoint/ftp/") && toTop === "ftp") {
        problems.push(`${from} imports ${to} (only endpoint/ftp/ speaks FTP)`);
      } else if (fromTop === "sync" && to.startsWith("endpoint/ftp/")) {
        problems.push(`${from} imports ${to} (jobs work on the endpoint contract)`);
      }
    }
  }
  return problems.sort();
}

if (import.meta.main) {
  const root = new URL("../../", import.meta.url);
  const graph = await moduleGraph(root, await sourceFiles(root));
  const cycles = findCycles(graph.edges).map((c) => `import circle: ${c.join(" -> ")}`);
  const problems = [...cycles, ...layerProblems(graph.edges)];
  for (const p of problems) console.log(p);
  if (problems.length > 0) Deno.exit(1);
  console.log(`layers: ok (${graph.modules.length} modules, no import circle)`);
}
