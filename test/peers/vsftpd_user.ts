/**
 * The local system account vsftpd serves. vsftpd has no virtual users of its
 * own (PAM does the login), so the tests share one real account, created once per
 * machine and reused: {@link VSFTPD_USER} with {@link VSFTPD_PASSWORD}.
 * @module
 */
import { PeerError } from "./errors.ts";
import { VSFTPD_PASSWORD, VSFTPD_USER } from "./constants.ts";

/** The account's numeric ids (for chown). */
export interface SystemUser {
  uid: number;
  gid: number;
}

let ensured: Promise<SystemUser> | undefined;

/**
 * Makes sure the vsftpd account exists and can log in through Debian's
 * /etc/pam.d/vsftpd (shell listed in /etc/shells, user not in /etc/ftpusers).
 * Creating it needs root; without root an existing account is used as is.
 *
 * @example
 * ```ts
 * const { uid, gid } = await ensureVsftpdUser();
 * ```
 */
export function ensureVsftpdUser(): Promise<SystemUser> {
  ensured ??= ensure().catch((e) => {
    ensured = undefined; // let a later test try again (and report again)
    throw e;
  });
  return ensured;
}

/**
 * Gives `path` (recursively) to the vsftpd account, so the server can change what
 * a test created as root. Starting a vsftpd peer does this for its root; call it
 * again for files the test adds afterwards.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile(`${peer.root}/a.txt`, "x");
 * await chownForVsftpd(`${peer.root}/a.txt`);
 * ```
 */
export async function chownForVsftpd(path: string): Promise<void> {
  const { uid, gid } = await ensureVsftpdUser();
  await chownTree(path, uid, gid);
}

/**
 * vsftpd enters the served root as the vsftpd account, so every directory above it
 * needs the search bit for that account. Test temp dirs (0700 from makeTempDir) get
 * `o+x` (search, not read); a locked ancestor elsewhere is reported, not changed.
 *
 * @example
 * ```ts
 * const parent = await Deno.makeTempDir(); // 0700
 * await ensureTraversable(`${parent}/served`); // parent is now 0701
 * ```
 */
export async function ensureTraversable(path: string): Promise<void> {
  const { uid } = await ensureVsftpdUser();
  const tmp = (Deno.env.get("TMPDIR") || "/tmp").replace(/\/+$/, "");
  const absolute = await Deno.realPath(path);
  const parts = absolute.split("/").filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    const dir = "/" + parts.slice(0, i).join("/");
    const info = await Deno.stat(dir);
    const mode = info.mode ?? 0o755;
    if (mode & 0o001 || info.uid === uid) continue;
    if (dir.startsWith(`${tmp}/`)) {
      await Deno.chmod(dir, (mode & 0o7777) | 0o001);
    } else {
      throw new PeerError(
        `vsftpd's user ${VSFTPD_USER} cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}), ` +
          `an ancestor of the served root ${absolute}`,
        { peer: "vsftpd", code: "EPEERUSER" },
      );
    }
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await Deno.lstat(path);
  if (info.isSymlink) return; // never follow links out of the tree
  await Deno.chown(path, uid, gid);
  if (info.isDirectory) {
    for await (const entry of Deno.readDir(path)) {
      await chownTree(`${path}/${entry.name}`, uid, gid);
    }
  }
}

async function ensure(): Promise<SystemUser> {
  let user = lookup(VSFTPD_USER);
  if (!user) {
    if (Deno.uid() !== 0) {
      throw new PeerError(
        `vsftpd needs the local user ${VSFTPD_USER}, which is missing, and creating it needs ` +
          `root. As root run: useradd -m -s /bin/bash ${VSFTPD_USER} && ` +
          `echo '${VSFTPD_USER}:${VSFTPD_PASSWORD}' | chpasswd`,
        { peer: "vsftpd", code: "EPEERUSER" },
      );
    }
    const add = await run("useradd", ["-m", "-s", "/bin/bash", VSFTPD_USER]);
    // 9 = "already exists": another test process won the race; fine.
    if (add.code !== 0 && add.code !== 9) {
      throw new PeerError(`useradd ${VSFTPD_USER} failed`, { peer: "vsftpd", log: add.output });
    }
    await setPassword();
    user = lookup(VSFTPD_USER);
    if (!user) throw new PeerError(`user ${VSFTPD_USER} still missing`, { peer: "vsftpd" });
  }
  checkPamPrerequisites();
  return user;
}

/** chpasswd can lose the /etc/shadow lock to a concurrent test process: retry a little. */
async function setPassword(): Promise<void> {
  let last = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const out = await run("chpasswd", [], `${VSFTPD_USER}:${VSFTPD_PASSWORD}\n`);
    if (out.code === 0) return;
    last = out.output;
  }
  throw new PeerError(`chpasswd for ${VSFTPD_USER} failed`, { peer: "vsftpd", log: last });
}

/** Debian's PAM stack for vsftpd refuses users listed in /etc/ftpusers or with an unlisted shell. */
function checkPamPrerequisites(): void {
  const banned = readLines("/etc/ftpusers").includes(VSFTPD_USER);
  if (banned) {
    throw new PeerError(`${VSFTPD_USER} is listed in /etc/ftpusers: PAM will refuse it`, {
      peer: "vsftpd",
      code: "EPEERUSER",
    });
  }
  const shell = readLines("/etc/passwd").find((l) => l.startsWith(`${VSFTPD_USER}:`))
    ?.split(":")[6];
  const shells = readLines("/etc/shells");
  if (shell && shells.length && !shells.includes(shell)) {
    throw new PeerError(
      `${VSFTPD_USER}'s shell ${shell} is not in /etc/shells: pam_shells will refuse it`,
      { peer: "vsftpd", code: "EPEERUSER" },
    );
  }
}

function lookup(name: string): SystemUser | undefined {
  const line = readLines("/etc/passwd").find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const fields = line.split(":");
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function readLines(path: string): string[] {
  try {
    return Deno.readTextFileSync(path).split("\n").map((l) => l.trim());
  } catch {
    return [];
  }
}

async function run(
  cmd: string,
  args: string[],
  input?: string,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  }
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, output: text.decode(out.stdout) + text.decode(out.stderr) };
}
