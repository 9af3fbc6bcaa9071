/**
 * Checks a glob pattern for mistakes before anything runs. Glob engines tend to
 * read a broken pattern as a literal and silently match nothing (an unclosed
 * `[`), or as something else (`a**` as `a*`); a mirror with such an exclude would
 * then copy or delete what the user meant to keep out.
 * @module
 */

/**
 * Returns what is wrong with a glob, or undefined when it is fine.
 *
 * @example
 * ```ts
 * globProblem("**\/*.txt"); // undefined
 * globProblem("logs/[0-9");  // "unclosed [ at position 6"
 * ```
 */
export function globProblem(glob: string): string | undefined {
  if (glob === "") return "empty glob";
  if (/[\0\r\n]/.test(glob)) return "glob contains a NUL, CR or LF character";
  const stack: { ch: string; at: number }[] = [];
  const closer: Record<string, string> = { "[": "]", "{": "}", "(": ")" };
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "\\") {
      if (i === glob.length - 1) return "glob ends with a lone backslash";
      i++;
      continue;
    }
    if (ch === "[") {
      // A character class: everything up to the closing ] is literal; `[]x]` and
      // `[!]x]` put ] inside the class.
      let j = i + 1;
      if (glob[j] === "!" || glob[j] === "^") j++;
      if (glob[j] === "]") j++;
      while (j < glob.length && glob[j] !== "]") j += glob[j] === "\\" ? 2 : 1;
      if (j >= glob.length) return `unclosed [ at position ${i + 1}`;
      i = j;
      continue;
    }
    if (ch === "{") stack.push({ ch, at: i });
    else if (ch === "(" && i > 0 && "?*+@!".includes(glob[i - 1])) stack.push({ ch, at: i });
    else if (ch === "}" || ch === ")") {
      const top = stack[stack.length - 1];
      if (top && closer[top.ch] === ch) stack.pop();
      else if (ch === "}") return `unmatched } at position ${i + 1}`;
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    return `unclosed ${open.ch} at position ${open.at + 1}`;
  }
  for (const segment of glob.split("/")) {
    if (segment.includes("**") && segment !== "**") {
      return `** must be a whole path segment (like **/x or x/**), not ${segment}`;
    }
  }
  return undefined;
}
