/**
 * Round trips saved at the start of a session: USER, PASS and FEAT in one
 * write (servers known to read commands in turn), and a ranged download's
 * REST in the same write as EPSV and RETR once EPSV is known to work. The
 * scripted server reads every pipelined line before it answers any: a client
 * that waited for a reply in between would hang there.
 */
import assert from "node:assert/strict";
import type { FtpClient } from "../../ftp/client.ts";
import { FtpConnectionError, FtpPermanentError } from "../../ftp/errors.ts";
import {
  type PassiveListener,
  scriptedLogin,
  scriptedQuit,
  scriptedSendData,
  type ScriptedServer,
  type ScriptedSession,
  startScriptedServer,
} from "../peers/scripted.ts";
import { connectScripted, quitClean } from "./scripted_client.ts";

const VSFTPD = "220 (vsFTPd 3.0.3)\r\n";

Deno.test("pipelined login: USER, PASS and FEAT in one write, then OPTS UTF8", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    await s.expect("USER u");
    await s.expect("PASS p");
    await s.expect("FEAT");
    await s.reply(331, "password");
    await s.reply(230, "in");
    await s.send("211-Features:\r\n UTF8\r\n MDTM\r\n211 End\r\n");
    await s.expect("OPTS UTF8 ON");
    await s.reply(200, "utf8");
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server);
  assert.equal(ftp.pipelinesLogin, true);
  await ftp.login("u", "p");
  assert.deepEqual([...(ftp.knownFeatures?.keys() ?? [])], ["UTF8", "MDTM"]);
  await quitClean(ftp, server);
});

Deno.test("pipelined login: a wrong password fails as before; FEAT's 530 is dropped", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    await s.expect("USER u");
    await s.expect("PASS wrong");
    await s.expect("FEAT");
    await s.reply(331, "password");
    await s.reply(530, "Login incorrect.");
    await s.reply(530, "Please login with USER and PASS.");
    await s.readCommand(); // the client closes
  });
  const ftp = await connectScripted(server);
  await assert.rejects(
    ftp.login("u", "wrong"),
    (e) => e instanceof FtpPermanentError && e.ftpCode === 530 && /incorrect/.test(e.message),
  );
  ftp.close();
});

Deno.test("pipelined login: known features send OPTS UTF8 with the login; ACCT when asked", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    await s.expect("USER u");
    await s.expect("PASS p");
    await s.expect("OPTS UTF8 ON");
    await s.reply(331, "password");
    await s.reply(332, "account please");
    await s.reply(530, "not logged in");
    await s.expect("ACCT a");
    await s.reply(230, "in");
    // Answered before the account: asked again, in turn.
    await s.expect("OPTS UTF8 ON");
    await s.reply(200, "utf8");
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server, { features: new Map([["UTF8", ""]]) });
  await ftp.login("u", "p", "a");
  await quitClean(ftp, server);
});

Deno.test("login: an unknown server gets one command at a time", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s); // replies to USER before it reads PASS
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server);
  assert.equal(ftp.pipelinesLogin, false);
  await ftp.login("u", "p");
  await quitClean(ftp, server);
});

/** Login, then TYPE I, EPSV, REST 3 and RETR a all read before the 200 and 229 go out. */
async function rangedPrelude(s: ScriptedSession): Promise<PassiveListener> {
  await scriptedLogin(s);
  for (const line of ["TYPE I", "EPSV", "REST 3", "RETR a"]) await s.expect(line);
  const pasv = await s.openPassive();
  await s.reply(200, "binary");
  await s.send(pasv.epsvReply() + "\r\n");
  return pasv;
}

/** A logged-in client told that EPSV works on this server. */
async function epsvClient(server: ScriptedServer): Promise<FtpClient> {
  const ftp = await connectScripted(server, { epsvWorks: true });
  await ftp.login("u", "p");
  return ftp;
}

Deno.test("ranged download: REST goes with EPSV and RETR once EPSV is known to work", async () => {
  await using server = await startScriptedServer(async (s) => {
    const pasv = await rangedPrelude(s);
    await s.reply(350, "restarting at 3");
    await scriptedSendData(s, pasv, "defgh");
    await scriptedQuit(s);
  });
  const ftp = await epsvClient(server);
  const body = await new Response(await ftp.retrieve("a", { offset: 3 })).text();
  assert.equal(body, "defgh");
  await quitClean(ftp, server);
});

Deno.test("ranged download: a refused pipelined REST closes the session, no byte is read", async () => {
  let accepted = false;
  await using server = await startScriptedServer(async (s) => {
    const pasv = await rangedPrelude(s);
    await s.reply(502, "no REST here");
    // RETR now sends the whole file from byte 0: the client must not take it.
    const data = await pasv.accept();
    accepted = true;
    await s.reply(150, "here");
    await data.write("abcdefgh").catch(() => {});
    data.destroy();
    assert.equal(await s.readCommand(), null); // the client hung up
  });
  const ftp = await epsvClient(server);
  await assert.rejects(
    ftp.retrieve("a", { offset: 3 }),
    (e) => e instanceof FtpPermanentError && /REST 3/.test(e.message),
  );
  assert.equal(ftp.closed, true);
  await server.close();
  assert.equal(accepted, true);
  assert.deepEqual(server.errors.filter((e) => !(e instanceof FtpConnectionError)), []);
});
