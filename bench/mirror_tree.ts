/**
 * The sample tree of bench/mirror.ts and the check of each tool's result.
 * @module
 */

/** What a generated tree holds. */
export interface TreeSummary {
  root: string;
  /** Relative path to size in bytes. */
  sizes: Map<string, number>;
  bytes: number;
}

/**
 * Writes `files` random files of 1-64 KiB spread over `dirs` directories
 * (8 top-level ones, the rest below them), sizes from a seeded generator so
 * every run of the benchmark moves the same amount of data.
 *
 * @example
 * ```ts
 * const tree = await makeTree("/tmp/src", { files: 2000, dirs: 40, seed: 6 });
 * console.log(tree.bytes);
 * ```
 */
export async function makeTree(
  root: string,
  options: { files: number; dirs: number; seed: number },
): Promise<TreeSummary> {
  const random = mulberry32(options.seed);
  const top = Math.min(8, options.dirs);
  const dirNames: string[] = [];
  for (let i = 0; i < options.dirs; i++) {
    dirNames.push(i < top ? `d${i}` : `d${i % top}/s${i}`);
  }
  for (const d of dirNames) await Deno.mkdir(`${root}/${d}`, { recursive: true });
  const sizes = new Map<string, number>();
  let bytes = 0;
  const buffer = new Uint8Array(64 * 1024);
  for (let i = 0; i < options.files; i++) {
    const size = 1024 + Math.floor(random() * (63 * 1024 + 1));
    const path = `${dirNames[i % dirNames.length]}/f${i}.bin`;
    crypto.getRandomValues(buffer.subarray(0, size));
    await Deno.writeFile(`${root}/${path}`, buffer.subarray(0, size));
    sizes.set(path, size);
    bytes += size;
  }
  return { root, sizes, bytes };
}

/**
 * Compares a mirror with the tree it copies: same files, same sizes, same
 * total, and the same bytes in every 50th file. Returns a description of the
 * first difference, or undefined.
 *
 * @example
 * ```ts
 * const problem = await verifyTree("/tmp/dst", tree);
 * if (problem) throw new Error(problem);
 * ```
 */
export async function verifyTree(dst: string, expected: TreeSummary): Promise<string | undefined> {
  const found = new Map<string, number>();
  await collect(dst, "", found);
  let bytes = 0;
  for (const size of found.values()) bytes += size;
  if (found.size !== expected.sizes.size || bytes !== expected.bytes) {
    return `${found.size} files, ${bytes} bytes; expected ${expected.sizes.size} files, ` +
      `${expected.bytes} bytes`;
  }
  let i = 0;
  for (const [path, size] of expected.sizes) {
    if (found.get(path) !== size) return `${path}: size ${found.get(path)}, expected ${size}`;
    if (i++ % 50 !== 0) continue;
    const [a, b] = await Promise.all([
      Deno.readFile(`${expected.root}/${path}`),
      Deno.readFile(`${dst}/${path}`),
    ]);
    if (!a.every((byte, k) => byte === b[k])) return `${path}: content differs`;
  }
  return undefined;
}

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function collect(root: string, rel: string, out: Map<string, number>): Promise<void> {
  for await (const entry of Deno.readDir(rel ? `${root}/${rel}` : root)) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) await collect(root, path, out);
    else out.set(path, (await Deno.lstat(`${root}/${path}`)).size);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
