/**
 * Maps a path in the parsed tree (`["jobs", "pull", "mirror", "from"]`) back to
 * where it was written, so every problem can be reported as file:line:col.
 * @module
 */
import { yaml } from "../deps/yaml.ts";
import type { TreePath } from "./interpolate.ts";

/** A line and column, 1-based. */
export interface LineCol {
  line: number;
  col: number;
}

/**
 * Finds positions of nodes of one parsed document.
 *
 * @example
 * ```ts
 * const lc = new yaml.LineCounter();
 * const doc = yaml.parseDocument("a:\n  b: 1\n", { lineCounter: lc });
 * new PositionFinder(doc, lc).valueAt(["a", "b"]); // { line: 2, col: 6 }
 * ```
 */
export class PositionFinder {
  constructor(readonly doc: yaml.Document, readonly lines: yaml.LineCounter) {}

  /**
   * Position of an offset into the source.
   *
   * @example
   * ```ts
   * finder.at(0); // { line: 1, col: 1 }
   * ```
   */
  at(offset: number): LineCol {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /**
   * Position of the value at `path`; when the path does not exist (a missing
   * key), the position of the deepest node that does.
   *
   * @example
   * ```ts
   * finder.valueAt(["jobs", "pull", "mirror", "from"]);
   * ```
   */
  valueAt(path: TreePath): LineCol {
    let node: unknown = this.doc.contents;
    let best = this.#start(node) ?? 0;
    for (const step of path) {
      const next = this.#child(node, step);
      if (!next) break;
      node = next.value ?? next.key;
      best = this.#start(node) ?? this.#start(next.key) ?? best;
    }
    return this.at(best);
  }

  /**
   * Position of the key `key` in the map at `path` (for unknown keys), else of the map.
   *
   * @example
   * ```ts
   * finder.keyAt(["endpoints", "origin"], "colour");
   * ```
   */
  keyAt(path: TreePath, key: string): LineCol {
    const map = this.#nodeAt(path);
    if (yaml.isMap(map)) {
      const pair = map.items.find((p) => keyName(p.key) === key);
      const start = pair ? this.#start(pair.key) : undefined;
      if (start !== undefined) return this.at(start);
    }
    return this.valueAt(path);
  }

  #nodeAt(path: TreePath): unknown {
    let node: unknown = this.doc.contents;
    for (const step of path) {
      const next = this.#child(node, step);
      if (!next) return undefined;
      node = next.value;
    }
    return node;
  }

  #child(node: unknown, step: string | number): { key?: unknown; value?: unknown } | undefined {
    if (yaml.isMap(node)) {
      const pair = node.items.find((p) => keyName(p.key) === String(step));
      return pair ? { key: pair.key, value: pair.value } : undefined;
    }
    if (yaml.isSeq(node) && typeof step === "number") {
      const item = node.items[step];
      return item === undefined ? undefined : { value: item };
    }
    return undefined;
  }

  #start(node: unknown): number | undefined {
    if (yaml.isNode(node) && node.range) return node.range[0];
    return undefined;
  }
}

function keyName(key: unknown): string | undefined {
  if (yaml.isScalar(key)) return String(key.value);
  if (typeof key === "string" || typeof key === "number") return String(key);
  return undefined;
}
