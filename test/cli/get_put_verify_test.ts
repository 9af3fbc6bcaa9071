/**
 * `ferry get` and `put` trust the server's word on the size, not the 226
 * alone: a download whose bytes fall short of the size the server lists fails
 * (exit 1), the real name is not written, and the partial stays for
 * `--continue`; an upload whose SIZE differs from the local file's fails and
 * its temporary file is deleted, never renamed. The server is scripted
 * (test/peers/scripted.ts), so it can close the data connection early and
 * answer SIZE as it likes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scriptedSendData, type ScriptedSession, startScriptedServer } from "../peers/scripted.ts";
import { ferry } from "./helpers.ts";

const T = "20240101000000";

/**
 * Serves /f.txt: RETR sends `sent`, the listings and SIZE say `listed` bytes;
 * every command line is pushed to `log`.
 */
async function serve(
  s: ScriptedSession,
  sent: string,
  listed: number,
  log: string[] = [],
): Promise<void> {
  await s.send("220 scripted\r\n");
  const fact = `type=file;size=${listed};modify=${T};`;
  let pasv: Awaited<ReturnType<ScriptedSession["openPassive"]>> | undefined;
  const sendData = (text: string) => scriptedSendData(s, pasv!, text);
  for (;;) {
    const line = await s.readCommand();
    if (line === null) return;
    log.push(line);
    const verb = line.split(" ")[0].toUpperCase();
    if (verb === "USER") await s.reply(331, "password");
    else if (["PASS", "TYPE", "OPTS", "NOOP"].includes(verb)) await s.reply(230, "ok");
    else if (verb === "FEAT") {
      await s.send("211-features\r\n MLST type*;size*;modify*;\r\n EPSV\r\n211 end\r\n");
    } else if (verb === "PWD") await s.reply(257, '"/" is here');
    else if (verb === "EPSV") {
      pasv = await s.openPassive();
      await s.send(pasv.epsvReply() + "\r\n");
    } else if (verb === "MLST") await s.send(`250-facts\r\n ${fact} /f.txt\r\n250 end\r\n`);
    else if (verb === "MLSD") await sendData(`${fact} f.txt\r\n`);
    else if (verb === "SIZE") await s.reply(213, String(listed));
    else if (verb === "MDTM") await s.reply(213, T);
    else if (verb === "RETR") await sendData(sent);
    else if (verb === "STOR") {
      const data = await pasv!.accept();
      await s.reply(150, "send it");
      await data.readAll();
      await s.reply(226, "stored");
    } else if (["DELE", "RNTO", "MFMT"].includes(verb)) await s.reply(250, "ok");
    else if (verb === "RNFR") await s.reply(350, "go on");
    else if (verb === "QUIT") return await s.reply(221, "bye");
    else await s.reply(502, "not here");
  }
}

Deno.test("get: bytes short of the listed size fail, the partial stays; the full file is renamed", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "ferry-cli-get-verify-" });
  try {
    {
      await using server = await startScriptedServer((s) => serve(s, "abc", 5));
      const r = await ferry([
        "get",
        "--no-netrc",
        `ftp://bob:pw@127.0.0.1:${server.port}/f.txt`,
        tmp,
      ]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /5/);
      assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), [".f.txt.ferry.part"]);
      assert.equal(await Deno.readTextFile(join(tmp, ".f.txt.ferry.part")), "abc");
    }
    {
      await using server = await startScriptedServer((s) => serve(s, "abcde", 5));
      const r = await ferry([
        "get",
        "--no-netrc",
        `ftp://bob:pw@127.0.0.1:${server.port}/f.txt`,
        tmp,
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(await Deno.readTextFile(join(tmp, "f.txt")), "abcde");
      assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), ["f.txt"]);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("put: a SIZE that differs from the local file's fails and deletes the temporary file", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "ferry-cli-put-verify-" });
  try {
    await Deno.writeTextFile(join(tmp, "f.txt"), "abcde");
    for (const [listed, code] of [[4, 1], [5, 0]]) {
      const log: string[] = [];
      await using server = await startScriptedServer((s) => serve(s, "", listed, log));
      const url = `ftp://bob:pw@127.0.0.1:${server.port}/f.txt`;
      const r = await ferry(["put", "--no-netrc", join(tmp, "f.txt"), url]);
      assert.equal(r.code, code, r.stdout + r.stderr);
      // The host's rename names the paths from the login directory ("/" here).
      const renamed = log.includes("RNFR /.f.txt.ferry.part") && log.includes("RNTO /f.txt");
      assert.equal(renamed, code === 0, log.join("\n"));
      assert.equal(log.includes("DELE .f.txt.ferry.part"), code === 1, log.join("\n"));
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
