/**
 * Where an SSH-key identity file is, PyUNICORE's way. Apart from keys.ts, whose
 * OpenSSH key parsing loads bcrypt-pbkdf (an npm CommonJS package): a session
 * with a password or a token does not load it.
 * @module
 */
import { hostPaths } from "../../plugin_base.ts";

const { isAbsolute, join, resolve } = hostPaths;

/**
 * Where an `identity=` file is: `~` is the home directory, absolute paths and
 * `./`/`../` paths stay (the latter below `baseDir`), bare names live in
 * `~/.uftp/` (PyUNICORE's rule).
 *
 * @example
 * ```ts
 * identityPath("id_uftp", { home: "/home/u" }); // "/home/u/.uftp/id_uftp"
 * identityPath("~/.ssh/id_ed25519", { home: "/home/u" }); // "/home/u/.ssh/id_ed25519"
 * ```
 */
export function identityPath(name: string, where: { home?: string; baseDir?: string }): string {
  const home = where.home ?? "";
  if (name === "~" || name.startsWith("~/")) return join(home, name.slice(1));
  if (isAbsolute(name)) return name;
  if (name.startsWith("./") || name.startsWith("../")) return resolve(where.baseDir ?? ".", name);
  return join(home, ".uftp", name);
}
