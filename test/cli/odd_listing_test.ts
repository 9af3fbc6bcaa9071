/**
 * Listings as real servers send them (issue 11): a line no parser reads, or an
 * entry whose name is unsafe (`..` as a file, `/`, NUL), is skipped with a
 * warning naming the directory and the line; that directory is then
 * incompletely listed: `mirror --delete` and `sync` delete nothing, the good
 * entries are still copied, the problem is reported and the exit code is 1.
 * The server is scripted (test/peers/scripted.ts), so every listing byte is the
 * test's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scriptedSendData, type ScriptedSession, startScriptedServer } from "../peers/scripted.ts";
import { ferry } from "./helpers.ts";

const T = "20240101000000";

/** MLSD lines of a file and of a directory. */
const file = (name: string, size: number) => `type=file;size=${size};modify=${T}; ${name}\r\n`;
const dir = (name: string) => `type=dir;modify=${T}; ${name}\r\n`;

interface Tree {
  /** MLSD text per absolute directory path. */
  listings: Record<string, string>;
  /** File bytes per absolute path. */
  files: Record<string, string>;
}

/** Commands whose reply never depends on the tree. */
const fixedReplies: Record<string, [number, string]> = {
  USER: [331, "password"],
  PASS: [230, "in"],
  TYPE: [200, "ok"],
  OPTS: [200, "ok"],
  NOOP: [200, "ok"],
  MDTM: [213, T],
};

/** Answers what ferry's FTP endpoint asks, from `tree`, until the client quits. */
async function serve(s: ScriptedSession, tree: Tree): Promise<void> {
  await s.send("220 scripted\r\n");
  let cwd = "/";
  const abs = (arg: string) => {
    const p = arg === "" ? cwd : arg.startsWith("/") ? arg : `${cwd.replace(/\/$/, "")}/${arg}`;
    return p.length > 1 ? p.replace(/\/+$/, "") : p;
  };
  let pasv: Awaited<ReturnType<ScriptedSession["openPassive"]>> | undefined;
  const sendData = (text: string) => scriptedSendData(s, pasv!, text);
  for (;;) {
    const line = await s.readCommand();
    if (line === null) return;
    const [verb, ...rest] = line.split(" ");
    const arg = rest.join(" ");
    const fixed = fixedReplies[verb.toUpperCase()];
    if (fixed) {
      await s.reply(...fixed);
      continue;
    }
    switch (verb.toUpperCase()) {
      case "FEAT":
        await s.send("211-features\r\n MLST type*;size*;modify*;\r\n EPSV\r\n UTF8\r\n211 end\r\n");
        break;
      case "PWD":
        await s.reply(257, `"${cwd}" is here`);
        break;
      case "CWD": {
        const p = abs(arg);
        if (tree.listings[p] === undefined) await s.reply(550, "no such directory");
        else {
          cwd = p;
          await s.reply(250, "ok");
        }
        break;
      }
      case "EPSV":
        pasv = await s.openPassive();
        await s.send(pasv.epsvReply() + "\r\n");
        break;
      case "MLSD": {
        const text = tree.listings[abs(arg)];
        if (text === undefined) await s.reply(550, "no such directory");
        else await sendData(text);
        break;
      }
      case "MLST": {
        const p = abs(arg);
        const fact = tree.listings[p] !== undefined
          ? `type=dir;modify=${T};`
          : tree.files[p] !== undefined
          ? `type=file;size=${tree.files[p].length};modify=${T};`
          : undefined;
        if (fact === undefined) await s.reply(550, "no such file");
        else await s.send(`250-facts\r\n ${fact} ${p}\r\n250 end\r\n`);
        break;
      }
      case "SIZE": {
        const f = tree.files[abs(arg)];
        if (f === undefined) await s.reply(550, "no such file");
        else await s.reply(213, `${f.length}`);
        break;
      }
      case "RETR": {
        const f = tree.files[abs(arg)];
        if (f === undefined) await s.reply(550, "no such file");
        else await sendData(f);
        break;
      }
      case "QUIT":
        await s.reply(221, "bye");
        return;
      default:
        await s.reply(502, "not here");
    }
  }
}

/** Writes `name -> text` files under `root`. */
async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
}

const cases = [
  {
    // The password in the line shows that the warning and the report mask it.
    what: "a line no parser reads (a name with CR/LF split in two)",
    bad: "type=file;size=3;modify=20240101000000; broken\r\nname.txt secret-pw\r\n",
    shows: /name\.txt \*\*\*/,
  },
  { what: "a file named ..", bad: file("..", 3), shows: /unsafe name "\.\."/ },
  { what: "a name with a slash", bad: file("x/evil.txt", 3), shows: /unsafe name "x\/evil\.txt"/ },
  { what: "a name with NUL", bad: file("nul\0.txt", 3), shows: /unsafe name "nul\\u0000\.txt"/ },
] as const;

for (const { what, bad, shows } of cases) {
  Deno.test(`listing with ${what}: skipped with a warning, nothing deleted, good files copied, rc 1`, async () => {
    const tree: Tree = {
      listings: {
        "/": file("good.txt", 4) + dir("sub") + file("other.txt", 5),
        "/sub": file("a.txt", 3) + bad + file("z.txt", 3),
      },
      files: {
        "/good.txt": "good",
        "/other.txt": "other",
        "/sub/a.txt": "aaa",
        "/sub/z.txt": "zzz",
        "/sub/broken": "bro",
      },
    };
    await using server = await startScriptedServer((s) => serve(s, tree));
    const tmp = await Deno.makeTempDir();
    try {
      const url = `ftp://bob@127.0.0.1:${server.port}/`;
      const env = { FTP_PW: "secret-pw" };
      const pw = ["--password-env", "FTP_PW"];
      // Mirror: files that exist only here would be deleted by --delete.
      const down = join(tmp, "down");
      await writeFiles(down, { "stale.txt": "old", "sub/stale.txt": "old" });
      const r = await ferry(["mirror", url, down, "--delete", ...pw], { env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const out = r.stdout + r.stderr;
      assert.match(out, /sub/);
      assert.match(out, shows);
      assert.doesNotMatch(out, /secret-pw/);
      assert.equal(await Deno.readTextFile(join(down, "good.txt")), "good");
      assert.equal(await Deno.readTextFile(join(down, "sub", "a.txt")), "aaa");
      assert.equal(await Deno.readTextFile(join(down, "sub", "z.txt")), "zzz");
      assert.equal(await Deno.readTextFile(join(down, "stale.txt")), "old");
      assert.equal(await Deno.readTextFile(join(down, "sub", "stale.txt")), "old");
      // Nothing named by the bad entry was written.
      // (The first half of a split line is a good entry of its own: "broken".)
      const sub = ["a.txt", "stale.txt", "z.txt", ...(bad.includes("broken") ? ["broken"] : [])];
      assert.deepEqual(await names(join(down, "sub")), sub.sort());
      assert.deepEqual(await names(down), ["good.txt", "other.txt", "stale.txt", "sub"]);
      assert.deepEqual(await names(tmp), ["down"]);
      // Two-way sync: a first run with a whole listing puts sub/gone.txt on both
      // sides; then the server lists sub/ without it and with the bad entry: the
      // incomplete listing must not delete the local copy.
      const sound = tree.listings["/sub"];
      tree.listings["/sub"] = file("a.txt", 3) + file("gone.txt", 4) + file("z.txt", 3);
      tree.files["/sub/gone.txt"] = "gone";
      const here = join(tmp, "here");
      const state = ["--state-dir", join(tmp, "state")];
      const first = await ferry(["sync", url, here, ...pw, ...state], { env });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.equal(await Deno.readTextFile(join(here, "sub", "gone.txt")), "gone");
      tree.listings["/sub"] = sound;
      const second = await ferry(["sync", url, here, ...pw, ...state], { env });
      assert.equal(second.code, 1, second.stdout + second.stderr);
      assert.match(second.stdout + second.stderr, shows);
      assert.equal(await Deno.readTextFile(join(here, "sub", "gone.txt")), "gone");
      assert.equal(await Deno.readTextFile(join(here, "sub", "z.txt")), "zzz");
    } finally {
      await Deno.remove(tmp, { recursive: true });
      await server.close();
    }
    assert.deepEqual(server.errors, []);
  });
}

async function names(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(path)) out.push(e.name);
  return out.sort();
}
