/**
 * The two small hooks ftp/client.ts offers for dialects like UFTPD's: commands
 * sent right before a transfer (`before`), and exclusive raw access to the
 * control connection (`exclusive`), against a scripted server.
 */
import assert from "node:assert/strict";
import { FtpClient, FtpPermanentError } from "../../ftp.ts";
import { type ScriptedSession, startScriptedServer } from "../peers/scripted.ts";
import { openUftpSession } from "../../plugins/uftp/session.ts";
import { measureUftpTimeShift } from "../../plugins/uftp/time.ts";

async function login(s: ScriptedSession): Promise<void> {
  await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
  await s.expect("USER anonymous");
  await s.send("331 Please specify the password\n");
  await s.expect("PASS ");
  await s.send("230 Login successful\n");
  await s.expect("FEAT");
  await s.send("211-Features:\n PASV\n EPSV\n RANG STREAM\n211 END\n");
}

Deno.test("client hooks: `before` commands go after EPSV and right before RETR", async () => {
  const seen: string[] = [];
  await using server = await startScriptedServer(async (s) => {
    await login(s);
    seen.push(await s.expect("TYPE I"));
    await s.send("200 OK\n");
    seen.push(await s.expect("EPSV"));
    const passive = await s.openPassive();
    await s.send(`${passive.epsvReply()}\n`);
    const data = await passive.accept();
    seen.push(await s.expect("RANG 2 5"));
    await s.send("350 Restarting at 2. End byte range at 5\n");
    seen.push(await s.expect("RETR a.txt"));
    await s.send("150 OK 3 bytes available for reading.\n");
    await data.write("cde");
    await data.close();
    await s.send("226 File transfer successful\n");
    await s.readCommand();
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2000 });
  await ftp.login("anonymous", "secret");
  const text = await new Response(await ftp.retrieve("a.txt", { before: ["RANG 2 5"] })).text();
  assert.equal(text, "cde");
  assert.deepEqual(seen, ["TYPE I", "EPSV", "RANG 2 5", "RETR a.txt"]);
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("client hooks: a refused `before` command fails the transfer with its reply", async () => {
  await using server = await startScriptedServer(async (s) => {
    await login(s);
    await s.expect("TYPE I");
    await s.send("200 OK\n");
    await s.expect("EPSV");
    const passive = await s.openPassive();
    await s.send(`${passive.epsvReply()}\n`);
    await passive.accept();
    await s.expect("ALLO x");
    await s.send("501 Error processing command 'ALLO': Argument syntax error\n");
    await s.expect("NOOP");
    await s.send("200 OK\n");
    await s.readCommand();
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2000 });
  await ftp.login("anonymous", "secret");
  await assert.rejects(ftp.store("b", { before: ["ALLO x"] }), FtpPermanentError);
  await ftp.noop(); // the connection is still in step
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("client hooks: exclusive() lends the control connection for raw exchanges", async () => {
  await using server = await startScriptedServer(async (s) => {
    await login(s);
    await s.expect("NOOP 2");
    await s.send("223 Opening 1 data connections\n");
    await s.expect("SYST");
    await s.send("215 Unix Type: L8\n");
    await s.readCommand();
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2000 });
  await ftp.login("anonymous", "secret");
  const [raw, syst] = await Promise.all([
    ftp.exclusive(async (control) => {
      assert.equal(control.remoteAddress, "127.0.0.1");
      return await control.command("NOOP 2");
    }),
    ftp.sendcmd("SYST"), // waits until the exclusive block is done
  ]);
  assert.equal(raw.code, 223);
  assert.equal(syst.code, 215);
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("client hooks: nudgeAcks answers UFTPD's held replies with an empty line, once logged in", async () => {
  // UFTPD writes each reply line on its own without TCP_NODELAY, so its next
  // line waits for the ACK of the last; this server waits for the client's
  // empty line instead, and so hangs (the test then times out) without it.
  const seen: string[] = [];
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    seen.push(await s.expect("USER anonymous"));
    await s.send("331 Please specify the password\n");
    seen.push(await s.expect("PASS "));
    await s.send("230 Login successful\n");
    seen.push(await s.expect("FEAT"));
    await s.send("211-Features:\n");
    seen.push(await s.expect(/^$/));
    await s.send(" EPSV\n MLSD\n211 END\n");
    seen.push(await s.expect("TYPE A"));
    await s.send("200 OK\n");
    seen.push(await s.expect("EPSV"));
    // EPSV came in one write with TYPE A: its reply waits for the ACK of the 200.
    seen.push(await s.expect(/^$/));
    const passive = await s.openPassive();
    await s.send(`${passive.epsvReply()}\n`);
    seen.push(await s.expect(/^$/));
    const data = await passive.accept();
    seen.push(await s.expect("MLSD ."));
    await s.send("150 OK\n");
    seen.push(await s.expect(/^$/));
    await data.write("size=3;modify=20240102030405;type=file; a.txt\r\n");
    await data.close();
    await s.send("226 File transfer successful\n");
    await s.readCommand();
  });
  const ftp = await FtpClient.connect({
    host: "127.0.0.1",
    port: server.port,
    timeoutMs: 5000,
    nudgeAcks: true,
  });
  await ftp.login("anonymous", "secret");
  assert.ok((await ftp.features()).has("MLSD"));
  assert.deepEqual((await ftp.mlsd(".")).map((e) => e.name), ["a.txt"]);
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
  assert.deepEqual(seen, [
    "USER anonymous",
    "PASS secret",
    "FEAT",
    "",
    "TYPE A",
    "EPSV",
    "",
    "",
    "MLSD .",
    "",
  ]);
});

Deno.test("client hooks: features known from another session are not asked again", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    await s.expect("USER anonymous");
    await s.send("331 Please specify the password\n");
    await s.expect("PASS ");
    await s.send("230 Login successful\n");
    await s.expect("NOOP");
    await s.send("200 OK\n");
    await s.readCommand();
  });
  const ftp = await FtpClient.connect({
    host: "127.0.0.1",
    port: server.port,
    timeoutMs: 5000,
    features: new Map([["EPSV", ""], ["HASH", "MD5*;SHA-256"]]),
  });
  await ftp.login("anonymous", "secret");
  await ftp.noop();
  assert.equal((await ftp.features()).get("HASH"), "MD5*;SHA-256");
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("client hooks: a UFTP session's first FEAT carries the time-shift probe; measuring it then sends nothing", async () => {
  const sent: string[] = [];
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 UFTPD 3.5.3, https://www.unicore.eu\n");
    await s.expect("USER anonymous");
    await s.send("331 Please specify the password\n");
    await s.expect("PASS ");
    await s.send("230 Login successful\n");
    // All three before any reply: one round trip (the old order waited for FEAT's 211 first).
    for (const line of ["FEAT", "STAT F .", "MLST ."]) sent.push(await s.expect(line));
    await s.send("211-Features:\n PASV\n EPSV\n MLST modify*;size*;type*;\n211 END\n");
    // 2026-12-06T08:00:00Z as UTC epoch ms in STAT, 09:00:00 local (UTC+1) in MLST.
    await s.send("211- Sending file list\n drwx 0 1796544000000 .\n211 End of file list\n");
    await s.send("250- Listing .\n modify=20261206090000;size=0;type=cdir; .\n250 End\n");
    // Then only nudges (empty lines, nudgeAcks) until the client closes.
    for (let next = await s.readCommand(); next !== null; next = await s.readCommand()) {
      if (next !== "") sent.push(next);
    }
  });
  const session = await openUftpSession(
    { serverHost: "127.0.0.1", serverPort: server.port, secret: "abcdefghijklmnopqrst" },
    { timeoutMs: 5000 },
  );
  assert.equal(await measureUftpTimeShift(session), 3600);
  session.close();
  await server.close();
  assert.deepEqual(server.errors, []);
  assert.deepEqual(sent, ["FEAT", "STAT F .", "MLST ."], "nothing sent after the login's write");
});
