/**
 * Password hashes for the virtual users of the FTP peers.
 * @module
 */
import { PeerError } from "./errors.ts";

/**
 * A SHA-512 crypt(3) hash (`$6$...`, made by `openssl passwd -6`), for the
 * password files of ProFTPD (AuthUserFile) and Pure-FTPd (PureDB). Cheap on
 * purpose: pure-pw's own default hash costs ~2 s of CPU per login here.
 *
 * @example
 * ```ts
 * const hash = await cryptPassword("ferry-pw"); // "$6$..."
 * ```
 */
export async function cryptPassword(password: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args: ["passwd", "-6", "-stdin"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(password + "\n"));
  await writer.close();
  const result = await child.output();
  const hash = new TextDecoder().decode(result.stdout).trim();
  if (!result.success || !hash.startsWith("$6$")) {
    throw new PeerError("openssl passwd -6 failed", {
      peer: "openssl",
      log: new TextDecoder().decode(result.stderr),
    });
  }
  return hash;
}
