/**
 * EPSV pipelining: once EPSV has worked on a session, a download sends EPSV and
 * its command in one write; a refusal then falls back to the usual exchange.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { scriptedLogin, type ScriptedSession, startScriptedServer } from "../peers/scripted.ts";

/** Serves one RETR on a fresh passive port; the EPSV line was already read. */
async function serveRetr(s: ScriptedSession, body: string, pipelined: boolean): Promise<void> {
  const pasv = await s.openPassive();
  // A pipelining client has sent the RETR already: read it before the 229,
  // which a client waiting for the 229 would never do (the test would hang).
  if (pipelined) await s.expect("RETR a");
  await s.send(pasv.epsvReply() + "\r\n");
  if (!pipelined) await s.expect("RETR a");
  const data = await pasv.accept();
  await s.reply(150, "here");
  await data.write(body);
  await data.close();
  await s.reply(226, "done");
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await new Response(stream).arrayBuffer()));
}

Deno.test("pipeline: after a first EPSV, EPSV and RETR go out together", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    await s.expect("TYPE I");
    await s.reply(200, "binary");
    await s.expect("EPSV");
    await serveRetr(s, "one", false);
    await s.expect("EPSV");
    await serveRetr(s, "two", true);
    await s.expect("QUIT");
    await s.reply(221, "bye");
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2_000 });
  await ftp.login("u", "p");
  assert.equal(await text(await ftp.retrieve("a")), "one");
  assert.equal(await text(await ftp.retrieve("a")), "two");
  await ftp.quit();
  assert.deepEqual(server.errors, []);
});

Deno.test("pipeline: a pipelined EPSV refused falls back to PASV on the same session", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    await s.expect("TYPE I");
    await s.reply(200, "binary");
    await s.expect("EPSV");
    await serveRetr(s, "one", false);
    // Pipelined: refuse EPSV; the RETR that follows has no data connection.
    await s.expect("EPSV");
    await s.expect("RETR a");
    await s.reply(500, "EPSV off now");
    await s.reply(425, "use PORT or PASV first");
    // The client asks again the usual way: EPSV refused for good, then PASV.
    await s.expect("EPSV");
    await s.reply(502, "no EPSV");
    await s.expect("PASV");
    const pasv = await s.openPassive();
    await s.send(pasv.pasvReply() + "\r\n");
    await s.expect("RETR a");
    const data = await pasv.accept();
    await s.reply(150, "here");
    await data.write("two");
    await data.close();
    await s.reply(226, "done");
    await s.expect("QUIT");
    await s.reply(221, "bye");
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 2_000 });
  await ftp.login("u", "p");
  assert.equal(await text(await ftp.retrieve("a")), "one");
  assert.equal(await text(await ftp.retrieve("a")), "two");
  await ftp.quit();
  assert.deepEqual(server.errors, []);
});

Deno.test("pipeline: off by option, downloads still work", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    await s.expect("TYPE I");
    await s.reply(200, "binary");
    for (const body of ["one", "two"]) {
      await s.expect("EPSV");
      await serveRetr(s, body, false);
    }
    await s.expect("QUIT");
    await s.reply(221, "bye");
  });
  const ftp = await FtpClient.connect({
    host: "127.0.0.1",
    port: server.port,
    timeoutMs: 2_000,
    pipeline: false,
  });
  await ftp.login("u", "p");
  assert.equal(await text(await ftp.retrieve("a")), "one");
  assert.equal(await text(await ftp.retrieve("a")), "two");
  await ftp.quit();
  assert.deepEqual(server.errors, []);
});
