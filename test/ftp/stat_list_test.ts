/**
 * `FtpClient.statList`: a directory listed with `STAT -a <dir>` over the
 * control connection (ftp/stat_listing.ts), against a scripted server that
 * answers as vsftpd and ProFTPD do, and as they would for a name with CR/LF
 * in it: the REST check catches a reply that ended early even when its rest
 * comes in a later write; a reply of more than the reply parser's 100,000
 * lines is taken; a reply past `maxStatListingBytes` is read to its end and
 * the session stays in step.
 * @module
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import type { FtpError } from "../../ftp/errors.ts";
import { StatListingError } from "../../ftp/stat_listing.ts";
import { scriptedLogin, type ScriptedSession, startScriptedServer } from "../peers/scripted.ts";

const line = (name: string, prefix = "") =>
  `${prefix}-rw-r--r--    1 1001     1001            1 Dec 07 15:14 ${name}\r\n`;
const dot = (prefix = "") =>
  `${prefix}drwxr-xr-x    3 1001     1001         4096 Dec 07 15:14 .\r\n`;

/**
 * Reads TYPE I (the first time), STAT, REST n and REST 0 as the client sends
 * them, and writes `parts` (each its own write) with `{n}` replaced by REST's number.
 */
async function answer(s: ScriptedSession, parts: string[], typed = false): Promise<string> {
  if (!typed) {
    await s.expect("TYPE I");
  }
  const stat = await s.expect(/^STAT -a /);
  const rest = await s.expect(/^REST \d+$/);
  await s.expect("REST 0");
  const n = rest.slice(5);
  if (!typed) await s.reply(200, "Switching to Binary mode.");
  for (const part of parts) await s.send(part.replaceAll("{n}", n));
  return stat;
}

const restReplies =
  "350 Restart position accepted ({n}).\r\n350 Restart position accepted (0).\r\n";

async function connect(port: number, options: { maxStatListingBytes?: number } = {}) {
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port, timeoutMs: 10_000, ...options });
  await ftp.login("u", "p");
  return ftp;
}

Deno.test("statList: vsftpd's and ProFTPD's replies are listings, TYPE I sent once", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    const first = await answer(s, [
      `213-Status follows:\r\n${dot()}${line(".hidden")}${line("213 x")}213 End of status\r\n`,
      restReplies,
    ]);
    assert.equal(first, "STAT -a /pub");
    await answer(s, [
      `212-Status of /d:\r\n${dot(" ")}${line("a", " ")}212 End of status\r\n${restReplies}`,
    ], true);
    await s.expect("QUIT");
  });
  const ftp = await connect(server.port);
  const vsftpd = await ftp.statList("/pub");
  assert.deepEqual(vsftpd.map((e) => e.name), [".", ".hidden", "213 x"]);
  assert.equal(vsftpd.end, "213 End of status");
  assert.equal(vsftpd.listedAll, true);
  const proftpd = await ftp.statList("/d", { end: "212 End of status" });
  assert.deepEqual(proftpd.map((e) => e.name), [".", "a"]);
  await ftp.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("statList: a reply a name ended early is seen by the REST check, its rest written later", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    // The name "zz\r\n213 End of status": the reply seems to end after "zz"; the real
    // final line and REST's replies come in later writes.
    await answer(s, [
      `213-Status follows:\r\n${dot()}${line("zz")}213 End of status\r\n`,
      "213 End of status\r\n",
      restReplies,
    ]);
    await s.readCommand();
  });
  const ftp = await connect(server.port);
  await assert.rejects(
    ftp.statList("/pub"),
    (e) => e instanceof StatListingError && e.fault === "out-of-step" && e.sessionClosed,
  );
  assert.equal(ftp.closed, true);
  await server.close();
});

Deno.test("statList: a bare LF, or a line that is no listing line, is refused; the session goes on", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    // "b\n-x": the bare LF; "c\r\n213-y": a line that is no listing line.
    await answer(s, [`213-Status:\r\n${dot()}${line("b\n-x")}213 End\r\n${restReplies}`]);
    await answer(
      s,
      [`213-Status:\r\n${dot()}${line("c")}213-y\r\n213 End\r\n${restReplies}`],
      true,
    );
    await s.expect("NOOP");
    await s.reply(200, "NOOP ok.");
    await s.expect("QUIT");
  });
  const ftp = await connect(server.port);
  await assert.rejects(
    ftp.statList("/a"),
    (e) => e instanceof StatListingError && e.fault === "bare-lf" && !e.sessionClosed,
  );
  await assert.rejects(
    ftp.statList("/b"),
    (e) => e instanceof StatListingError && e.fault === "odd-line" && !e.sessionClosed,
  );
  await ftp.noop();
  await ftp.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("statList: 150,000 lines are taken (the reply parser's limit is 100,000)", async () => {
  const count = 150_000;
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(line(`f${i}`));
    await answer(s, [
      `213-Status follows:\r\n${dot()}`,
      lines.join(""),
      "213 End\r\n",
      restReplies,
    ]);
    await s.expect("NOOP");
    await s.reply(200, "NOOP ok.");
    await s.expect("QUIT");
  });
  const ftp = await connect(server.port);
  const listing = await ftp.statList("/big");
  assert.equal(listing.length, count + 1);
  await ftp.noop();
  await ftp.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("statList: a reply past maxStatListingBytes is read to its end, the session in step", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(line(`f${i}`));
    await answer(s, [`213-Status follows:\r\n${dot()}${lines.join("")}213 End\r\n${restReplies}`]);
    await s.expect("NOOP");
    await s.reply(200, "NOOP ok.");
    await s.expect("QUIT");
  });
  const ftp = await connect(server.port, { maxStatListingBytes: 2_000 });
  await assert.rejects(
    ftp.statList("/big"),
    (e) => e instanceof StatListingError && e.fault === "truncated" && !e.sessionClosed,
  );
  assert.equal((await ftp.sendcmd("NOOP")).code, 200);
  await ftp.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("statList: STATs asked while the session is busy go out together, one REST check", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    await s.expect("NOOP");
    await s.reply(200, "NOOP ok.");
    await s.expect("TYPE I");
    assert.equal(await s.readCommand(), "STAT -a /a");
    assert.equal(await s.readCommand(), "STAT -a /b");
    const rest = await s.expect(/^REST \d+$/);
    await s.expect("REST 0");
    const reply = (name: string) => `213-Status follows:\r\n${dot()}${line(name)}213 End\r\n`;
    await s.send(`200 Binary.\r\n${reply("x")}${reply("y")}`);
    await s.send(restReplies.replace("{n}", rest.slice(5)));
    await s.expect("QUIT");
  });
  const ftp = await connect(server.port);
  const [, a, b] = await Promise.all([ftp.noop(), ftp.statList("/a"), ftp.statList("/b")]);
  assert.deepEqual(a.map((e) => e.name), [".", "x"]);
  assert.deepEqual(b.map((e) => e.name), [".", "y"]);
  await ftp.quit();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("statList: a STAT answered 421 (the server closing) fails as not run, and the REST check's replies never come", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    // pyftpdlib's idle timeout crossing the batch: 421 to the first line read, then close.
    await answer(s, ["421 Control connection timed out.\r\n"]);
  });
  const ftp = await connect(server.port);
  await assert.rejects(
    ftp.statList("/pub", { hidden: true }),
    (e: FtpError) => e.ftpCode === 421 && e.notRun,
  );
  ftp.close();
});
