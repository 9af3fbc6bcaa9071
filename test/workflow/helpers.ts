/**
 * Helpers of the workflow integration tests: a registry without the optional
 * built-in plugin modules, and memory trees to fill and read.
 * @module
 */
import { collect } from "../../endpoint/streams.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { corePlugin } from "../../workflow/builtins.ts";
import { Registry } from "../../workflow/registry.ts";

/** A registry with ferry's core plugin only (no plugins/ modules). */
export function coreRegistry(): Registry {
  return new Registry().add(corePlugin);
}

let counter = 0;

/** A fresh memory store name, so tests do not share trees. */
export function freshName(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}`;
}

/** Writes files (path -> text) into a named memory store. */
export async function fill(
  name: string,
  files: Record<string, string>,
  mtime?: Date,
): Promise<void> {
  const ep = new MemoryEndpoint({ name });
  for (const [path, text] of Object.entries(files)) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (dir) await ep.mkdir(dir, { parents: true });
    const w = await ep.write(path, { mtime });
    await ReadableStream.from([new TextEncoder().encode(text)]).pipeTo(w);
  }
}

/** Reads every file of a named memory store (path -> text). */
export async function read(name: string): Promise<Record<string, string>> {
  const ep = new MemoryEndpoint({ name });
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const st of await ep.list(dir)) {
      const path = dir ? `${dir}/${st.name}` : st.name;
      if (st.type === "dir") await walk(path);
      else if (st.type === "file") {
        out[path] = new TextDecoder().decode(await collect(await ep.read(path)));
      }
    }
  };
  await walk("");
  return out;
}
