/**
 * The next transfer's EPSV sent in a transfer command's own write (NextPort),
 * where the transfer fails before its data moves: its reply is read, in turn,
 * and the session stays in step. A listing (vsftpd) whose port refused the
 * connection and whose command was refused leaves the port of its EPSV to the
 * next listing (on the old code the session was closed); a download whose
 * pipelined EPSV was refused reads the next port's 229 with the refusals and
 * opens its channel again (on the old code the session was closed).
 */
import assert from "node:assert/strict";
import { FtpPermanentError } from "../../ftp/errors.ts";
import {
  scriptedLogin,
  scriptedQuit,
  scriptedSendData,
  type ScriptedSession,
  startScriptedServer,
} from "../peers/scripted.ts";
import { connectScripted, quitClean } from "./scripted_client.ts";

/** scriptedLogin with a welcome of `name`'s (the rules go by it). */
async function loginAs(s: ScriptedSession, welcome: string): Promise<void> {
  const session: ScriptedSession = {
    ...s,
    send: (raw) => s.send(raw === "220 scripted\r\n" ? `220 ${welcome}\r\n` : raw),
  };
  await scriptedLogin(session);
}

Deno.test("next port: a refused listing on a port that took no connection keeps the session; the next listing takes its port", async () => {
  await using server = await startScriptedServer(async (s) => {
    await loginAs(s, "(vsFTPd 3.0.5)");
    // The listing's lines in one write, the next transfer's EPSV behind LIST.
    await s.expect("TYPE A");
    await s.expect("EPSV");
    await s.expect("LIST gone");
    await s.expect("EPSV");
    const closed = await s.openPassive();
    const refusedPort = closed.epsvReply();
    await closed.close(); // nothing listens: the client's connection is refused
    const next = await s.openPassive();
    await s.send(
      `200 Switching to ASCII mode.\r\n${refusedPort}\r\n550 Failed to open directory.\r\n` +
        `${next.epsvReply()}\r\n`,
    );
    // The next listing connects to the EPSV's port: no EPSV ahead of its LIST, one behind
    // it (TYPE A again: the failed listing did not record it).
    await s.expect("TYPE A");
    await s.expect("LIST d");
    await s.expect("EPSV");
    const last = await s.openPassive();
    await s.reply(200, "Switching to ASCII mode.");
    await scriptedSendData(s, next, "-rw-r--r-- 1 u g 3 Jan 01 00:00 a.txt\r\n");
    await s.send(last.epsvReply() + "\r\n");
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server, { pipelineLogin: false, epsvWorks: true });
  await ftp.login("u", "p");
  await assert.rejects(
    ftp.list("gone", { hidden: false }),
    (e) => e instanceof FtpPermanentError && e.ftpCode === 550,
  );
  assert.deepEqual((await ftp.list("d", { hidden: false })).map((e) => e.name), ["a.txt"]);
  await quitClean(ftp, server);
});

Deno.test("next port: a download whose pipelined EPSV is refused reads the next port's reply and opens its channel again", async () => {
  await using server = await startScriptedServer(async (s) => {
    await loginAs(s, "ProFTPD 1.3.8 Server");
    await s.expect("TYPE I");
    await s.expect("EPSV");
    await s.expect("RETR a");
    await s.expect("EPSV");
    // EPSV refused, RETR without a channel, the next port's EPSV answered (dropped).
    const dropped = await s.openPassive();
    await s.send(
      `200 Type set to I\r\n425 Unable to build data connection\r\n` +
        `425 Unable to build data connection\r\n${dropped.epsvReply()}\r\n`,
    );
    // Asked again: a new channel, then RETR with the next transfer's EPSV behind it.
    await s.expect("EPSV");
    const pasv = await s.openPassive();
    await s.send(pasv.epsvReply() + "\r\n");
    await s.expect("RETR a");
    await s.expect("EPSV");
    const next = await s.openPassive();
    await scriptedSendData(s, pasv, "one");
    await s.send(next.epsvReply() + "\r\n");
    // The next download connects to that port: only its RETR (nothing behind it now).
    await s.expect("RETR b");
    await scriptedSendData(s, next, "two");
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server, { pipelineLogin: false, epsvWorks: true });
  let behind = true;
  ftp.portBehindReads = () => behind;
  await ftp.login("u", "p");
  assert.equal(await new Response(await ftp.retrieve("a", { expectedSize: 3 })).text(), "one");
  behind = false;
  assert.equal(await new Response(await ftp.retrieve("b", { expectedSize: 3 })).text(), "two");
  await quitClean(ftp, server);
});
