/**
 * The demo's sample data: a small, deterministic tree with a few sizes, dates
 * and kinds of files, so the demo shows every job doing something.
 * @module
 */
import { dirname, join } from "node:path";

/** One file of the sample tree. */
export interface SampleFile {
  path: string;
  size: number;
  /** Days before "now" it was last modified. */
  ageDays: number;
}

/**
 * The files of the demo: `server/pub` (mirrored), `server/shared` and `peer`
 * (synced), `site` (uploaded). Pure and deterministic.
 *
 * @example
 * ```ts
 * sampleFiles().filter((f) => f.path.startsWith("server/pub/")).length; // 18
 * ```
 */
export function sampleFiles(): SampleFile[] {
  const files: SampleFile[] = [];
  for (const release of ["1.0", "1.1", "2.0"]) {
    for (
      const [name, size] of [["ferry.tar.gz", 48_000], ["CHANGES.txt", 1_200], [
        "SHA256SUMS",
        180,
      ]] as const
    ) {
      files.push({
        path: `server/pub/releases/${release}/${name}`,
        size: size + release.length * 7,
        ageDays: 30,
      });
    }
  }
  for (let i = 1; i <= 6; i++) {
    files.push({ path: `server/pub/docs/page-${i}.html`, size: 2_000 + i * 300, ageDays: i });
  }
  files.push({ path: "server/pub/docs/.draft.tmp", size: 500, ageDays: 0 });
  files.push({ path: "server/pub/old/ferry-0.9.tar.gz", size: 40_000, ageDays: 400 });
  files.push({ path: "server/pub/old/README", size: 300, ageDays: 400 });
  files.push({ path: "server/pub/README.md", size: 900, ageDays: 2 });
  files.push({ path: "server/shared/notes.md", size: 700, ageDays: 1 });
  files.push({ path: "server/shared/plan.txt", size: 400, ageDays: 3 });
  files.push({ path: "peer/todo.txt", size: 250, ageDays: 0 });
  files.push({ path: "peer/photos/bay.jpg", size: 30_000, ageDays: 5 });
  files.push({ path: "site/index.html", size: 1_500, ageDays: 0 });
  files.push({ path: "site/style.css", size: 800, ageDays: 0 });
  files.push({ path: "site/img/logo.svg", size: 1_100, ageDays: 0 });
  return files;
}

/**
 * Deterministic content of a sample file (readable text, exact size).
 *
 * @example
 * ```ts
 * sampleContent({ path: "a", size: 5, ageDays: 0 }).length; // 5
 * ```
 */
export function sampleContent(file: SampleFile): Uint8Array {
  const line = `ferry demo file ${file.path}\n`;
  const text = line.repeat(Math.ceil(file.size / line.length)).slice(0, file.size);
  return new TextEncoder().encode(text);
}

/**
 * Writes the sample tree below `dir`, with mtimes `ageDays` before `now`.
 *
 * @example
 * ```ts
 * await writeSampleTree(await Deno.makeTempDir());
 * ```
 */
export async function writeSampleTree(dir: string, now: Date = new Date()): Promise<number> {
  const files = sampleFiles();
  for (const f of files) {
    const path = join(dir, f.path);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, sampleContent(f));
    const mtime = new Date(now.getTime() - f.ageDays * 86_400_000);
    await Deno.utime(path, mtime, mtime);
  }
  return files.length;
}
