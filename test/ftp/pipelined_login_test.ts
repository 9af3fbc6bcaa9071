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

/** The lines a pipelined login writes after USER and PASS on vsftpd (features not known). */
const AFTER = ["FEAT", "OPTS UTF8 ON", "TYPE A", "EPSV"];

Deno.test("pipelined login: USER, PASS, FEAT, OPTS UTF8, TYPE A and EPSV in one write", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    for (const line of ["USER u", "PASS p", ...AFTER]) await s.expect(line);
    await s.reply(331, "password");
    await s.reply(230, "in");
    await s.send("211-Features:\r\n UTF8\r\n MDTM\r\n211 End\r\n");
    await s.reply(200, "utf8");
    await s.reply(200, "ascii");
    await s.reply(502, "no EPSV here");
    await s.expect("PWD"); // a command of its own: the first timed round trip
    await s.reply(257, '"/home/u" is the current directory');
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server);
  assert.equal(ftp.pipelinesLogin, true);
  await ftp.login("u", "p");
  assert.deepEqual([...(ftp.knownFeatures?.keys() ?? [])], ["UTF8", "MDTM"]);
  assert.equal(await ftp.pwd(), "/home/u");
  assert.equal(ftp.epsvWorked, false);
  await quitClean(ftp, server);
});

Deno.test("pipelined login: OPTS UTF8 refused is passed over; the first download takes the EPSV port", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    for (const line of ["USER u", "PASS p", ...AFTER]) await s.expect(line);
    const pasv = await s.openPassive();
    await s.reply(331, "password");
    await s.reply(230, "in");
    await s.reply(211, "no features");
    await s.reply(501, "OPTS UTF8 not understood");
    await s.reply(200, "ascii");
    await s.send(pasv.epsvReply() + "\r\n");
    // The download connects to that port; TYPE I goes in the same write as RETR.
    await s.expect("TYPE I");
    await s.expect("RETR a");
    await s.reply(200, "binary");
    await scriptedSendData(s, pasv, "hello");
    await s.expect("PWD");
    await s.reply(257, '"/" is the current directory');
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server);
  await ftp.login("u", "p");
  assert.equal(ftp.epsvWorked, true);
  assert.equal(await new Response(await ftp.retrieve("a")).text(), "hello");
  assert.equal(await ftp.pwd(), "/");
  await quitClean(ftp, server);
});

Deno.test("pipelined login: a wrong password fails as before; the rest's 530s are dropped", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    for (const line of ["USER u", "PASS wrong", ...AFTER]) await s.expect(line);
    await s.reply(331, "password");
    await s.reply(530, "Login incorrect.");
    for (const _ of AFTER) await s.reply(530, "Please login with USER and PASS.");
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
  const after = ["OPTS UTF8 ON", "TYPE A", "EPSV"];
  await using server = await startScriptedServer(async (s) => {
    await s.send(VSFTPD);
    for (const line of ["USER u", "PASS p", ...after]) await s.expect(line);
    await s.reply(331, "password");
    await s.reply(332, "account please");
    for (const _ of after) await s.reply(530, "not logged in");
    await s.expect("ACCT a");
    await s.reply(230, "in");
    // Answered before the account: OPTS asked again, in turn.
    await s.expect("OPTS UTF8 ON");
    await s.reply(200, "utf8");
    await s.expect("PWD");
    await s.reply(257, '"/" is the current directory');
    await scriptedQuit(s);
  });
  const ftp = await connectScripted(server, { features: new Map([["UTF8", ""]]) });
  await ftp.login("u", "p", "a");
  assert.equal(await ftp.pwd(), "/");
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
