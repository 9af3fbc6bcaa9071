/**
 * "Did you mean": the closest known word to a misspelt one (workflow keys, job
 * kinds, auth methods, a scheme's options).
 * @module
 */

/**
 * ` (did you mean "x"?)` for the closest known word within edit distance 2.
 *
 * @example
 * ```ts
 * suggestion("mirrr", new Set(["mirror", "sync"])); // ' (did you mean "mirror"?)'
 * ```
 */
export function suggestion(word: string, known: ReadonlySet<string>): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance && d < Math.max(2, k.length / 2)) {
      best = k;
      bestDistance = d;
    }
  }
  return best === undefined || best === word ? "" : ` (did you mean ${JSON.stringify(best)}?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
