import assert from "node:assert/strict";
import type { FtpClient } from "../../ftp.ts";
import { CWD_TURN_KEY, cwdTurn } from "../../ftp/cwd_turn.ts";
import { relativePath, resolveFrom, uftpDialect } from "./dialect.ts";

/** A client that logs what the dialect asks of it; `CWD` of a name with "file" is refused. */
function fakeClient() {
  const sent: string[] = [];
  const reply = (line: string) =>
    /^CWD .*file/.test(line)
      ? { code: 550, text: "Can't cwd to directory", lines: [] }
      : /^RNFR/.test(line)
      ? { code: 350, text: "File action OK Please send rename-to", lines: [] }
      : { code: 200, text: "OK", lines: [] };
  const client = {
    closed: false,
    exclusive: (fn: (ctl: unknown) => Promise<unknown>) =>
      fn({ command: (line: string) => Promise.resolve((sent.push(line), reply(line))) }),
    list: (p: string, o: unknown) =>
      Promise.resolve(void sent.push(`list ${p} ${JSON.stringify(o)}`)),
    delete: (p: string) => Promise.resolve(void sent.push(`DELE ${p}`)),
    cwd: (p: string) => Promise.resolve(void sent.push(`raw CWD ${p}`)),
    close: () => void sent.push("close"),
    timeShift: 3600,
    renameAfter: (c: string, a: string, b: string) =>
      Promise.resolve((sent.push(`burst ${c} | ${a} | ${b}`), reply(c))),
    voidcmd: (line: string) => Promise.resolve((sent.push(`void ${line}`), reply(line))),
  };
  return { client: client as unknown as FtpClient, sent };
}

Deno.test("relativePath: white space at either end survives the UFTPD's strip", () => {
  assert.equal(relativePath("/a b/c"), "a b/c");
  assert.equal(relativePath("/tail "), "tail /.");
  assert.equal(relativePath("/ lead"), "./ lead");
  assert.equal(relativePath("/ both "), "./ both /.");
  assert.equal(relativePath("/d/tail "), "d/tail /.");
});

Deno.test("resolveFrom: absolute below the base; .. stops there", () => {
  assert.equal(resolveFrom("/", "sp ace"), "/sp ace");
  assert.equal(resolveFrom("/sp ace", "f.txt"), "/sp ace/f.txt");
  assert.equal(resolveFrom("/sp ace", "/a[1]/"), "/a[1]");
  assert.equal(resolveFrom("/sp ace", ""), "/sp ace");
  assert.equal(resolveFrom("/sp ace", ".."), "/");
  assert.equal(resolveFrom("/", "../.."), "/");
});

Deno.test("uftpDialect: cwd is checked by the UFTPD and undone at once; paths count from it", async () => {
  const { client, sent } = fakeClient();
  const d = uftpDialect(client);
  assert.equal(await d.pwd(), "/");
  await d.cwd("/tree/sp ace");
  assert.deepEqual(sent.splice(0), ["CWD tree/sp ace", "CWD ../.."]);
  assert.equal(await d.pwd(), "/tree/sp ace");
  await d.list();
  await d.list("-a");
  await d.delete("x.txt");
  await d.delete("/top.txt");
  assert.deepEqual(sent.splice(0), [
    'list tree/sp ace {"hidden":false,"literal":true}',
    'list tree/sp ace/-a {"hidden":false,"literal":true}',
    "DELE tree/sp ace/x.txt",
    "DELE top.txt",
  ]);
  await assert.rejects(d.cwd("a file"), /550/);
  assert.equal(await d.pwd(), "/tree/sp ace", "a refused CWD moves nothing");
  sent.splice(0);
  await d.cwd("/");
  await d.cdup();
  assert.deepEqual(sent, [], "the base needs no check");
  assert.equal(await d.pwd(), "/");
  await d.list("-a");
  assert.deepEqual(sent, ['list ./-a {"hidden":false,"literal":true}']);
  assert.equal((d as unknown as { [CWD_TURN_KEY]: unknown })[CWD_TURN_KEY], client);
});

Deno.test("uftpDialect: a turn on the dialect waits for one on its client", async () => {
  const { client } = fakeClient();
  const d = uftpDialect(client);
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const first = cwdTurn(client, async () => (order.push("client"), await held));
  const second = cwdTurn(d, () => Promise.resolve(void order.push("dialect")));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(order, ["client"]);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ["client", "dialect"]);
});

Deno.test("uftpDialect: cwd into a name with white space at an end climbs back one name", async () => {
  const { client, sent } = fakeClient();
  const d = uftpDialect(client);
  await d.cwd("/ lead");
  await d.cwd("/tail /x");
  // `./ lead` and `tail /.` are one name each: `../..` from there left the base (534).
  assert.deepEqual(sent, ["CWD ./ lead", "CWD ..", "CWD tail /x", "CWD ../.."]);
});

Deno.test("uftpDialect: times of spaced paths go by facts.ts, others in one write as before", async () => {
  const { client, sent } = fakeClient();
  const d = uftpDialect(client);
  const at = new Date("2024-01-02T03:04:05Z");
  await d.renameAfter("MFMT 20240102030405 /up/.a.part", "/up/.a.part", "/up/a");
  await d.mfmt("/up/a", at);
  assert.deepEqual(sent.splice(0), [
    "burst MFMT 20240102040405 up/.a.part | up/.a.part | up/a",
    "void MFMT 20240102040405 up/a",
  ]);
  await d.renameAfter("MFMT 20240102030405 /a b/.c.part", "/a b/.c.part", "/a b/c");
  assert.deepEqual(sent.splice(0), [
    "CWD a b",
    "MFMT 20240102040405 .c.part",
    "CWD ..",
    "RNFR a b/.c.part",
    "RNTO a b/c",
  ]);
  await d.chmod("/c d", 0o644);
  assert.deepEqual(sent.splice(0).map((l) => l.replace(/\.\w+\.ferry-mtime/, ".R.ferry-mtime")), [
    "RNFR c d",
    "RNTO .R.ferry-mtime.part",
    "MFF UNIX.mode=644; .R.ferry-mtime.part",
    "RNFR .R.ferry-mtime.part",
    "RNTO c d",
  ]);
});
