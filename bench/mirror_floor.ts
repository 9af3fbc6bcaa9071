/**
 * The floor of bench/mirror.ts and bench/wan_mirror.ts: the least a Deno
 * program can do to mirror a tree from an FTP server, so that ferry's cost can
 * be told apart from the runtime's. Not ferry code and not a tool anyone should
 * use: no error handling, no temporary names, no resume, no escaping of names,
 * LIST parsed by splitting on spaces. One session logs in and lists the tree
 * (`EPSV` + `LIST -a` per directory, or with `stat` the listing as the reply
 * to `STAT <dir>` on the control connection); each listed file whose local
 * copy has the same size and an mtime within the listing's precision (a
 * minute, or a day for a year-only time) is skipped (one `lstat` each, the
 * no-change run's work). The rest are fetched on `N` sessions with `EPSV` +
 * `RETR` in one write, each written straight under its real name
 * (`Deno.Conn` reads, synchronous file writes, the LIST time as mtime). Into a
 * target that does not exist yet the other `N - 1` sessions log in while the
 * tree is listed (every file will be fetched); otherwise only once a file is
 * found to differ, so a no-change run logs in once.
 *
 *   await floorMirror({ host, port, user, password }, "src", "/var/tmp/dst", 8);
 *
 * As a whole process (the `floor-deno` tool of bench/wan_mirror.ts; the
 * password from `FERRY_BENCH_PASSWORD`):
 *
 *   deno run -A bench/mirror_floor.ts ftp://user@host:port/src DST [--parallel 8] [--stat]
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where the server is. */
export interface FloorServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

class Session {
  #buffer = "";
  #chunk = new Uint8Array(4096);
  constructor(readonly conn: Deno.TcpConn, readonly host: string) {}

  static async open(server: FloorServer): Promise<Session> {
    const conn = await Deno.connect({ hostname: server.host, port: server.port });
    const session = new Session(conn, server.host);
    await session.reply();
    await session.command(`USER ${server.user}`);
    await session.command(`PASS ${server.password}`);
    await session.command("TYPE I");
    return session;
  }

  async reply(): Promise<string> {
    for (;;) {
      const match = /^(\d{3}) [^\n]*\n/m.exec(this.#buffer);
      if (match) {
        const end = match.index + match[0].length;
        const reply = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end);
        if (reply[match.index] >= "4") throw new Error(`floor: ${reply.trim()}`);
        return reply;
      }
      const n = await this.conn.read(this.#chunk);
      if (n === null) throw new Error("floor: control connection closed");
      this.#buffer += decoder.decode(this.#chunk.subarray(0, n));
    }
  }

  async command(line: string): Promise<string> {
    await this.conn.write(encoder.encode(`${line}\r\n`));
    return await this.reply();
  }

  /** EPSV and the command in one write; returns the data connection after the 1xx. */
  async data(command: string): Promise<Deno.TcpConn> {
    await this.conn.write(encoder.encode(`EPSV\r\n${command}\r\n`));
    const port = Number(/\|\|\|(\d+)\|/.exec(await this.reply())![1]);
    const data = await Deno.connect({ hostname: this.host, port });
    await this.reply();
    return data;
  }
}

interface FloorFile {
  path: string;
  size: number;
  mtime: Date;
  /** How coarse the listed time is, in ms. */
  precision: number;
}

const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Month, day and `HH:MM` or year of a Unix LIST line, read the way ls prints them. */
function listTime(month: string, day: string, timeOrYear: string): Date {
  const m = months.indexOf(month.toLowerCase());
  const now = new Date();
  if (timeOrYear.includes(":")) {
    const [h, min] = timeOrYear.split(":").map(Number);
    let t = Date.UTC(now.getUTCFullYear(), m, Number(day), h, min);
    if (t > now.getTime() + 86_400_000) {
      t = Date.UTC(now.getUTCFullYear() - 1, m, Number(day), h, min);
    }
    return new Date(t);
  }
  return new Date(Date.UTC(Number(timeOrYear), m, Number(day)));
}

/** The listing of `dir` as text: a data connection's, or `STAT`'s reply lines. */
async function listText(session: Session, dir: string, stat: boolean): Promise<string> {
  if (stat) {
    // 213-status of dir:\r\n<lines>\r\n213 End of status\r\n (the lines may begin with a space).
    const reply = await session.command(`STAT ${dir}`);
    return reply.slice(reply.indexOf("\n") + 1, reply.lastIndexOf("\n", reply.length - 2) + 1);
  }
  const data = await session.data(`LIST -a ${dir}`);
  let text = "";
  const buffer = new Uint8Array(65536);
  for (let n = await data.read(buffer); n !== null; n = await data.read(buffer)) {
    text += decoder.decode(buffer.subarray(0, n));
  }
  data.close();
  await session.reply();
  return text;
}

async function listTree(
  session: Session,
  dir: string,
  files: FloorFile[],
  dirs: string[],
  stat: boolean,
): Promise<void> {
  const text = await listText(session, dir, stat);
  const subdirs: string[] = [];
  for (const line of text.split("\r\n")) {
    if (!line) continue;
    const fields = line.trim().split(/\s+/);
    const name = fields.slice(8).join(" ");
    if (name === "." || name === "..") continue;
    if (line[0] === "d") subdirs.push(`${dir}/${name}`);
    else {
      files.push({
        path: `${dir}/${name}`,
        size: Number(fields[4]),
        mtime: listTime(fields[5], fields[6], fields[7]),
        precision: fields[7].includes(":") ? 60_000 : 86_400_000,
      });
    }
  }
  for (const sub of subdirs) {
    dirs.push(sub);
    await listTree(session, sub, files, dirs, stat);
  }
}

/** Whether the local copy at `local` has the listed size and a time within the listing's precision. */
function same(file: FloorFile, local: string): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(local);
  } catch {
    return false;
  }
  return info.isFile && info.size === file.size &&
    Math.abs(info.mtime!.getTime() - file.mtime.getTime()) < file.precision;
}

/**
 * Mirrors `root` on the server into the local directory `target` with
 * `sessions` connections (see the module notes).
 *
 * @example
 * ```ts
 * await floorMirror({ host: "127.0.0.1", port: 2121, user: "u", password: "p" }, "src", "/var/tmp/x", 8);
 * ```
 */
export async function floorMirror(
  server: FloorServer,
  root: string,
  target: string,
  sessions: number,
  options: { stat?: boolean } = {},
): Promise<void> {
  const base = `/${root}`;
  let fresh = false;
  try {
    Deno.lstatSync(target);
  } catch {
    fresh = true;
  }
  const opening = [Session.open(server)];
  const openRest = () => {
    while (opening.length < sessions) opening.push(Session.open(server));
  };
  if (fresh) openRest();
  const first = await opening[0];
  const listed: FloorFile[] = [];
  const dirs: string[] = [];
  await listTree(first, base, listed, dirs, options.stat ?? false);
  const files = listed.filter((file) => !same(file, `${target}${file.path.slice(base.length)}`));
  if (files.length > 0) {
    openRest();
    Deno.mkdirSync(target, { recursive: true });
    for (const dir of dirs) {
      Deno.mkdirSync(`${target}${dir.slice(base.length)}`, { recursive: true });
    }
  }
  let next = 0;
  await Promise.all(opening.map(async (pending) => {
    const session = await pending;
    while (next < files.length) {
      const file = files[next++];
      const data = await session.data(`RETR ${file.path}`);
      const local = Deno.openSync(`${target}${file.path.slice(base.length)}`, {
        write: true,
        create: true,
        truncate: true,
      });
      const buffer = new Uint8Array(256 * 1024);
      for (let n = await data.read(buffer); n !== null; n = await data.read(buffer)) {
        for (let at = 0; at < n;) at += local.writeSync(buffer.subarray(at, n));
      }
      local.utimeSync(new Date(), file.mtime);
      local.close();
      data.close();
      await session.reply();
    }
    await session.command("QUIT");
    session.conn.close();
  }));
}

if (import.meta.main) {
  const { parseArgs } = await import("node:util");
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { parallel: { type: "string", default: "8" }, stat: { type: "boolean" } },
  });
  const url = new URL(positionals[0]);
  await floorMirror(
    {
      host: url.hostname,
      port: Number(url.port || 21),
      user: decodeURIComponent(url.username),
      password: Deno.env.get("FERRY_BENCH_PASSWORD") ?? "",
    },
    url.pathname.slice(1),
    positionals[1],
    Number(values.parallel),
    { stat: values.stat },
  );
}
